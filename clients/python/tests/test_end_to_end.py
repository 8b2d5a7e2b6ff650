"""End to end: Python clients with the real Swift `fedge-controller`, `fedge-combiner` and `fedge-client`
processes over loopback gRPC with mutual TLS (see swift_federation.py)."""

from __future__ import annotations

import base64
import json
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from stall_proxy import StallProxy
from swift_federation import Federation, binaries, eventually, federation, free_port

import fedge

BIN = binaries()


def test_python_and_swift_clients_give_exactly_the_weighted_mean(live: Federation) -> None:
    seed = {"dense.weight": np.zeros((16, 8), np.float32), "dense.bias": np.zeros(16, np.float32)}
    seed_id = live.upload_seed(seed)
    python = {"py-1": (1.0, 1.0), "py-2": (2.0, 3.0), "py-3": (-0.5, 4.0)}
    for name, (value, weight) in python.items():
        live.python_client(live.enroll(name), "constant", value, weight)
    live.swift_client(live.enroll("swift-1"))
    live.wait_online({*python, "swift-1"})

    session_id = live.start_session("--rounds", "2", "--round-timeout", "60")
    shown = live.wait_session(session_id)
    assert shown["session"]["status"] == "finished", shown
    rounds = sorted(shown["rounds"], key=lambda r: r["number"])
    assert [r["received"] for r in rounds] == [4, 4]

    # Round 1: the Python clients send constants; the Swift client the seed (zeros) plus 0.001, weighing 1.
    updates = [(value, weight) for value, weight in python.values()] + [(0.001, 1.0)]
    expected_1 = sum(np.float64(np.float32(v)) * w for v, w in updates) / sum(w for _, w in updates)
    first = live.download(rounds[0]["model"])
    assert set(first) == set(seed)
    for name, array in first.items():
        assert array.dtype == np.float32 and array.shape == seed[name].shape
        np.testing.assert_allclose(array, expected_1, rtol=1e-6, atol=0)
    model = live.fedge("model", "show", rounds[0]["model"])
    assert model["parent"] == seed_id and model["contributors"] == 4 and model["total_weight"] == 9

    # Round 2 starts from round 1's model: the Swift client adds 0.001 to it.
    updates_2 = [(value, weight) for value, weight in python.values()] + [(float(np.float32(expected_1)) + 0.001, 1)]
    expected_2 = sum(v * w for v, w in updates_2) / sum(w for _, w in updates_2)
    for array in live.download(rounds[1]["model"]).values():
        np.testing.assert_allclose(array, expected_2, rtol=1e-6, atol=0)
    assert live.fedge("model", "verify")["problems"] == []


def test_python_client_killed_mid_upload_leaves_nothing_behind(live: Federation, tmp_path: Path) -> None:
    # 3 MiB of model: the upload is three 1 MiB chunks, and the stalled client sends only the first.
    live.upload_seed({"w": np.zeros((768, 1024), np.float32)})
    live.python_client(live.enroll("steady"), "constant", 5.0, 2.0)
    marker = tmp_path / "stalled"
    stalled = live.python_client(live.enroll("stalling"), "stall-upload", 9.0, 1.0, marker)
    live.wait_online({"steady", "stalling"})

    session_id = live.start_session("--rounds", "1", "--round-timeout", "30")
    eventually(marker.exists, 60, "the stalling client sending its first chunk")
    spool = live.root / "alpha" / "spool"

    def spooled() -> list[Path]:
        return [path for path in spool.rglob("*") if path.is_file()]

    assert spooled(), "the combiner spools the upload in flight"
    stalled.kill()  # kill -9, mid-upload
    stalled.wait()

    shown = live.wait_session(session_id)
    (round_1,) = shown["rounds"]
    assert round_1["status"] == "committed" and round_1["received"] == 1, round_1
    for array in live.download(round_1["model"]).values():
        assert np.all(array == 5.0), "only the steady client's update is in the model"
    # Nothing of the half upload is left on the combiner.
    eventually(lambda: not spooled(), 10, "the spool emptied")
    eventually(lambda: "stalling" not in live.online(), 30, "the controller seeing the killed client gone")


def test_cancelled_round_keeps_the_result_from_being_sent(live: Federation, tmp_path: Path) -> None:
    live.upload_seed({"w": np.zeros((4, 4), np.float32)})
    live.python_client(live.enroll("quick"), "constant", 1.0, 1.0)
    markers = tmp_path / "slow"
    markers.mkdir()
    live.python_client(live.enroll("sluggish"), "slow", 7.0, 1.0, 4, markers)
    live.wait_online({"quick", "sluggish"})

    # The round closes at its first update: the sluggish client's task is cancelled while it trains.
    session_id = live.start_session("--rounds", "1", "--buffer-size", "1", "--round-timeout", "60")
    eventually((markers / "started").exists, 60, "the sluggish client training")
    shown = live.wait_session(session_id)
    (round_1,) = shown["rounds"]
    assert round_1["received"] == 1
    for array in live.download(round_1["model"]).values():
        assert np.all(array == 1.0)

    eventually((markers / "returned").exists, 30, "the sluggish client's function returning")
    log = live.root / "sluggish.log"
    eventually(lambda: "cancelled" in log.read_text(), 10, "the client reporting the task cancelled")
    time.sleep(0.5)
    assert not (markers / "uploaded").exists(), "the result of a cancelled task must not be uploaded"
    assert "sluggish" in live.online(), "the client stays connected"


def _refusal(client: fedge.Client) -> BaseException:
    """Runs `client` in a thread and returns what its run() raised (the test fails when it keeps running)."""
    raised: list[BaseException] = []

    def run() -> None:
        try:
            client.run()
        except BaseException as error:  # noqa: BLE001 - the test inspects it
            raised.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(30)
    if thread.is_alive():
        client.stop()
        pytest.fail("a client the servers refuse kept running")
    assert len(raised) == 1, "run() returned instead of raising the refusal"
    return raised[0]


def _train(model: dict[str, np.ndarray], settings: dict[str, object]) -> fedge.TrainResult:
    return fedge.TrainResult(model=model, num_examples=1)


def test_a_wrong_token_is_refused_with_a_clear_exception(live: Federation) -> None:
    kit = fedge.Kit.load(live.enroll("forger"))
    header, payload, signature = kit.token.split(".")
    flipped = base64.urlsafe_b64decode(signature + "==")
    forged = base64.urlsafe_b64encode(bytes([flipped[0] ^ 1]) + flipped[1:]).rstrip(b"=").decode()
    client = fedge.Client(kit=kit, train=_train, token=f"{header}.{payload}.{forged}", handle_signals=False)
    refusal = _refusal(client)
    assert isinstance(refusal, fedge.UnauthenticatedError), refusal
    assert "signature" in refusal.message, "the refusal carries the server's sentence"
    assert "forger" not in live.online()
    audit = json.dumps(live.fedge("audit", "list"))
    assert "access.refused" in audit


def test_an_expired_token_is_refused_with_a_clear_exception(tmp_path: Path) -> None:
    # Without TLS (whose certificates would expire with the token and fail the handshake first), the token's expiry
    # itself is what the controller refuses.
    if BIN is None:
        pytest.skip("the Swift binaries are not built: run `swift build` at the repository's root")
    with federation(tmp_path, BIN, insecure=True) as live:
        kit = live.enroll("latecomer", ttl="2s")
        time.sleep(3)
        client = fedge.Client(kit=kit, train=_train, insecure=True, handle_signals=False)
        refusal = _refusal(client)
        assert isinstance(refusal, fedge.UnauthenticatedError), refusal
        assert "expired" in refusal.message.lower(), refusal.message
        assert "latecomer" not in live.online()


def test_sigterm_stops_a_python_client_cleanly(live: Federation) -> None:
    live.upload_seed({"w": np.zeros(4, np.float32)})
    client = live.python_client(live.enroll("leaver"), "constant", 1.0, 1.0)
    live.wait_online({"leaver"})
    client.send_signal(signal.SIGTERM)
    assert client.wait(timeout=10) == 0
    eventually(lambda: "leaver" not in live.online(), 30, "the combiner seeing the client leave")


@pytest.mark.skipif(BIN is None, reason="the Swift binaries are not built: run `swift build` at the repository's root")
def test_a_stalled_link_is_noticed_and_left(tmp_path: Path) -> None:
    """The link to the combiner goes silent (a proxy stops forwarding, connections stay open): the client's keepalive
    pings go unanswered, it closes the connection and dials again, and once the link carries bytes it is back."""
    assert BIN is not None
    combiner_port = free_port()
    proxy = StallProxy(upstream=combiner_port)
    try:
        with federation(tmp_path, BIN, combiner_port=combiner_port, advertise=proxy.port) as live:
            live.upload_seed({"w": np.zeros(8, np.float32)})
            live.python_client(live.enroll("py-stalled"), "constant", 1.0, 1.0)
            live.wait_online({"py-stalled"})
            before = proxy.connections
            proxy.stall()
            # 10 s without reading, then 5 s for the ping's answer; then the client dials again (through the proxy).
            eventually(lambda: proxy.connections > before, timeout=45, what="the client leaving the stalled link")
            proxy.resume()
            session_id = live.start_session("--rounds", "1", "--round-timeout", "60")
            shown = live.wait_session(session_id)
            assert shown["session"]["status"] == "finished", shown
            assert [r["received"] for r in shown["rounds"]] == [1]
    finally:
        proxy.close()
