"""Fedge for Python: join a Fedge federation from any training loop.

>>> import fedge
>>> def train(model, settings):
...     ...  # model: dict[str, numpy.ndarray]; settings: the session's client settings
...     return fedge.TrainResult(model=updated, num_examples=len(data), metrics={"loss": loss})
>>> fedge.Client(kit="site-1.kit", train=train, validate=validate).run()
"""

from . import torch  # PyTorch helpers; torch itself is imported only when they run
from ._version import __version__
from .backoff import Backoff
from .client import (
    Arrays,
    Client,
    FileTrainFunction,
    FileValidateFunction,
    TaskContext,
    TrainFunction,
    TrainResult,
    ValidateFunction,
    ValidationResult,
    current_task,
    load_arrays,
    save_arrays,
)
from .errors import (
    BadWeightError,
    DuplicateError,
    FedgeError,
    HashMismatchError,
    IncompleteError,
    MalformedError,
    NonFiniteError,
    NotAssignedError,
    PermissionDeniedError,
    RefusedError,
    StaleRoundError,
    TaskCancelled,
    TooLargeError,
    UnauthenticatedError,
    UnknownModelError,
    UnknownTaskError,
    WrongShapeError,
)
from .kit import Kit, KitError

__all__ = [
    "Arrays",
    "Backoff",
    "BadWeightError",
    "Client",
    "DuplicateError",
    "FedgeError",
    "FileTrainFunction",
    "FileValidateFunction",
    "HashMismatchError",
    "IncompleteError",
    "Kit",
    "KitError",
    "MalformedError",
    "NonFiniteError",
    "NotAssignedError",
    "PermissionDeniedError",
    "RefusedError",
    "StaleRoundError",
    "TaskCancelled",
    "TaskContext",
    "TooLargeError",
    "TrainFunction",
    "TrainResult",
    "UnauthenticatedError",
    "UnknownModelError",
    "UnknownTaskError",
    "ValidateFunction",
    "ValidationResult",
    "WrongShapeError",
    "__version__",
    "current_task",
    "load_arrays",
    "save_arrays",
    "torch",
]
