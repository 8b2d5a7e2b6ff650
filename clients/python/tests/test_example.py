"""Examples/python-client/train_digits.py joins a real federation (the Swift binaries) and learns the digits side by
side with a Swift client running the built-in softmax trainer."""

from __future__ import annotations

import numpy as np

from swift_federation import REPOSITORY, Federation

EXAMPLE = REPOSITORY / "Examples" / "python-client" / "train_digits.py"


def test_the_example_learns_the_digits_with_a_swift_client(live: Federation) -> None:
    data = live.root / "digits.npz"
    live.fedge("dataset", "export", "digits", "--out", str(data), json_output=False)
    live.upload_seed({"linear.weight": np.zeros((10, 64), np.float32), "linear.bias": np.zeros(10, np.float32)})
    for index in (1, 2):
        kit = live.enroll(f"python-{index}")
        live.spawn_script(f"python-{index}.log", EXAMPLE, "--kit", kit, "--data", data, "--shard", f"{index}/3")
    live.swift_client(live.enroll("swift-1"), "--trainer", "softmax", "--shard", "3/3")
    live.wait_online({"python-1", "python-2", "swift-1"})

    session_id = live.start_session("--rounds", "4", "--validate", "--setting", "epochs=2")
    shown = live.wait_session(session_id, timeout=120)
    assert shown["session"]["status"] == "finished", shown
    rounds = sorted(shown["rounds"], key=lambda r: r["number"])
    assert all(r["received"] == 3 for r in rounds), rounds

    models = [live.fedge("model", "show", r["model"]) for r in rounds]
    accuracy = [model["metrics"].get("accuracy") for model in models]
    assert all(value is not None for value in accuracy), models
    assert accuracy[-1] >= 0.85 and accuracy[-1] > accuracy[0], accuracy
    # The Python clients validated every model (the weighted accuracies above include theirs).
    for index in (1, 2):
        log = (live.root / f"python-{index}.log").read_text()
        assert log.count("Validated the global model") == 4, log
