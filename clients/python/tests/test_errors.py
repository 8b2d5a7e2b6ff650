"""Refusals cross the wire as a gRPC status, the sentence, and `fedge-refusal` metadata; they come back typed."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest

import fedge
from fedge._proto.fedge.v1 import controller_pb2, controller_pb2_grpc
from fedge.errors import RefusedError, refusal_error, refusal_from_rpc_error

from fakes import refuse, serve

# (wire name, class, status code) as FedgeRPC/RefusalError+RPC.swift sends them.
REFUSALS = [
    ("stale_round", fedge.StaleRoundError, grpc.StatusCode.FAILED_PRECONDITION),
    ("duplicate", fedge.DuplicateError, grpc.StatusCode.ALREADY_EXISTS),
    ("wrong_shape", fedge.WrongShapeError, grpc.StatusCode.INVALID_ARGUMENT),
    ("non_finite", fedge.NonFiniteError, grpc.StatusCode.INVALID_ARGUMENT),
    ("too_large", fedge.TooLargeError, grpc.StatusCode.RESOURCE_EXHAUSTED),
    ("unauthenticated", fedge.UnauthenticatedError, grpc.StatusCode.UNAUTHENTICATED),
    ("unknown_task", fedge.UnknownTaskError, grpc.StatusCode.NOT_FOUND),
    ("hash_mismatch", fedge.HashMismatchError, grpc.StatusCode.INVALID_ARGUMENT),
    ("malformed", fedge.MalformedError, grpc.StatusCode.INVALID_ARGUMENT),
    ("bad_weight", fedge.BadWeightError, grpc.StatusCode.INVALID_ARGUMENT),
    ("unknown_model", fedge.UnknownModelError, grpc.StatusCode.NOT_FOUND),
    ("not_assigned", fedge.NotAssignedError, grpc.StatusCode.FAILED_PRECONDITION),
    ("incomplete", fedge.IncompleteError, grpc.StatusCode.DATA_LOSS),
    ("permission_denied", fedge.PermissionDeniedError, grpc.StatusCode.PERMISSION_DENIED),
]


class Refusing(controller_pb2_grpc.ControllerServicer):
    def __init__(self) -> None:
        self.refusal: tuple[grpc.StatusCode, str | None, str] = (grpc.StatusCode.INTERNAL, None, "")

    def AssignCombiner(self, request: controller_pb2.AssignRequest, context: grpc.ServicerContext) -> object:
        code, name, sentence = self.refusal
        refuse(context, code, name, sentence)
        return controller_pb2.AssignResponse()


@pytest.fixture(scope="module")
def refusing() -> Iterator[tuple[Refusing, controller_pb2_grpc.ControllerStub]]:
    servicer = Refusing()
    with serve((controller_pb2_grpc.add_ControllerServicer_to_server, servicer)) as address:
        with grpc.insecure_channel(address) as channel:
            yield servicer, controller_pb2_grpc.ControllerStub(channel)


def call_error(
    refusing: tuple[Refusing, controller_pb2_grpc.ControllerStub], code: grpc.StatusCode, name: str | None, text: str
) -> grpc.RpcError:
    servicer, stub = refusing
    servicer.refusal = (code, name, text)
    with pytest.raises(grpc.RpcError) as raised:
        stub.AssignCombiner(controller_pb2.AssignRequest(client_name="x"), timeout=10)
    return raised.value


@pytest.mark.parametrize(("name", "cls", "code"), REFUSALS)
def test_every_refusal_maps_to_its_exception(
    refusing: tuple[Refusing, controller_pb2_grpc.ControllerStub],
    name: str,
    cls: type[RefusedError],
    code: grpc.StatusCode,
) -> None:
    sentence = f"the server's own sentence about {name}"
    error = refusal_from_rpc_error(call_error(refusing, code, name, sentence))
    assert type(error) is cls
    assert isinstance(error, fedge.RefusedError)
    assert error.message == sentence
    assert error.refusal == name
    assert error.code == code
    assert cls.status_code == code
    assert str(error) == f"{sentence} ({name})"


def test_status_without_metadata_still_maps_auth(
    refusing: tuple[Refusing, controller_pb2_grpc.ControllerStub],
) -> None:
    error = refusal_from_rpc_error(call_error(refusing, grpc.StatusCode.UNAUTHENTICATED, None, "token expired"))
    assert isinstance(error, fedge.UnauthenticatedError) and error.message == "token expired"
    error = refusal_from_rpc_error(call_error(refusing, grpc.StatusCode.PERMISSION_DENIED, None, "not yours"))
    assert isinstance(error, fedge.PermissionDeniedError)


def test_other_errors_are_not_refusals(refusing: tuple[Refusing, controller_pb2_grpc.ControllerStub]) -> None:
    assert refusal_from_rpc_error(call_error(refusing, grpc.StatusCode.UNAVAILABLE, None, "try again")) is None
    assert refusal_from_rpc_error(ValueError("x")) is None


def test_unknown_refusal_names_stay_refusals(
    refusing: tuple[Refusing, controller_pb2_grpc.ControllerStub],
) -> None:
    error = refusal_from_rpc_error(call_error(refusing, grpc.StatusCode.INVALID_ARGUMENT, "brand_new", "new rule"))
    assert type(error) is fedge.RefusedError
    assert error is not None and error.refusal == "brand_new" and str(error) == "new rule (brand_new)"
    # The class attribute is untouched.
    assert fedge.RefusedError.refusal == "unspecified"


def test_refusal_error_by_name() -> None:
    assert isinstance(refusal_error("STALE_ROUND", "late"), fedge.StaleRoundError)
