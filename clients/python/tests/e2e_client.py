"""A Python client process for the end-to-end tests: ``python e2e_client.py KIT MODE [ARGS…]``.

Modes:

- ``constant VALUE WEIGHT``: every round's update is the global model's tensors filled with VALUE, weighing WEIGHT.
- ``stall-upload VALUE WEIGHT MARKER``: as ``constant``, but the upload stops after its first chunk of model bytes
  and MARKER is written; the process then waits to be killed.
- ``slow VALUE WEIGHT SECONDS MARKER_DIR``: as ``constant``, but training takes SECONDS and ignores cancellation;
  it writes ``MARKER_DIR/started`` when training starts, ``MARKER_DIR/returned`` when the function returns, and
  ``MARKER_DIR/uploaded`` if an upload is ever begun.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

import fedge
import fedge.client
import fedge.transfer


def constant_train(value: float, weight: float) -> Any:
    def train(model: dict[str, np.ndarray], settings: dict[str, Any]) -> fedge.TrainResult:
        return fedge.TrainResult(
            model={name: np.full_like(array, value) for name, array in model.items()},
            num_examples=weight,
            metrics={"value": value},
        )

    return train


def main(arguments: list[str]) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    kit, mode, *rest = arguments
    value, weight = float(rest[0]), float(rest[1])
    train = constant_train(value, weight)

    if mode == "stall-upload":
        marker = Path(rest[2])
        original = fedge.transfer.send_chunks

        def stalled(*args: Any, **kwargs: Any) -> Iterator[Any]:
            pieces = original(*args, **kwargs)
            yield next(pieces)
            marker.write_text("one chunk sent\n")
            while True:
                time.sleep(60)  # until killed

        fedge.transfer.send_chunks = stalled  # type: ignore[assignment]
    elif mode == "slow":
        seconds, markers = float(rest[2]), Path(rest[3])
        inner = train
        upload = fedge.transfer.upload_update

        def slow(model: dict[str, np.ndarray], settings: dict[str, Any]) -> fedge.TrainResult:
            (markers / "started").write_text("started\n")
            time.sleep(seconds)  # deaf to the cancel: the client must still not send the result
            result: fedge.TrainResult = inner(model, settings)
            (markers / "returned").write_text("returned\n")
            return result

        def recording_upload(*args: Any, **kwargs: Any) -> Any:
            (markers / "uploaded").write_text("uploaded\n")
            return upload(*args, **kwargs)

        fedge.client.upload_update = recording_upload  # type: ignore[attr-defined]
        train = slow
    elif mode != "constant":
        raise SystemExit(f"unknown mode {mode!r}")

    fedge.Client(kit=kit, train=train, heartbeat_interval=1).run()


if __name__ == "__main__":
    main(sys.argv[1:])
