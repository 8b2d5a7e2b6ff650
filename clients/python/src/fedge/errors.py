"""Typed refusals: the Python face of the `fedge-refusal` errors every Fedge tier sends.

A tier that refuses a request ends the call with a gRPC status that fits (``INVALID_ARGUMENT``,
``UNAUTHENTICATED``, …), the sentence that explains it as the status message, and the refusal's name under the
``fedge-refusal`` trailing-metadata key (``stale_round``, ``hash_mismatch``, …). :func:`refusal_from_rpc_error`
turns such an error back into the matching :class:`RefusedError` subclass, carrying the server's sentence.
The client raises the same classes for what it refuses itself (a download that does not hash to its trailer, …).
"""

from __future__ import annotations

from typing import ClassVar

import grpc

__all__ = [
    "METADATA_KEY",
    "FedgeError",
    "RefusedError",
    "StaleRoundError",
    "DuplicateError",
    "WrongShapeError",
    "NonFiniteError",
    "TooLargeError",
    "UnauthenticatedError",
    "UnknownTaskError",
    "HashMismatchError",
    "MalformedError",
    "BadWeightError",
    "UnknownModelError",
    "NotAssignedError",
    "IncompleteError",
    "PermissionDeniedError",
    "TaskCancelled",
    "refusal_error",
    "refusal_from_rpc_error",
]

#: The trailing-metadata key that carries a refusal's name.
METADATA_KEY = "fedge-refusal"


class FedgeError(Exception):
    """Base class of every error this package raises on purpose."""


class RefusedError(FedgeError):
    """A request a Fedge tier (or this client) refused, with the sentence that explains it.

    Attributes:
        refusal: the refusal's wire name, like ``"stale_round"``.
        message: the sentence, as the refusing side wrote it.
        code: the gRPC status code the refusal came with (``None`` for one raised locally).
    """

    #: The refusal's wire name; each subclass sets its own.
    refusal: str = "unspecified"
    #: The gRPC status code a tier sends this refusal with (as in FedgeRPC/RefusalError+RPC.swift).
    status_code: ClassVar[grpc.StatusCode] = grpc.StatusCode.UNKNOWN

    def __init__(self, message: str, *, code: grpc.StatusCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return f"{self.message} ({self.refusal})"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class StaleRoundError(RefusedError):
    """The update belongs to a round that is not open (an earlier round, or one already closed)."""

    refusal = "stale_round"
    status_code = grpc.StatusCode.FAILED_PRECONDITION


class DuplicateError(RefusedError):
    """An update for this task was already accepted."""

    refusal = "duplicate"
    status_code = grpc.StatusCode.ALREADY_EXISTS


class WrongShapeError(RefusedError):
    """Tensor names, shapes or dtypes differ from the global model."""

    refusal = "wrong_shape"
    status_code = grpc.StatusCode.INVALID_ARGUMENT


class NonFiniteError(RefusedError):
    """The update holds NaN or infinite values."""

    refusal = "non_finite"
    status_code = grpc.StatusCode.INVALID_ARGUMENT


class TooLargeError(RefusedError):
    """The transfer is larger than the receiver accepts."""

    refusal = "too_large"
    status_code = grpc.StatusCode.RESOURCE_EXHAUSTED


class UnauthenticatedError(RefusedError):
    """The caller did not prove who it is (a missing, wrong, expired or revoked token)."""

    refusal = "unauthenticated"
    status_code = grpc.StatusCode.UNAUTHENTICATED


class UnknownTaskError(RefusedError):
    """No task with that id is known."""

    refusal = "unknown_task"
    status_code = grpc.StatusCode.NOT_FOUND


class HashMismatchError(RefusedError):
    """The bytes received do not hash to the SHA-256 the sender announced."""

    refusal = "hash_mismatch"
    status_code = grpc.StatusCode.INVALID_ARGUMENT


class MalformedError(RefusedError):
    """The stream or the file in it is malformed (not safetensors, chunks out of order, …)."""

    refusal = "malformed"
    status_code = grpc.StatusCode.INVALID_ARGUMENT


class BadWeightError(RefusedError):
    """The update's weight (num_examples) is not a positive number, or more than the session allows."""

    refusal = "bad_weight"
    status_code = grpc.StatusCode.INVALID_ARGUMENT


class UnknownModelError(RefusedError):
    """No model with that id is known."""

    refusal = "unknown_model"
    status_code = grpc.StatusCode.NOT_FOUND


class NotAssignedError(RefusedError):
    """The task was assigned to another client."""

    refusal = "not_assigned"
    status_code = grpc.StatusCode.FAILED_PRECONDITION


class IncompleteError(RefusedError):
    """The stream ended before its trailer (or before the answer it should have carried)."""

    refusal = "incomplete"
    status_code = grpc.StatusCode.DATA_LOSS


class PermissionDeniedError(RefusedError):
    """The caller is not allowed to do this (its role forbids it, or it acts under another name)."""

    refusal = "permission_denied"
    status_code = grpc.StatusCode.PERMISSION_DENIED


class TaskCancelled(FedgeError):
    """The task was cancelled (by the combiner, a lost connection, or the client stopping)."""


_BY_NAME: dict[str, type[RefusedError]] = {
    cls.refusal: cls
    for cls in (
        StaleRoundError,
        DuplicateError,
        WrongShapeError,
        NonFiniteError,
        TooLargeError,
        UnauthenticatedError,
        UnknownTaskError,
        HashMismatchError,
        MalformedError,
        BadWeightError,
        UnknownModelError,
        NotAssignedError,
        IncompleteError,
        PermissionDeniedError,
    )
}

# A status without the metadata key still says enough for these two (a proxy, or a server that is not Fedge's).
_BY_CODE: dict[grpc.StatusCode, type[RefusedError]] = {
    grpc.StatusCode.UNAUTHENTICATED: UnauthenticatedError,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDeniedError,
}


def refusal_error(name: str, message: str, *, code: grpc.StatusCode | None = None) -> RefusedError:
    """The exception for the refusal called `name` (``"stale_round"``); a plain :class:`RefusedError` for a name
    this client does not know (a newer server)."""
    cls = _BY_NAME.get(name.strip().lower())
    if cls is None:
        error = RefusedError(message, code=code)
        error.refusal = name
        return error
    return cls(message, code=code)


def _metadata_value(metadata: object, key: str) -> str | None:
    if not metadata:
        return None
    try:
        items = list(metadata)  # type: ignore[call-overload]
    except TypeError:
        return None
    for item in items:
        try:
            name, value = item
        except (TypeError, ValueError):
            continue
        if str(name).lower() == key:
            return value.decode() if isinstance(value, bytes) else str(value)
    return None


def refusal_from_rpc_error(error: BaseException) -> RefusedError | None:
    """The refusal an error from a gRPC call carries, or ``None`` when it is not a Fedge refusal.

    Reads the ``fedge-refusal`` trailing-metadata key; without it, an ``UNAUTHENTICATED`` or ``PERMISSION_DENIED``
    status still maps to its class. The exception's message is the server's sentence (the status details).
    """
    if isinstance(error, RefusedError):
        return error
    if not isinstance(error, grpc.RpcError):
        return None
    code: grpc.StatusCode | None = None
    details = ""
    trailing: object = None
    if isinstance(error, grpc.Call):
        code = error.code()
        details = error.details() or ""
        trailing = error.trailing_metadata()
    name = _metadata_value(trailing, METADATA_KEY)
    if name:
        return refusal_error(name, details, code=code)
    if code is not None and code in _BY_CODE:
        return _BY_CODE[code](details or code.name.lower().replace("_", " "), code=code)
    return None
