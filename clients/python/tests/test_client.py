"""The client against in-process fakes of a controller and a combiner: the protocol, end to end, in one process."""

from __future__ import annotations

import logging
import random
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import numpy as np
import pytest
from safetensors.numpy import load_file

import fedge
from fedge._proto.fedge.v1 import combiner_pb2, common_pb2

from fakes import Federation, fake_token, federation, make_pki, write_model

RUNNING = combiner_pb2.TASK_STATE_RUNNING
SUCCEEDED = combiner_pb2.TASK_STATE_SUCCEEDED
FAILED = combiner_pb2.TASK_STATE_FAILED
CANCELLED = combiner_pb2.TASK_STATE_CANCELLED


@pytest.fixture
def fed(tmp_path: Path) -> Iterator[Federation]:
    with federation(tmp_path) as running:
        yield running


def fast_backoff() -> fedge.Backoff:
    return fedge.Backoff(initial=0.05, maximum=0.2, rng=random.Random(1))


def make_client(fed: Federation, train: Any = None, validate: Any = None, **options: Any) -> fedge.Client:
    options.setdefault("controller", fed.controller_address)
    return fedge.Client(
        train=train,
        validate=validate,
        token=fake_token("site-1"),
        insecure=True,
        work_dir=fed.root / "work",
        backoff=fast_backoff(),
        **options,
    )


class Running:
    """A client's run() in a thread, stopped (and checked to have returned) on exit."""

    def __init__(self, client: fedge.Client) -> None:
        self.client = client
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.client.run()
        except BaseException as error:  # noqa: BLE001 - handed to the test
            self.error = error

    def __enter__(self) -> Running:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.stop()
        self.thread.join(timeout=15)
        assert not self.thread.is_alive(), "run() did not return after stop()"


def wait_until(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def test_train_task_end_to_end(fed: Federation) -> None:
    model_id = fed.models.add(fed.root / "global.safetensors") if write_model(fed.root / "global.safetensors") else ""
    seen: dict[str, Any] = {}

    def train(model: dict[str, np.ndarray], settings: dict[str, Any]) -> fedge.TrainResult:
        seen["model"] = model
        seen["settings"] = settings
        task = fedge.current_task()
        assert task is not None
        seen["task"] = (task.task_id, task.round, task.kind, task.session_id)
        updated = {name: (array * 2).astype(np.float64) for name, array in model.items()}  # cast back to float32
        return fedge.TrainResult(model=updated, num_examples=12, metrics={"loss": 0.25})

    with Running(make_client(fed, train=train, labels={"site": "lab"})):
        hello_seen = fed.combiner.wait_for(lambda e: e.WhichOneof("event") == "heartbeat")
        assert hello_seen.heartbeat.telemetry.cores > 0
        fed.combiner.task(
            "t1",
            model_id,
            round=4,
            model_size=(fed.root / "global.safetensors").stat().st_size,
            client_settings_json='{"epochs": 2, "learning_rate": 0.1}',
        )
        fed.combiner.wait_for_status("t1", RUNNING)
        status = fed.combiner.wait_for_status("t1", SUCCEEDED)

    # The controller was asked, under the token's name, with the token.
    assert fed.controller.requests[0].client_name == "site-1"
    assert fed.controller.metadata[0]["authorization"] == f"Bearer {fake_token('site-1')}"
    # The hello names the client as its token does.
    hello = fed.combiner.hellos[0]
    assert hello.name == "site-1" and list(hello.trainers) == ["python"] and dict(hello.labels) == {"site": "lab"}
    assert hello.version.startswith("fedge-python/")
    assert fed.combiner.connect_metadata[0]["authorization"] == f"Bearer {fake_token('site-1')}"
    # The callback got the global model and the settings.
    assert seen["settings"] == {"epochs": 2, "learning_rate": 0.1}
    assert seen["task"] == ("t1", 4, "train", "s1")
    np.testing.assert_array_equal(seen["model"]["b"], np.ones(3, dtype=np.float32))
    # The update arrived, with its header, and is the trained model in the global model's dtype.
    upload = fed.combiner.uploads[0]
    assert upload.header.task_id == "t1" and upload.header.session_id == "s1" and upload.header.round == 4
    assert upload.header.client == "site-1" and upload.header.num_examples == 12
    assert dict(upload.header.metrics) == {"loss": 0.25}
    assert upload.header.timings.download_seconds > 0
    assert upload.path is not None
    update = load_file(str(upload.path))
    assert update["w"].dtype == np.float32
    np.testing.assert_array_equal(update["w"], np.arange(6, dtype=np.float32).reshape(2, 3) * 2)
    assert status.message == f"update {upload.path.stem} accepted"
    # Metrics went up the control stream before the status, and the work directory was cleaned.
    metrics = [e.metrics for e in fed.combiner.all_events if e.WhichOneof("event") == "metrics"]
    assert metrics and metrics[0].task_id == "t1" and dict(metrics[0].values) == {"loss": 0.25}
    assert not any((fed.root / "work" / "tasks").iterdir())


def test_validate_task(fed: Federation) -> None:
    write_model(fed.root / "global.safetensors")
    model_id = fed.models.add(fed.root / "global.safetensors")

    def validate(model: dict[str, np.ndarray], settings: dict[str, Any]) -> fedge.ValidationResult:
        return fedge.ValidationResult(metrics={"accuracy": float(model["b"].sum()) / 4}, num_examples=30)

    with Running(make_client(fed, validate=validate)):
        fed.combiner.task("v1", model_id, kind=common_pb2.TASK_KIND_VALIDATE)
        status = fed.combiner.wait_for_status("v1", SUCCEEDED)
    assert status.message == "validated"
    assert dict(status.validation.metrics) == {"accuracy": 0.75}
    assert status.validation.num_examples == 30
    assert fed.combiner.uploads == []


def test_heartbeats_at_the_welcomes_interval(fed: Federation) -> None:
    fed.combiner.heartbeat_millis = 200
    with Running(make_client(fed, train=lambda m, s: fedge.TrainResult(model=m, num_examples=1))):
        fed.combiner.wait_for(lambda e: e.WhichOneof("event") == "heartbeat")
        time.sleep(1.1)
        with fed.combiner.lock:
            beats = [e for e in fed.combiner.all_events if e.WhichOneof("event") == "heartbeat"]
    assert 4 <= len(beats) <= 8
    assert beats[-1].heartbeat.telemetry.memory_total_bytes > 0


def test_logs_of_the_callback_reach_the_combiner(fed: Federation) -> None:
    write_model(fed.root / "global.safetensors")
    model_id = fed.models.add(fed.root / "global.safetensors")

    def train(model: dict[str, np.ndarray], settings: dict[str, Any]) -> fedge.TrainResult:
        logging.getLogger("my.training").warning("epoch 1: loss 0.5")
        task = fedge.current_task()
        assert task is not None
        task.log("plain line", stream="stdout")
        task.report_metrics({"progress": 0.5})
        return fedge.TrainResult(model=model, num_examples=1)

    with Running(make_client(fed, train=train)):
        fed.combiner.task("t1", model_id)
        fed.combiner.wait_for_status("t1", SUCCEEDED)
        time.sleep(0.3)
    with fed.combiner.lock:
        logs = [e.log for e in fed.combiner.all_events if e.WhichOneof("event") == "log"]
        metrics = [e.metrics for e in fed.combiner.all_events if e.WhichOneof("event") == "metrics"]
    assert any(r.task_id == "t1" and r.line == "WARNING my.training: epoch 1: loss 0.5" for r in logs)
    assert any(r.task_id == "t1" and r.stream == "stdout" and r.line == "plain line" for r in logs)
    assert all(r.unix_millis > 0 for r in logs)
    assert dict(metrics[0].values) == {"progress": 0.5}


def test_file_callbacks(fed: Federation) -> None:
    write_model(fed.root / "global.safetensors")
    model_id = fed.models.add(fed.root / "global.safetensors")
    seen: list[Path] = []

    def train(model_path: Path, output_path: Path, settings: dict[str, Any]) -> fedge.TrainResult:
        seen.append(model_path)
        arrays = fedge.load_arrays(model_path)
        fedge.save_arrays({k: v + 1 for k, v in arrays.items()}, output_path)
        return fedge.TrainResult(model=None, num_examples=3)

    with Running(make_client(fed, train=train, files=True)):
        fed.combiner.task("t1", model_id)
        fed.combiner.wait_for_status("t1", SUCCEEDED)
    assert seen[0].name == "global.safetensors"
    assert fed.combiner.uploads[0].path is not None
    np.testing.assert_array_equal(load_file(str(fed.combiner.uploads[0].path))["b"], np.full(3, 2, np.float32))


def test_cancelled_task_sends_no_result(fed: Federation) -> None:
    write_model(fed.root / "global.safetensors")
    model_id = fed.models.add(fed.root / "global.safetensors")
    entered = threading.Event()
    release = threading.Event()
    returned = threading.Event()

    def train(model: dict[str, np.ndarray], settings: dict[str, Any]) -> fedge.TrainResult:
        task = fedge.current_task()
        assert task is not None
        if task.task_id == "t1":
            entered.set()
            release.wait(10)
            assert task.cancelled
            returned.set()
        return fedge.TrainResult(model=model, num_examples=5)

    with Running(make_client(fed, train=train)):
        fed.combiner.task("t1", model_id)
        assert entered.wait(10)
        fed.combiner.cancel("t1", "round 1 closed")
        fed.combiner.wait_for_status("t1", CANCELLED)
        release.set()
        assert returned.wait(10)
        time.sleep(0.5)
        assert fed.combiner.uploads == []
        assert fed.combiner.statuses("t1") == [RUNNING, CANCELLED]
        # The client goes on: the next task runs.
        fed.combiner.task("t2", model_id, round=2)
        fed.combiner.wait_for_status("t2", SUCCEEDED)


def test_next_task_waits_for_a_cancelled_callback(fed: Federation, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fedge.client, "_BUSY_WAIT_SECONDS", 0.3)
    write_model(fed.root / "global.safetensors")
    model_id = fed.models.add(fed.root / "global.safetensors")
    entered = threading.Event()
    release = threading.Event()
    ran: list[str] = []

    def train(model: dict[str, np.ndarray], settings: dict[str, Any]) -> fedge.TrainResult:
        task = fedge.current_task()
        assert task is not None
        ran.append(task.task_id)
        if task.task_id == "t1":
            entered.set()
            release.wait(10)  # ignores the cancel, as a long training loop may
        return fedge.TrainResult(model=model, num_examples=5)

    with Running(make_client(fed, train=train)):
        fed.combiner.task("t1", model_id)
        assert entered.wait(10)
        fed.combiner.cancel("t1")
        fed.combiner.wait_for_status("t1", CANCELLED)
        fed.combiner.task("t2", model_id, round=2)
        time.sleep(1)  # longer than the busy wait: t2 still waits, as t1's result will be thrown away
        assert ran == ["t1"] and fed.combiner.statuses("t2") == []
        release.set()
        fed.combiner.wait_for_status("t2", SUCCEEDED)
    assert ran == ["t1", "t2"]
    assert [u.header.task_id for u in fed.combiner.uploads] == ["t2"]


def test_one_task_at_a_time(fed: Federation, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fedge.client, "_BUSY_WAIT_SECONDS", 0.3)
    write_model(fed.root / "global.safetensors")
    model_id = fed.models.add(fed.root / "global.safetensors")
    release = threading.Event()
    entered = threading.Event()

    def train(model: dict[str, np.ndarray], settings: dict[str, Any]) -> fedge.TrainResult:
        entered.set()
        release.wait(10)
        return fedge.TrainResult(model=model, num_examples=5)

    with Running(make_client(fed, train=train)):
        fed.combiner.task("t1", model_id)
        assert entered.wait(10)
        fed.combiner.task("t2", model_id)
        status = fed.combiner.wait_for_status("t2", FAILED, timeout=10)
        assert status.message == "the client is busy with task t1 and runs one task at a time"
        release.set()
        fed.combiner.wait_for_status("t1", SUCCEEDED)


@pytest.mark.parametrize(
    ("setup", "text"),
    [
        ("wrong_id", "for task t1, which names abababababab (hash_mismatch)"),
        ("size_cap", "(too_large)"),
        ("unknown", "(unknown_model)"),
    ],
)
def test_bad_downloads_fail_the_task(fed: Federation, setup: str, text: str) -> None:
    write_model(fed.root / "global.safetensors")
    size = (fed.root / "global.safetensors").stat().st_size
    model_id = "ab" * 32
    if setup == "wrong_id":
        fed.models.add(fed.root / "global.safetensors", model_id=model_id)
    elif setup == "size_cap":
        model_id = fed.models.add(fed.root / "global.safetensors")

    def train(model: dict[str, np.ndarray], settings: dict[str, Any]) -> fedge.TrainResult:
        raise AssertionError("train must not run")

    with Running(make_client(fed, train=train)):
        fed.combiner.task("t1", model_id, model_size=size - 1 if setup == "size_cap" else size)
        status = fed.combiner.wait_for_status("t1", FAILED)
    assert status.message.endswith(text)
    assert fed.combiner.uploads == []


@pytest.mark.parametrize(
    ("result", "text"),
    [
        (lambda m: fedge.TrainResult(model=m, num_examples=0), "must be a positive number"),
        (lambda m: fedge.TrainResult(model=m, num_examples=float("nan")), "must be a positive number"),
        (lambda m: fedge.TrainResult(model=m, num_examples=1, metrics={"": 1.0}), "metric name"),
        (lambda m: {"w": 1}, "it must return fedge.TrainResult"),
        (lambda m: fedge.TrainResult(model=None, num_examples=1), "returned no model"),
    ],
)
def test_bad_results_fail_the_task(fed: Federation, result: Any, text: str) -> None:
    write_model(fed.root / "global.safetensors")
    model_id = fed.models.add(fed.root / "global.safetensors")
    with Running(make_client(fed, train=lambda model, settings: result(model))):
        fed.combiner.task("t1", model_id)
        status = fed.combiner.wait_for_status("t1", FAILED)
    assert text in status.message
    assert fed.combiner.uploads == []


def test_refused_upload_fails_the_task_with_the_sentence(fed: Federation) -> None:
    write_model(fed.root / "global.safetensors")
    model_id = fed.models.add(fed.root / "global.safetensors")
    fed.combiner.refuse_header = (grpc.StatusCode.FAILED_PRECONDITION, "stale_round", "no round is open")
    with Running(make_client(fed, train=lambda model, settings: fedge.TrainResult(model=model, num_examples=1))):
        fed.combiner.task("t1", model_id)
        status = fed.combiner.wait_for_status("t1", FAILED)
    assert status.message == "no round is open (stale_round)"


def test_malformed_assignment_fails(fed: Federation) -> None:
    with Running(make_client(fed, train=lambda m, s: fedge.TrainResult(model=m, num_examples=1))):
        fed.combiner.task("t1", "not-a-hash")
        status = fed.combiner.wait_for_status("t1", FAILED)
    assert "invalid model id 'not-a-hash'" in status.message


def test_asks_the_controller_again_on_every_reconnect(fed: Federation) -> None:
    fed.combiner.close_after_welcome = True
    with Running(make_client(fed, train=lambda m, s: fedge.TrainResult(model=m, num_examples=1))):
        wait_until(lambda: fed.combiner.connections >= 3)
    assert len(fed.controller.requests) >= 3
    assert all(r.client_name == "site-1" for r in fed.controller.requests)


def test_reconnects_when_the_controller_has_no_combiner_yet(fed: Federation) -> None:
    fed.controller.refusal = (grpc.StatusCode.UNAVAILABLE, None, "no combiner is attached to the controller yet")
    with Running(make_client(fed, train=lambda m, s: fedge.TrainResult(model=m, num_examples=1))):
        wait_until(lambda: len(fed.controller.requests) >= 2)
        fed.controller.refusal = None
        wait_until(lambda: fed.combiner.connections >= 1)


def test_direct_combiner(fed: Federation) -> None:
    client = make_client(
        fed,
        train=lambda m, s: fedge.TrainResult(model=m, num_examples=1),
        controller=None,
        combiner=fed.combiner_address,
    )
    with Running(client):
        wait_until(lambda: fed.combiner.connections >= 1)
    assert fed.controller.requests == []


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to issue certificates")
def test_kit_over_mutual_tls(tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    tls = grpc.ssl_server_credentials(
        [(pki.server_key.encode(), pki.server_certificate.encode())],
        root_certificates=pki.ca.encode(),
        require_client_auth=True,
    )
    with federation(tmp_path, tls=tls) as fed:
        kit = fedge.Kit(
            role="client",
            name="site-1",
            controller=fed.controller_address,
            ca=pki.ca,
            certificate=pki.client_certificate,
            private_key=pki.client_key,
            token=fake_token("site-1"),
        )
        write_model(fed.root / "global.safetensors")
        model_id = fed.models.add(fed.root / "global.safetensors")
        client = fedge.Client(
            kit=kit,
            train=lambda m, s: fedge.TrainResult(model=m, num_examples=1),
            work_dir=tmp_path / "work",
            backoff=fast_backoff(),
        )
        with Running(client):
            fed.combiner.task("t1", model_id)
            fed.combiner.wait_for_status("t1", SUCCEEDED)
        assert fed.combiner.peer_names[0] == [b"site-1"]  # the kit's certificate was presented


def test_wrong_token_raises_from_run(fed: Federation) -> None:
    fed.controller.refusal = (
        grpc.StatusCode.UNAUTHENTICATED,
        "unauthenticated",
        "the token expired at 2024-01-01T00:00:00Z",
    )
    client = make_client(fed, train=lambda m, s: fedge.TrainResult(model=m, num_examples=1))
    with pytest.raises(fedge.UnauthenticatedError) as raised:
        client.run()
    assert raised.value.message == "the token expired at 2024-01-01T00:00:00Z"


def test_name_must_be_the_tokens_subject(fed: Federation) -> None:
    with pytest.raises(ValueError, match="not the token's subject 'site-1'"):
        make_client(fed, train=lambda m, s: None, name="site-2")


def test_needs_a_callback_and_an_identity() -> None:
    with pytest.raises(ValueError, match="train or a validate"):
        fedge.Client(token=fake_token("a"), controller="h:1")
    with pytest.raises(ValueError, match="identity"):
        fedge.Client(train=lambda m, s: None, controller="h:1")  # type: ignore[arg-type,return-value]
    with pytest.raises(ValueError, match="not HOST:PORT"):
        fedge.Client(train=lambda m, s: None, token=fake_token("a"), controller="nope")  # type: ignore[arg-type,return-value]


def test_sigterm_stops_cleanly_and_reports_the_cancel(fed: Federation, tmp_path: Path) -> None:
    write_model(fed.root / "global.safetensors")
    model_id = fed.models.add(fed.root / "global.safetensors")
    script = tmp_path / "client.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import logging, sys, time
            import fedge
            logging.basicConfig(level=logging.INFO)

            def train(model, settings):
                print("TRAINING", flush=True)
                task = fedge.current_task()
                while not task.cancelled:
                    time.sleep(0.05)
                return fedge.TrainResult(model=model, num_examples=1)

            fedge.Client(
                train=train, token={fake_token("site-1")!r}, controller={fed.controller_address!r}, insecure=True,
                work_dir={str(tmp_path / "work")!r},
            ).run()
            print("STOPPED", flush=True)
            """
        )
    )
    process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        fed.combiner.wait_for(lambda e: e.WhichOneof("event") == "heartbeat", timeout=20)
        fed.combiner.task("t1", model_id)
        fed.combiner.wait_for_status("t1", RUNNING)
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "TRAINING"
        process.terminate()  # SIGTERM
        fed.combiner.wait_for_status("t1", CANCELLED)
        out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "STOPPED" in out
    assert "SIGTERM received: stopping" in err
    assert fed.combiner.uploads == []
