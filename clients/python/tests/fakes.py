"""In-process fakes of Fedge's servers for the tests: real gRPC servers on localhost ports, speaking fedge.v1."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import queue
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import numpy as np
from safetensors.numpy import save_file

from fedge._proto.fedge.v1 import (
    combiner_pb2,
    combiner_pb2_grpc,
    common_pb2,
    common_pb2_grpc,
    controller_pb2,
    controller_pb2_grpc,
)
from fedge.transfer import CHUNK_SIZE, receive_chunks


def fake_token(subject: str) -> str:
    """A JWT-shaped token naming `subject` (the fakes do not check signatures)."""

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'EdDSA'})}.{part({'sub': subject, 'role': 'client'})}.c2ln"


def write_model(path: Path, scale: float = 1.0, size: int = 3) -> str:
    """Writes a small safetensors model; returns its SHA-256."""
    save_file(
        {
            "w": (np.arange(size * 2, dtype=np.float32).reshape(2, size) * scale),
            "b": np.full(size, scale, dtype=np.float32),
        },
        str(path),
    )
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refuse(context: grpc.ServicerContext, code: grpc.StatusCode, refusal: str | None, message: str) -> None:
    """Ends a call as a Fedge tier refuses one: the status, the sentence, and the `fedge-refusal` metadata."""
    if refusal is not None:
        context.set_trailing_metadata((("fedge-refusal", refusal),))
    context.abort(code, message)


@contextmanager
def serve(
    *services: tuple[Callable[[Any, grpc.Server], None], Any],
    tls: grpc.ServerCredentials | None = None,
) -> Iterator[str]:
    """Serves the given (add_XServicer_to_server, servicer) pairs on a free localhost port (TLS with `tls`)."""
    server = grpc.server(ThreadPoolExecutor(max_workers=32))
    for add, servicer in services:
        add(servicer, server)
    port = server.add_secure_port("127.0.0.1:0", tls) if tls else server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop(grace=None)


class FakeModels(common_pb2_grpc.ModelTransferServicer):
    """Serves model files by id, in 1 MiB chunks (or as `corrupt` says)."""

    def __init__(self) -> None:
        self.files: dict[str, Path] = {}
        self.requests: list[str] = []
        self.metadata: list[dict[str, str]] = []
        #: Changes the stream: given the pieces (header, data…, trailer), returns the ones to send.
        self.corrupt: Callable[[list[common_pb2.ModelChunk]], list[common_pb2.ModelChunk]] | None = None

    def add(self, path: Path, model_id: str | None = None) -> str:
        identifier = model_id or hashlib.sha256(path.read_bytes()).hexdigest()
        self.files[identifier] = path
        return identifier

    def DownloadModel(self, request: common_pb2.ModelRequest, context: grpc.ServicerContext) -> Iterator[Any]:
        self.requests.append(request.model_id)
        self.metadata.append(dict(context.invocation_metadata()))  # type: ignore[arg-type]
        path = self.files.get(request.model_id)
        if path is None:
            refuse(context, grpc.StatusCode.NOT_FOUND, "unknown_model", f"no model {request.model_id[:12]} here")
            return
        data = path.read_bytes()
        pieces = [common_pb2.ModelChunk(header=common_pb2.TransferHeader(model_id=request.model_id, size=len(data)))]
        pieces += [common_pb2.ModelChunk(data=data[i : i + CHUNK_SIZE]) for i in range(0, len(data), CHUNK_SIZE)]
        pieces.append(
            common_pb2.ModelChunk(trailer=common_pb2.TransferTrailer(sha256=hashlib.sha256(data).hexdigest()))
        )
        if self.corrupt is not None:
            pieces = self.corrupt(pieces)
        yield from pieces


@dataclass
class Upload:
    header: combiner_pb2.UpdateHeader
    path: Path | None
    metadata: dict[str, str]
    #: Seconds (monotonic) when `ready` was sent and when the first data chunk arrived.
    ready_at: float | None = None
    first_data_at: float | None = None
    refused: bool = False


class FakeCombiner(combiner_pb2_grpc.CombinerServicer):
    """A combiner: welcomes clients, hands them the tasks put in `tasks`, records what they send."""

    def __init__(self, spool: Path, heartbeat_millis: int = 100) -> None:
        self.spool = spool
        self.heartbeat_millis = heartbeat_millis
        self.events: queue.Queue[combiner_pb2.ClientEvent] = queue.Queue()
        self.all_events: list[combiner_pb2.ClientEvent] = []
        self.hellos: list[combiner_pb2.ClientHello] = []
        self.connect_metadata: list[dict[str, str]] = []
        self.peer_names: list[list[bytes]] = []
        self.outgoing: queue.Queue[combiner_pb2.CombinerEvent | None] = queue.Queue()
        self.uploads: list[Upload] = []
        self.connections = 0
        #: Seconds to wait after a header before `ready`; or a refusal (code, name, sentence) of the header.
        self.ready_delay = 0.0
        self.refuse_header: tuple[grpc.StatusCode, str, str] | None = None
        #: Close each control stream right after the welcome.
        self.close_after_welcome = False
        self.lock = threading.Lock()

    # -- helpers for tests

    def send(self, event: combiner_pb2.CombinerEvent) -> None:
        self.outgoing.put(event)

    def task(self, task_id: str, model_id: str, kind: int = common_pb2.TASK_KIND_TRAIN, **fields: Any) -> None:
        self.send(
            combiner_pb2.CombinerEvent(
                task=combiner_pb2.TaskAssignment(
                    task_id=task_id,
                    session_id="s1",
                    round=fields.pop("round", 1),
                    kind=kind,
                    model_id=model_id,
                    **fields,
                )
            )
        )

    def cancel(self, task_id: str, reason: str = "round closed") -> None:
        self.send(combiner_pb2.CombinerEvent(cancel=combiner_pb2.CancelTask(task_id=task_id, reason=reason)))

    def wait_for(
        self, predicate: Callable[[combiner_pb2.ClientEvent], bool], timeout: float = 10.0
    ) -> combiner_pb2.ClientEvent:
        """The next client event for which `predicate` holds (events before it are kept in `all_events`)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("the expected client event did not arrive")
            try:
                event = self.events.get(timeout=remaining)
            except queue.Empty:
                continue
            if predicate(event):
                return event

    def wait_for_status(self, task_id: str, state: int, timeout: float = 10.0) -> combiner_pb2.TaskStatus:
        event = self.wait_for(
            lambda e: e.WhichOneof("event") == "status" and e.status.task_id == task_id and e.status.state == state,
            timeout,
        )
        return event.status

    def statuses(self, task_id: str) -> list[int]:
        with self.lock:
            return [
                e.status.state
                for e in self.all_events
                if e.WhichOneof("event") == "status" and e.status.task_id == task_id
            ]

    # -- the service

    def Connect(self, request_iterator: Iterator[Any], context: grpc.ServicerContext) -> Iterator[Any]:
        metadata = dict(context.invocation_metadata())  # type: ignore[arg-type]
        self.connect_metadata.append(metadata)
        self.peer_names.append(list(context.auth_context().get("x509_common_name", [])))
        first = next(request_iterator)
        if first.WhichOneof("event") != "hello" or not first.hello.name:
            refuse(context, grpc.StatusCode.INVALID_ARGUMENT, "malformed", "the first message must be a hello")
        self.hellos.append(first.hello)
        self.connections += 1
        yield combiner_pb2.CombinerEvent(
            welcome=combiner_pb2.Welcome(
                client_id=f"c-{self.connections}", combiner="fake", heartbeat_millis=self.heartbeat_millis
            )
        )
        if self.close_after_welcome:
            return
        done = threading.Event()

        def read() -> None:
            try:
                for event in request_iterator:
                    with self.lock:
                        self.all_events.append(event)
                    self.events.put(event)
            except grpc.RpcError:
                pass
            finally:
                done.set()

        threading.Thread(target=read, daemon=True).start()
        # Never block for long: a server thread stuck here would keep the test process from exiting.
        while not done.is_set() and context.is_active():
            try:
                event = self.outgoing.get(timeout=0.05)
            except queue.Empty:
                continue
            if event is not None:
                yield event

    def UploadUpdate(self, request_iterator: Iterator[Any], context: grpc.ServicerContext) -> Iterator[Any]:
        metadata = dict(context.invocation_metadata())  # type: ignore[arg-type]
        first = next(request_iterator)
        upload = Upload(header=first.header, path=None, metadata=metadata)
        self.uploads.append(upload)
        if self.refuse_header is not None:
            upload.refused = True
            code, name, sentence = self.refuse_header
            refuse(context, code, name, sentence)
        time.sleep(self.ready_delay)
        upload.ready_at = time.monotonic()
        yield combiner_pb2.UploadEvent(ready=combiner_pb2.UploadReady())

        def timed(parts: Iterator[Any]) -> Iterator[Any]:
            for part in parts:
                if part.WhichOneof("part") == "data" and upload.first_data_at is None:
                    upload.first_data_at = time.monotonic()
                yield part

        received = receive_chunks(
            timed(itertools.chain([first], request_iterator)),
            spool_directory=self.spool,
            destination=lambda _h, sha: self.spool / f"{sha}.safetensors",
        )
        upload.path = received.path
        yield combiner_pb2.UploadEvent(receipt=combiner_pb2.UpdateReceipt(update_id=received.sha256))


class FakeController(controller_pb2_grpc.ControllerServicer):
    """A controller that assigns every client the one combiner (or refuses, as `refusal` says)."""

    def __init__(self, combiner_address: str) -> None:
        self.combiner_address = combiner_address
        self.requests: list[controller_pb2.AssignRequest] = []
        self.metadata: list[dict[str, str]] = []
        self.refusal: tuple[grpc.StatusCode, str | None, str] | None = None

    def AssignCombiner(self, request: controller_pb2.AssignRequest, context: grpc.ServicerContext) -> Any:
        self.requests.append(request)
        self.metadata.append(dict(context.invocation_metadata()))  # type: ignore[arg-type]
        if self.refusal is not None:
            code, name, sentence = self.refusal
            refuse(context, code, name, sentence)
        return controller_pb2.AssignResponse(combiner="fake", address=self.combiner_address)


@dataclass
class Federation:
    combiner: FakeCombiner
    models: FakeModels
    controller: FakeController
    combiner_address: str
    controller_address: str
    root: Path
    extra: dict[str, Any] = field(default_factory=dict)


@contextmanager
def federation(root: Path, tls: grpc.ServerCredentials | None = None) -> Iterator[Federation]:
    """A fake combiner (with its model transfer) and a fake controller that assigns it, on localhost."""
    spool = root / "combiner"
    spool.mkdir(parents=True, exist_ok=True)
    combiner = FakeCombiner(spool)
    models = FakeModels()
    with serve(
        (combiner_pb2_grpc.add_CombinerServicer_to_server, combiner),
        (common_pb2_grpc.add_ModelTransferServicer_to_server, models),
        tls=tls,
    ) as combiner_address:
        controller = FakeController(combiner_address)
        with serve((controller_pb2_grpc.add_ControllerServicer_to_server, controller), tls=tls) as controller_address:
            yield Federation(combiner, models, controller, combiner_address, controller_address, root)


@dataclass
class PKI:
    """A P-256 CA (as Fedge's) with a server certificate for 127.0.0.1/localhost and a client one, in PEM."""

    ca: str
    server_certificate: str
    server_key: str
    client_certificate: str
    client_key: str


def make_pki(directory: Path, client_name: str = "site-1") -> PKI:
    """Issues the certificates with the openssl command."""

    def run(*arguments: str) -> None:
        subprocess.run(["openssl", *arguments], check=True, capture_output=True, cwd=directory)

    def key(name: str) -> None:
        run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", f"{name}.key")

    key("ca")
    run("req", "-x509", "-new", "-key", "ca.key", "-subj", "/O=Fedge/CN=Fedge test CA", "-days", "2", "-out", "ca.pem")
    for name, subject, sans in (
        ("server", "/O=Fedge/OU=combiner/CN=fake", "IP:127.0.0.1,DNS:localhost"),
        ("client", f"/O=Fedge/OU=client/CN={client_name}", f"DNS:{client_name}"),
    ):
        key(name)
        (directory / f"{name}.ext").write_text(
            f"subjectAltName={sans}\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=critical,CA:FALSE\n"
        )
        run("req", "-new", "-key", f"{name}.key", "-subj", subject, "-out", f"{name}.csr")
        run(
            "x509",
            "-req",
            "-in",
            f"{name}.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            f"{name}.ext",
            "-out",
            f"{name}.pem",
        )
    text = {p.name: p.read_text() for p in directory.iterdir() if p.suffix in (".pem", ".key")}
    return PKI(
        ca=text["ca.pem"],
        server_certificate=text["server.pem"],
        server_key=text["server.key"],
        client_certificate=text["client.pem"],
        client_key=text["client.key"],
    )
