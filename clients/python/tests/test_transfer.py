"""Chunked transfers: the receiver's checks, and downloads and uploads against real gRPC servers on localhost."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

import fedge
from fedge import transfer
from fedge._proto.fedge.v1 import combiner_pb2, combiner_pb2_grpc, common_pb2, common_pb2_grpc
from fedge.transfer import CHUNK_SIZE, CancelToken, download_model, receive_chunks, send_chunks, upload_update

from fakes import FakeCombiner, FakeModels, serve

AUTH = (("authorization", "Bearer secret-token"),)


def chunks(data: bytes, *, size: int | None = None, sha: str | None = None) -> list[common_pb2.ModelChunk]:
    announced = len(data) if size is None else size
    pieces = [common_pb2.ModelChunk(header=common_pb2.TransferHeader(model_id="m", size=announced))]
    pieces += [common_pb2.ModelChunk(data=data[i : i + 4]) for i in range(0, len(data), 4)]
    pieces.append(
        common_pb2.ModelChunk(trailer=common_pb2.TransferTrailer(sha256=sha or hashlib.sha256(data).hexdigest()))
    )
    return pieces


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def receive(tmp_path: Path, parts: list[Any], **options: Any) -> transfer.Received:
    return receive_chunks(
        parts, spool_directory=tmp_path, destination=lambda _h, sha: tmp_path / f"{sha}.bin", **options
    )


# ---- receiving


def test_receives_and_checks(tmp_path: Path) -> None:
    data = b"0123456789abcdef-xyz"
    received = receive(tmp_path, chunks(data))
    assert received.sha256 == hashlib.sha256(data).hexdigest()
    assert received.size == len(data)
    assert received.path.read_bytes() == data
    assert leftovers(tmp_path) == [f"{received.sha256}.bin"]
    assert received.header.model_id == "m"


def test_accepts_uppercase_trailer(tmp_path: Path) -> None:
    data = b"abc"
    assert receive(tmp_path, chunks(data, sha=hashlib.sha256(data).hexdigest().upper())).size == 3


def test_size_cap_refuses_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(fedge.TooLargeError, match="announces 20 bytes; this node accepts at most 19"):
        receive(tmp_path, chunks(b"x" * 20), max_bytes=19)
    assert leftovers(tmp_path) == []
    assert receive(tmp_path, chunks(b"x" * 20), max_bytes=20).size == 20


def test_hash_mismatch_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(fedge.HashMismatchError, match="not to the announced 000000000000"):
        receive(tmp_path, chunks(b"some model bytes", sha="0" * 64))
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("parts", "error", "text"),
    [
        (lambda d: chunks(d)[1:], fedge.MalformedError, "must start with a header"),
        (lambda d: chunks(d, size=len(d) - 1), fedge.MalformedError, "more than the 11 bytes"),
        (lambda d: chunks(d, size=len(d) + 1), fedge.MalformedError, "announced 13 bytes but sent 12"),
        (lambda d: chunks(d)[:2] + chunks(d)[:1], fedge.MalformedError, "second header"),
        (lambda d: chunks(d) + chunks(d)[1:2], fedge.MalformedError, "continued after its trailer"),
        (lambda d: chunks(d)[:1] + [common_pb2.ModelChunk()], fedge.MalformedError, "empty chunk"),
        (lambda d: [], fedge.IncompleteError, "ended before its header"),
        (lambda d: chunks(d)[:-1], fedge.IncompleteError, "after 12 of 12 bytes, before its trailer"),
    ],
)
def test_malformed_streams(tmp_path: Path, parts: Any, error: type[Exception], text: str) -> None:
    with pytest.raises(error, match=text):
        receive(tmp_path, parts(b"twelve bytes"))
    assert leftovers(tmp_path) == []


def test_check_refuses_before_spooling(tmp_path: Path) -> None:
    def check(header: Any) -> None:
        raise fedge.StaleRoundError("no round is open")

    with pytest.raises(fedge.StaleRoundError):
        receive(tmp_path, chunks(b"data"), check=check)
    assert leftovers(tmp_path) == []


def test_send_chunks_splits_at_one_mebibyte(tmp_path: Path) -> None:
    data = os.urandom(2 * CHUNK_SIZE + CHUNK_SIZE // 2)
    path = tmp_path / "f"
    path.write_bytes(data)
    pieces = list(send_chunks(path))
    assert [len(p) for p in pieces[:-1]] == [CHUNK_SIZE, CHUNK_SIZE, CHUNK_SIZE // 2]
    assert pieces[-1] == hashlib.sha256(data).hexdigest()
    assert CHUNK_SIZE == 1 << 20


# ---- downloads


@pytest.fixture
def models() -> Iterator[tuple[FakeModels, common_pb2_grpc.ModelTransferStub]]:
    servicer = FakeModels()
    with serve((common_pb2_grpc.add_ModelTransferServicer_to_server, servicer)) as address:
        with grpc.insecure_channel(address) as channel:
            yield servicer, common_pb2_grpc.ModelTransferStub(channel)


def big_file(path: Path, size: int = 2 * CHUNK_SIZE + 12345) -> bytes:
    data = os.urandom(size)
    path.write_bytes(data)
    return data


def test_downloads_a_model(tmp_path: Path, models: tuple[FakeModels, Any]) -> None:
    servicer, stub = models
    data = big_file(tmp_path / "served")
    model_id = servicer.add(tmp_path / "served")
    target = tmp_path / "in" / "global.safetensors"
    target.parent.mkdir()
    received = download_model(stub, model_id, target, max_bytes=len(data), metadata=AUTH)
    assert received.sha256 == model_id and received.size == len(data)
    assert target.read_bytes() == data
    assert leftovers(target.parent) == ["global.safetensors"]
    assert servicer.metadata[-1]["authorization"] == "Bearer secret-token"


def test_download_size_cap(tmp_path: Path, models: tuple[FakeModels, Any]) -> None:
    servicer, stub = models
    data = big_file(tmp_path / "served")
    model_id = servicer.add(tmp_path / "served")
    (tmp_path / "in").mkdir()
    with pytest.raises(fedge.TooLargeError, match=f"announces {len(data)} bytes; this node accepts at most 1000"):
        download_model(stub, model_id, tmp_path / "in" / "m", max_bytes=1000)
    assert leftovers(tmp_path / "in") == []


def test_download_hash_mismatch(tmp_path: Path, models: tuple[FakeModels, Any]) -> None:
    servicer, stub = models
    big_file(tmp_path / "served")
    model_id = servicer.add(tmp_path / "served")

    def flip(pieces: list[common_pb2.ModelChunk]) -> list[common_pb2.ModelChunk]:
        data = bytearray(pieces[1].data)
        data[0] ^= 0xFF
        pieces[1] = common_pb2.ModelChunk(data=bytes(data))
        return pieces

    servicer.corrupt = flip
    (tmp_path / "in").mkdir()
    with pytest.raises(fedge.HashMismatchError, match="the bytes received hash to"):
        download_model(stub, model_id, tmp_path / "in" / "m")
    assert leftovers(tmp_path / "in") == []


def test_download_of_another_model_is_refused(tmp_path: Path, models: tuple[FakeModels, Any]) -> None:
    servicer, stub = models
    big_file(tmp_path / "served", 5000)
    wrong_id = "ab" * 32
    servicer.add(tmp_path / "served", model_id=wrong_id)  # its bytes hash to something else
    (tmp_path / "in").mkdir()
    with pytest.raises(fedge.HashMismatchError, match="for abababababab"):
        download_model(stub, wrong_id, tmp_path / "in" / "m")
    assert leftovers(tmp_path / "in") == []


def test_download_cut_short(tmp_path: Path, models: tuple[FakeModels, Any]) -> None:
    servicer, stub = models
    big_file(tmp_path / "served")
    model_id = servicer.add(tmp_path / "served")
    servicer.corrupt = lambda pieces: pieces[:-2]
    (tmp_path / "in").mkdir()
    with pytest.raises(fedge.IncompleteError, match="before its trailer"):
        download_model(stub, model_id, tmp_path / "in" / "m")
    assert leftovers(tmp_path / "in") == []


def test_download_refusal_carries_the_sentence(tmp_path: Path, models: tuple[FakeModels, Any]) -> None:
    _, stub = models
    with pytest.raises(fedge.UnknownModelError, match="no model cdcdcdcdcdcd here"):
        download_model(stub, "cd" * 32, tmp_path / "m")


def test_download_cancelled(tmp_path: Path, models: tuple[FakeModels, Any]) -> None:
    servicer, stub = models
    big_file(tmp_path / "served")
    model_id = servicer.add(tmp_path / "served")
    token = CancelToken()
    token.cancel("round closed")
    (tmp_path / "in").mkdir()
    with pytest.raises(fedge.TaskCancelled):
        download_model(stub, model_id, tmp_path / "in" / "m", cancel=token)
    assert leftovers(tmp_path / "in") == []


# ---- uploads


@pytest.fixture
def combiner(tmp_path: Path) -> Iterator[tuple[FakeCombiner, combiner_pb2_grpc.CombinerStub]]:
    (tmp_path / "spool").mkdir()
    servicer = FakeCombiner(tmp_path / "spool")
    with serve((combiner_pb2_grpc.add_CombinerServicer_to_server, servicer)) as address:
        with grpc.insecure_channel(address) as channel:
            yield servicer, combiner_pb2_grpc.CombinerStub(channel)


def header() -> combiner_pb2.UpdateHeader:
    return combiner_pb2.UpdateHeader(task_id="t1", session_id="s1", round=3, client="site-1", num_examples=42)


def test_upload_waits_for_ready_before_sending_data(
    tmp_path: Path, combiner: tuple[FakeCombiner, combiner_pb2_grpc.CombinerStub]
) -> None:
    servicer, stub = combiner
    data = big_file(tmp_path / "update")
    servicer.ready_delay = 0.5
    receipt = upload_update(stub, tmp_path / "update", header(), metadata=AUTH)
    upload = servicer.uploads[-1]
    assert upload.ready_at is not None and upload.first_data_at is not None
    assert upload.first_data_at >= upload.ready_at  # admit, then send
    assert receipt.update_id == receipt.sha256 == hashlib.sha256(data).hexdigest()
    assert receipt.size == len(data)
    assert upload.header.size == len(data)  # the header announces the file's size
    assert upload.header.task_id == "t1" and upload.header.num_examples == 42 and upload.header.client == "site-1"
    assert upload.path is not None and upload.path.read_bytes() == data
    assert upload.metadata["authorization"] == "Bearer secret-token"


def test_refused_header_sends_no_model_byte(
    tmp_path: Path,
    combiner: tuple[FakeCombiner, combiner_pb2_grpc.CombinerStub],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    servicer, stub = combiner
    big_file(tmp_path / "update")
    read = []

    def spy(*args: Any, **kwargs: Any) -> Iterator[bytes | str]:
        read.append(True)
        return send_chunks(*args, **kwargs)

    monkeypatch.setattr(transfer, "send_chunks", spy)
    servicer.refuse_header = (grpc.StatusCode.FAILED_PRECONDITION, "stale_round", "no round is open; task t1 is late")
    with pytest.raises(fedge.StaleRoundError) as raised:
        upload_update(stub, tmp_path / "update", header())
    assert raised.value.message == "no round is open; task t1 is late"
    assert read == []
    assert servicer.uploads[-1].first_data_at is None
    assert leftovers(tmp_path / "spool") == []


def test_upload_without_receipt_is_incomplete(tmp_path: Path) -> None:
    class NoReceipt(combiner_pb2_grpc.CombinerServicer):
        def UploadUpdate(self, request_iterator: Iterator[Any], context: grpc.ServicerContext) -> Iterator[Any]:
            next(request_iterator)
            yield combiner_pb2.UploadEvent(ready=combiner_pb2.UploadReady())
            for _ in request_iterator:
                pass

    (tmp_path / "update").write_bytes(b"bytes")
    with serve((combiner_pb2_grpc.add_CombinerServicer_to_server, NoReceipt())) as address:
        with grpc.insecure_channel(address) as channel:
            with pytest.raises(fedge.IncompleteError, match="without a receipt"):
                upload_update(combiner_pb2_grpc.CombinerStub(channel), tmp_path / "update", header())


def test_upload_cancelled_while_waiting_for_room(
    tmp_path: Path, combiner: tuple[FakeCombiner, combiner_pb2_grpc.CombinerStub]
) -> None:
    servicer, stub = combiner
    big_file(tmp_path / "update")
    servicer.ready_delay = 3
    token = CancelToken()
    threading.Timer(0.3, token.cancel).start()
    started = time.monotonic()
    with pytest.raises(fedge.TaskCancelled):
        upload_update(stub, tmp_path / "update", header(), cancel=token)
    assert time.monotonic() - started < 2.5


def test_cancel_token() -> None:
    token = CancelToken()
    calls: list[str] = []
    remove = token.on_cancel(lambda: calls.append("a"))
    token.on_cancel(lambda: calls.append("b"))
    remove()
    assert token.cancel("why") and not token.cancel("again")
    assert calls == ["b"] and token.cancelled and token.reason == "why"
    token.on_cancel(lambda: calls.append("late"))
    assert calls == ["b", "late"]
    with pytest.raises(fedge.TaskCancelled):
        token.raise_if_cancelled()
