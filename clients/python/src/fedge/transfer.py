"""Chunked transfers, as FedgeRPC/ChunkedTransfer.swift moves them: a header, data chunks of 1 MiB, and a trailer
with the SHA-256 of every byte (64 lowercase hex digits), which the receiver checks before it keeps anything.

* :func:`download_model` fetches a model (or a compute package) by its SHA-256 from a ``ModelTransfer`` server,
  spooling it to a hidden file that is renamed into place only once size and hash check out.
* :func:`upload_update` sends a trained update to a combiner with the admit-then-send handshake: the header goes
  first, alone; the combiner checks it (a refusal ends the call before a byte of the model moves) and answers
  ``ready`` when it has room; only then do the data chunks and the trailer follow, and the combiner answers with
  the receipt.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc

from ._proto.fedge.v1 import combiner_pb2, common_pb2
from ._proto.fedge.v1.combiner_pb2_grpc import CombinerStub
from ._proto.fedge.v1.common_pb2_grpc import ModelTransferStub
from .errors import (
    HashMismatchError,
    IncompleteError,
    MalformedError,
    TaskCancelled,
    TooLargeError,
    UnknownModelError,
    refusal_from_rpc_error,
)

__all__ = [
    "CHUNK_SIZE",
    "CancelToken",
    "Metadata",
    "Received",
    "SpoolFile",
    "UploadReceipt",
    "download_model",
    "is_model_id",
    "receive_chunks",
    "send_chunks",
    "upload_update",
]

logger = logging.getLogger("fedge.transfer")

#: Bytes per data chunk.
CHUNK_SIZE = 1 << 20

#: gRPC call metadata: (key, value) pairs.
Metadata = tuple[tuple[str, str], ...]

Chunk = common_pb2.ModelChunk | combiner_pb2.UpdateChunk
Header = common_pb2.TransferHeader | combiner_pb2.UpdateHeader

_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")


def is_model_id(text: str) -> bool:
    """Whether `text` is a model id: a SHA-256 as 64 hexadecimal digits."""
    return bool(_HEX64.match(text))


class CancelToken:
    """A one-shot cancellation signal shared by a task and the calls it makes: cancelling it cancels the gRPC calls
    registered with :meth:`on_cancel`, and callbacks can poll :attr:`cancelled`."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: dict[int, Callable[[], object]] = {}
        self._next = 0
        self.reason = ""

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self, reason: str = "cancelled") -> bool:
        """Cancels; returns whether this call did it (``False`` when it already was)."""
        with self._lock:
            if self._event.is_set():
                return False
            self.reason = reason
            self._event.set()
            callbacks = list(self._callbacks.values())
            self._callbacks.clear()
        for callback in callbacks:
            try:
                callback()
            except Exception:  # a callback's failure must not stop the others
                logger.exception("cancellation callback failed")
        return True

    def wait(self, timeout: float | None = None) -> bool:
        """Waits until cancelled or `timeout` passed; returns whether it is cancelled."""
        return self._event.wait(timeout)

    def on_cancel(self, callback: Callable[[], object]) -> Callable[[], None]:
        """Runs `callback` when cancelled (at once, when already); returns a function that unregisters it."""
        with self._lock:
            if not self._event.is_set():
                key = self._next
                self._next += 1
                self._callbacks[key] = callback

                def remove() -> None:
                    with self._lock:
                        self._callbacks.pop(key, None)

                return remove
        callback()
        return lambda: None

    def raise_if_cancelled(self) -> None:
        if self.cancelled:
            raise TaskCancelled(self.reason or "cancelled")


class SpoolFile:
    """A file being received: written to a hidden temporary name (mode 0600), hashed as it grows, and either
    committed (fsynced and renamed into place) or discarded."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        root = Path(directory)
        root.mkdir(parents=True, exist_ok=True)
        self.temporary_path = root / f".incoming-{uuid.uuid4()}"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
        self._fd: int | None = os.open(self.temporary_path, flags, 0o600)
        self._hasher = hashlib.sha256()
        self.size = 0
        self._done = False

    def append(self, data: bytes) -> None:
        assert self._fd is not None, "append after commit or discard"
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        self._hasher.update(data)
        self.size += len(data)

    @property
    def digest(self) -> str:
        """The SHA-256 of everything appended so far, as 64 lowercase hex digits."""
        return self._hasher.hexdigest()

    def commit(self, path: str | os.PathLike[str]) -> None:
        """Fsyncs the file and renames it to `path`."""
        assert self._fd is not None, "commit after commit or discard"
        os.fsync(self._fd)
        os.close(self._fd)
        self._fd = None
        os.replace(self.temporary_path, path)
        self._done = True

    def discard(self) -> None:
        """Removes the file (nothing is left behind)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if not self._done:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.temporary_path)
            self._done = True


@dataclass(frozen=True)
class Received:
    """What :func:`receive_chunks` took in."""

    header: Header
    #: Where the bytes now are.
    path: Path
    #: The SHA-256 of the bytes (checked against the sender's trailer), 64 lowercase hex digits.
    sha256: str
    size: int


def receive_chunks(
    parts: Iterable[Chunk],
    *,
    spool_directory: str | os.PathLike[str],
    destination: Callable[[Header, str], str | os.PathLike[str]],
    max_bytes: int | None = None,
    check: Callable[[Header], None] | None = None,
    cancel: CancelToken | None = None,
) -> Received:
    """Receives a chunked stream (header, data, trailer) into a spool file, checks its size and SHA-256, then moves
    it to ``destination(header, sha256)``.

    Whatever goes wrong (the sender stops early, sends pieces out of order, more bytes than announced, or bytes
    that do not hash to its trailer), the spool file is removed and nothing is left behind.

    Raises:
        TooLargeError: the header announces more than `max_bytes`.
        MalformedError: pieces out of order, more or fewer bytes than announced.
        HashMismatchError: the bytes do not hash to the trailer's SHA-256.
        IncompleteError: the stream ended before its trailer.
    """
    header: Header | None = None
    size = 0
    spool: SpoolFile | None = None
    finished: tuple[Header, str] | None = None
    try:
        for message in parts:
            if cancel is not None:
                cancel.raise_if_cancelled()
            if finished is not None:
                raise MalformedError("the stream continued after its trailer")
            part = message.WhichOneof("part")
            if header is None or spool is None:
                if part != "header":
                    raise MalformedError("the stream must start with a header")
                first: Header = message.header
                size = int(first.size)
                if max_bytes is not None and size > max_bytes:
                    raise TooLargeError(f"the transfer announces {size} bytes; this node accepts at most {max_bytes}")
                if check is not None:
                    check(first)
                header = first
                spool = SpoolFile(spool_directory)
                continue
            if part == "data":
                data = message.data
                if spool.size + len(data) > size:
                    raise MalformedError(f"the transfer sent more than the {size} bytes its header announced")
                spool.append(data)
            elif part == "trailer":
                if spool.size != size:
                    raise MalformedError(f"the transfer announced {size} bytes but sent {spool.size}")
                digest = spool.digest
                announced = message.trailer.sha256
                if digest != announced.lower():
                    raise HashMismatchError(
                        f"the bytes received hash to {digest[:12]}, not to the announced {announced[:12]}"
                    )
                finished = (header, digest)
            elif part == "header":
                raise MalformedError("the stream sent a second header")
            else:
                raise MalformedError("the stream sent an empty chunk")
        if cancel is not None:
            cancel.raise_if_cancelled()
        if finished is not None and spool is not None:
            final = Path(destination(finished[0], finished[1]))
            spool.commit(final)
            return Received(header=finished[0], path=final, sha256=finished[1], size=size)
        if header is None:
            raise IncompleteError("the stream ended before its header")
        raise IncompleteError(
            f"the stream ended after {spool.size if spool else 0} of {size} bytes, before its trailer"
        )
    finally:
        if spool is not None:
            spool.discard()


def send_chunks(
    path: str | os.PathLike[str],
    *,
    chunk_size: int = CHUNK_SIZE,
    cancel: CancelToken | None = None,
    digest: Callable[[str], None] | None = None,
) -> Iterator[bytes | str]:
    """The file at `path` as data chunks (``bytes``), then the SHA-256 of them all (``str``, 64 hex digits), which
    is also handed to `digest`."""
    hasher = hashlib.sha256()
    try:
        file = open(path, "rb")
    except OSError as error:
        raise UnknownModelError(f"cannot read {os.fspath(path)}: {error.strerror}") from error
    with file:
        while True:
            if cancel is not None and cancel.cancelled:
                return
            chunk = file.read(chunk_size)
            if not chunk:
                break
            hasher.update(chunk)
            yield chunk
    hex_digest = hasher.hexdigest()
    if digest is not None:
        digest(hex_digest)
    yield hex_digest


def download_model(
    stub: ModelTransferStub,
    model_id: str,
    destination: str | os.PathLike[str],
    *,
    max_bytes: int | None = None,
    metadata: Metadata | None = None,
    timeout: float | None = None,
    cancel: CancelToken | None = None,
    verify_id: bool = True,
) -> Received:
    """Downloads the model (or package) `model_id` to `destination` and checks it is that model: its bytes must
    hash to the trailer and (unless `verify_id` is false: the caller checks ``Received.sha256``) to `model_id`.

    `max_bytes` caps the size the server may announce (the task's ``model_size``; ``None`` for no cap).

    Raises:
        RefusedError: the server refused (its sentence), or the stream was too large, malformed, incomplete, or not
            the model asked for.
        TaskCancelled: `cancel` fired.
        grpc.RpcError: the call failed for another reason (the server is unreachable, …).
    """
    target = Path(destination)
    call = stub.DownloadModel(
        common_pb2.ModelRequest(model_id=model_id),
        metadata=metadata,
        timeout=timeout,
    )
    remove = cancel.on_cancel(call.cancel) if cancel is not None else (lambda: None)
    try:
        received = receive_chunks(
            call,
            spool_directory=target.parent,
            max_bytes=max_bytes,
            destination=lambda _header, _sha: target,
            cancel=cancel,
        )
    except grpc.RpcError as error:
        if cancel is not None and cancel.cancelled:
            raise TaskCancelled(cancel.reason) from error
        refusal = refusal_from_rpc_error(error)
        if refusal is not None:
            raise refusal from error
        raise
    finally:
        remove()
        call.cancel()  # a no-op once the call is over; ends it when we stopped reading early
    if verify_id and received.sha256 != model_id.lower():
        with contextlib.suppress(FileNotFoundError):
            os.unlink(received.path)
        raise HashMismatchError(f"the server sent model {received.sha256[:12]} for {model_id[:12]}")
    return received


@dataclass(frozen=True)
class UploadReceipt:
    """A combiner's receipt for an accepted update."""

    #: The SHA-256 the combiner names the accepted update by.
    update_id: str
    #: The SHA-256 of the bytes sent.
    sha256: str
    size: int


def upload_update(
    stub: CombinerStub,
    path: str | os.PathLike[str],
    header: combiner_pb2.UpdateHeader,
    *,
    metadata: Metadata | None = None,
    timeout: float | None = None,
    cancel: CancelToken | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> UploadReceipt:
    """Uploads the update at `path` with the admit-then-send handshake and returns the combiner's receipt.

    Sends `header` (its ``size`` set to the file's) and waits for the combiner's ``ready``: a refusal of the header
    (a stale round, a bad weight, a name not the caller's, …) ends the call before any model byte is sent. Then the
    file's data chunks and the trailer with their SHA-256 go up, and the combiner answers with the receipt.

    Raises:
        RefusedError: the combiner refused the update (its sentence); or :class:`IncompleteError` when it ended the
            call before it was ready or without a receipt.
        TaskCancelled: `cancel` fired.
        grpc.RpcError: the call failed for another reason.
    """
    request = combiner_pb2.UpdateHeader()
    request.CopyFrom(header)
    try:
        request.size = os.path.getsize(path)
    except OSError as error:
        raise UnknownModelError(f"cannot read {os.fspath(path)}: {error.strerror}") from error

    go = threading.Event()
    ready = threading.Event()
    sent: list[str] = []

    def requests() -> Iterator[combiner_pb2.UpdateChunk]:
        yield combiner_pb2.UpdateChunk(header=request)
        go.wait()
        if not ready.is_set():
            return  # the combiner ended the call (a refusal) or we were cancelled: not a byte of the model moves
        for piece in send_chunks(path, chunk_size=chunk_size, cancel=cancel, digest=sent.append):
            if isinstance(piece, bytes):
                yield combiner_pb2.UpdateChunk(data=piece)
            else:
                yield combiner_pb2.UpdateChunk(trailer=common_pb2.TransferTrailer(sha256=piece))

    call = stub.UploadUpdate(requests(), metadata=metadata, timeout=timeout)
    remove = cancel.on_cancel(call.cancel) if cancel is not None else (lambda: None)
    try:
        for event in call:
            kind = event.WhichOneof("event")
            if kind == "ready":
                if not ready.is_set():
                    logger.debug("combiner ready for update of task %s", request.task_id)
                ready.set()
                go.set()
            elif kind == "receipt":
                update_id = event.receipt.update_id
                if not is_model_id(update_id):
                    raise MalformedError("the combiner's receipt names no update id")
                digest = sent[0] if sent else ""
                if digest and update_id.lower() != digest:
                    logger.warning(
                        "the combiner names the update %s; the bytes sent hash to %s", update_id[:12], digest[:12]
                    )
                return UploadReceipt(update_id=update_id.lower(), sha256=digest, size=request.size)
        if cancel is not None and cancel.cancelled:
            raise TaskCancelled(cancel.reason)
        if not ready.is_set():
            raise IncompleteError("the combiner ended the upload before it was ready")
        raise IncompleteError("the combiner ended the upload without a receipt")
    except grpc.RpcError as error:
        if cancel is not None and cancel.cancelled:
            raise TaskCancelled(cancel.reason) from error
        refusal = refusal_from_rpc_error(error)
        if refusal is not None:
            raise refusal from error
        raise
    finally:
        go.set()
        remove()
        call.cancel()
