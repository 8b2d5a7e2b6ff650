"""The Fedge edge client in Python: joins a federation and runs its train and validate tasks with your functions.

It speaks ``fedge.v1`` as the Swift client does (FedgeEdge/EdgeClient.swift, RPC/EdgeSession.swift,
RPC/TaskExecution.swift):

1. ask the controller which combiner to use (``AssignCombiner``), again before every connection;
2. open the ``Connect`` control stream with a hello (the name must be the token's subject) and heartbeat with
   telemetry at the interval the combiner's welcome gives;
3. run each task in a worker thread, one at a time: download the global model (size and SHA-256 checked), call
   your function, upload the update (admit-then-send), report status, metrics and logs up the control stream;
4. honour the combiner's cancel (the result of a cancelled task is never sent);
5. after any failure reconnect with exponential backoff and jitter; stop cleanly on SIGINT/SIGTERM.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import FrameType
from typing import Any

import grpc

from ._proto.fedge.v1 import combiner_pb2, common_pb2, controller_pb2
from ._proto.fedge.v1.combiner_pb2_grpc import CombinerStub
from ._proto.fedge.v1.common_pb2_grpc import ModelTransferStub
from ._proto.fedge.v1.controller_pb2_grpc import ControllerStub
from ._version import __version__
from .arrays import Arrays, load_arrays, save_arrays
from .backoff import Backoff
from .errors import (
    FedgeError,
    HashMismatchError,
    MalformedError,
    PermissionDeniedError,
    RefusedError,
    TaskCancelled,
    UnauthenticatedError,
    refusal_from_rpc_error,
)
from .kit import Kit, token_subject
from .outbox import Outbox
from .telemetry import TelemetrySampler
from .transfer import CancelToken, Metadata, download_model, is_model_id, upload_update

__all__ = [
    "Arrays",
    "Client",
    "FileTrainFunction",
    "FileValidateFunction",
    "TaskContext",
    "TrainFunction",
    "TrainResult",
    "ValidateFunction",
    "ValidationResult",
    "current_task",
    "load_arrays",
    "parse_endpoint",
    "save_arrays",
]

_logger = logging.getLogger("fedge.client")

#: How long a new task waits for the one still in the slot to end before it is refused as busy.
_BUSY_WAIT_SECONDS = 3.0
#: The most metrics one report may carry, and the longest name (FedgeCore/MetricMap.swift).
_MAX_METRICS = 64
_MAX_METRIC_NAME_BYTES = 64
#: How long a clean stop waits for the combiner to close the control stream.
_STOP_GRACE_SECONDS = 5.0

# Keepalive as the Swift client has it: after 10 s without reading, ping; no answer within 5 s closes the connection
# and the client dials again. Without it a stalled link (a NAT that forgot the connection) is never left. The
# combiners accept pings at most every 5 s; pings go on while nothing else is sent (gRPC core stops after 2).
_CHANNEL_OPTIONS: list[tuple[str, int]] = [
    ("grpc.keepalive_time_ms", 10_000),
    ("grpc.keepalive_timeout_ms", 5_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.max_pings_without_data", 0),
    ("grpc.http2.ping_timeout_ms", 5_000),  # newer gRPC cores time a ping out with this, not keepalive_timeout
]

#: Timeout of the unary AssignCombiner call.
_ASSIGN_TIMEOUT_SECONDS = 30.0


@dataclass
class TrainResult:
    """What a train function returns.

    Attributes:
        model: the trained model. With array callbacks: named arrays (NumPy arrays, or anything
            ``numpy.asarray`` takes, PyTorch tensors included), the same names, shapes and dtypes as the global
            model. With file callbacks: ``None`` (the function wrote the update to its output path).
        num_examples: how many examples the update was trained on: its weight in the average (positive).
        metrics: training metrics (at most 64, names of 1 to 64 bytes).
    """

    model: Mapping[str, Any] | None
    num_examples: float
    metrics: Mapping[str, float] = field(default_factory=dict)


@dataclass
class ValidationResult:
    """What a validate function returns: flat metrics, and how many examples they were computed on."""

    metrics: Mapping[str, float]
    num_examples: float = 0.0


#: ``train(model, settings) -> TrainResult``: the global model as named arrays and the session's client settings.
TrainFunction = Callable[[Arrays, dict[str, Any]], TrainResult]
#: ``validate(model, settings) -> ValidationResult``.
ValidateFunction = Callable[[Arrays, dict[str, Any]], ValidationResult]
#: ``train(model_path, output_path, settings) -> TrainResult``: reads the global model's safetensors file and
#: writes the update's to `output_path`.
FileTrainFunction = Callable[[Path, Path, dict[str, Any]], TrainResult]
#: ``validate(model_path, settings) -> ValidationResult``.
FileValidateFunction = Callable[[Path, dict[str, Any]], ValidationResult]


# --------------------------------------------------------------------------------------------------------------
# The task a callback runs for


class TaskContext:
    """The task the calling thread's train or validate function runs for (see :func:`current_task`).

    A long function can poll :attr:`cancelled` and return early: the result of a cancelled task is thrown away.
    """

    def __init__(
        self,
        assignment: combiner_pb2.TaskAssignment,
        settings: dict[str, Any],
        token: CancelToken,
        reporter: _Reporter,
    ) -> None:
        self.task_id: str = assignment.task_id
        self.session_id: str = assignment.session_id
        self.round: int = assignment.round
        self.kind: str = "train" if assignment.kind == common_pb2.TASK_KIND_TRAIN else "validate"
        self.model_id: str = assignment.model_id.lower()
        self.model_size: int = assignment.model_size
        self.settings = settings
        millis = assignment.deadline_unix_millis
        self.deadline: datetime | None = datetime.fromtimestamp(millis / 1000, tz=timezone.utc) if millis > 0 else None
        self._token = token
        self._reporter = reporter
        #: The client that runs the task (its log handler forwards only its own tasks' records).
        self._owner: object = None

    @property
    def cancelled(self) -> bool:
        """Whether the task was cancelled (by the combiner, a lost connection, or the client stopping)."""
        return self._token.cancelled

    def log(self, line: str, stream: str = "client") -> None:
        """Sends a log line to the combiner (best effort)."""
        self._reporter.log(stream, line)

    def report_metrics(self, values: Mapping[str, float]) -> None:
        """Sends metrics for this task to the combiner now (progress, say)."""
        self._reporter.metrics(_metric_map(values))

    def __repr__(self) -> str:
        return f"TaskContext(task_id={self.task_id!r}, kind={self.kind!r}, round={self.round})"


_local = threading.local()


def current_task() -> TaskContext | None:
    """The task the calling thread runs a callback for, or ``None`` outside a callback."""
    context = getattr(_local, "context", None)
    return context if isinstance(context, TaskContext) else None


# --------------------------------------------------------------------------------------------------------------
# Reports


class _Reporter:
    """Sends one task's status, logs and metrics up the control stream."""

    def __init__(self, task_id: str, outbox: Outbox, logger: logging.Logger) -> None:
        self.task_id = task_id
        self.outbox = outbox
        self.logger = logger

    def status(
        self, state: combiner_pb2.TaskState.ValueType, message: str = "", validation: ValidationResult | None = None
    ) -> None:
        status = combiner_pb2.TaskStatus(task_id=self.task_id, state=state, message=message)
        if validation is not None:
            status.validation.num_examples = float(validation.num_examples)
            status.validation.metrics.update(_metric_map(validation.metrics))
        self._send(combiner_pb2.ClientEvent(status=status))

    def log(self, stream: str, line: str) -> None:
        self.outbox.offer(
            combiner_pb2.ClientEvent(
                log=combiner_pb2.LogRecord(task_id=self.task_id, stream=stream, line=line, unix_millis=_now_millis())
            )
        )

    def metrics(self, values: Mapping[str, float]) -> None:
        if not values:
            return
        record = combiner_pb2.MetricRecord(task_id=self.task_id)
        record.values.update(values)
        self._send(combiner_pb2.ClientEvent(metrics=record))

    def _send(self, event: combiner_pb2.ClientEvent) -> None:
        if not self.outbox.send(event):
            self.logger.error("Task report lost: the stream to the combiner closed (task %s)", self.task_id)


class _TaskRun:
    """One task from its assignment to its final status, which is sent at most once."""

    def __init__(self, context: TaskContext, token: CancelToken, reporter: _Reporter) -> None:
        self.context = context
        self.token = token
        self.reporter = reporter
        self._lock = threading.Lock()
        self._final = False

    @property
    def id(self) -> str:
        return self.context.task_id

    def finish(
        self, state: combiner_pb2.TaskState.ValueType, message: str, validation: ValidationResult | None = None
    ) -> bool:
        """Sends the task's final status, unless one was sent (or given up on) already."""
        with self._lock:
            if self._final:
                return False
            self._final = True
        self.reporter.status(state, message, validation)
        return True

    def cancel(self, reason: str) -> None:
        """Cancels the task and reports it cancelled at once: whatever the callback still returns is thrown away."""
        self.token.cancel(reason)
        self.finish(combiner_pb2.TASK_STATE_CANCELLED, "cancelled")

    def abandon(self, reason: str) -> None:
        """Cancels the task without a report (its control stream is gone)."""
        self.token.cancel(reason)
        with self._lock:
            self._final = True


class _TaskSlot:
    """The one task the client runs at a time."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._current: _TaskRun | None = None

    @property
    def current(self) -> _TaskRun | None:
        with self._condition:
            return self._current

    def claim(self, run: _TaskRun, *, stop: threading.Event) -> _TaskRun | None:
        """Takes the slot for `run`; returns ``None`` when it did, else the task still in it.

        Waits up to three seconds for the task in the slot to end (it may still be reporting its end when the next
        round's task arrives); for one that was cancelled (its callback still running, its result to be thrown
        away), as long as it takes, unless `run` is cancelled or the client stops meanwhile.
        """
        limit = time.monotonic() + _BUSY_WAIT_SECONDS
        with self._condition:
            while self._current is not None:
                holder = self._current
                if run.token.cancelled or stop.is_set():
                    return holder
                if holder.token.cancelled:
                    self._condition.wait(0.2)
                    continue
                remaining = limit - time.monotonic()
                if remaining <= 0:
                    return holder
                self._condition.wait(min(remaining, 0.2))
            self._current = run
            return None

    def release(self, run: _TaskRun) -> None:
        with self._condition:
            if self._current is run:
                self._current = None
            self._condition.notify_all()


# --------------------------------------------------------------------------------------------------------------
# Trainers: what a task runs


class _Trainer:
    def train(self, model: Path, output: Path, settings: dict[str, Any]) -> TrainResult:
        raise NotImplementedError

    def validate(self, model: Path, settings: dict[str, Any]) -> ValidationResult:
        raise NotImplementedError


class _ArrayTrainer(_Trainer):
    """Loads the global model as named NumPy arrays for the callbacks, and writes theirs back as safetensors."""

    def __init__(self, train: TrainFunction | None, validate: ValidateFunction | None) -> None:
        self._train = train
        self._validate = validate

    def train(self, model: Path, output: Path, settings: dict[str, Any]) -> TrainResult:
        if self._train is None:
            raise FedgeError("this client has no train function")
        arrays = load_arrays(model)
        dtypes = {name: array.dtype for name, array in arrays.items()}
        result = self._train(arrays, settings)
        del arrays
        _check_result(result, TrainResult, "train")
        if _token_cancelled():
            return result  # thrown away: no need to write it
        if result.model is None:
            raise FedgeError("train returned no model (TrainResult.model is None)")
        save_arrays(result.model, output, like=dtypes)
        return result

    def validate(self, model: Path, settings: dict[str, Any]) -> ValidationResult:
        if self._validate is None:
            raise FedgeError("this client has no validate function")
        result = self._validate(load_arrays(model), settings)
        _check_result(result, ValidationResult, "validate")
        return result


class _FileTrainer(_Trainer):
    """Hands the callbacks file paths: for models too large to load whole."""

    def __init__(self, train: FileTrainFunction | None, validate: FileValidateFunction | None) -> None:
        self._train = train
        self._validate = validate

    def train(self, model: Path, output: Path, settings: dict[str, Any]) -> TrainResult:
        if self._train is None:
            raise FedgeError("this client has no train function")
        result = self._train(model, output, settings)
        _check_result(result, TrainResult, "train")
        if _token_cancelled():
            return result
        if result.model is not None:
            save_arrays(result.model, output, like=None)
        if not output.is_file():
            raise FedgeError(f"train wrote no update to {output} (and returned no model)")
        return result

    def validate(self, model: Path, settings: dict[str, Any]) -> ValidationResult:
        if self._validate is None:
            raise FedgeError("this client has no validate function")
        result = self._validate(model, settings)
        _check_result(result, ValidationResult, "validate")
        return result


def _check_result(result: object, expected: type, function: str) -> None:
    if not isinstance(result, expected):
        raise TypeError(f"{function} returned {type(result).__name__}; it must return fedge.{expected.__name__}")


def _token_cancelled() -> bool:
    context = current_task()
    return context is not None and context.cancelled


def _metric_map(values: Mapping[str, Any]) -> dict[str, float]:
    """`values` as metrics within the limits every tier enforces (FedgeCore/MetricMap.swift), or a ValueError that
    says what is wrong."""
    if not isinstance(values, Mapping):
        raise TypeError(f"metrics must be a mapping of names to numbers, not {type(values).__name__}")
    if len(values) > _MAX_METRICS:
        raise ValueError(f"the metrics have {len(values)} entries; at most {_MAX_METRICS} are allowed")
    metrics: dict[str, float] = {}
    for name, value in values.items():
        if not isinstance(name, str) or not 1 <= len(name.encode()) <= _MAX_METRIC_NAME_BYTES:
            raise ValueError(f"the metric name {name!r} must be a string of 1 to {_MAX_METRIC_NAME_BYTES} bytes")
        if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in name):
            raise ValueError(f"the metric name {name!r} holds control characters")
        if isinstance(value, bool):
            raise TypeError(f"the metric {name!r} is a boolean; metrics are numbers")
        try:
            metrics[name] = float(value)
        except (TypeError, ValueError) as error:
            raise TypeError(f"the metric {name!r} is {value!r}, not a number") from error
    return metrics


def _settings(text: str) -> dict[str, Any]:
    """The client settings of a task: its JSON object, or an empty one when it holds none."""
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# --------------------------------------------------------------------------------------------------------------
# Endpoints


_ENDPOINT = re.compile(r"^(?:\[(?P<v6>[^\]]+)\]|(?P<host>[^\s:\[\]]*)):(?P<port>\d{1,5})$")


def parse_endpoint(text: str) -> str | None:
    """A gRPC target for ``HOST:PORT`` or ``[IPv6]:PORT``; ``None`` when `text` is neither."""
    match = _ENDPOINT.match(text.strip())
    if match is None or int(match.group("port")) > 65535:
        return None
    port = int(match.group("port"))
    if match.group("v6"):
        return f"[{match.group('v6')}]:{port}"
    host = match.group("host") or "0.0.0.0"
    if host in ("0.0.0.0", "::"):
        host = "localhost"
    return f"{host}:{port}"


# --------------------------------------------------------------------------------------------------------------
# The client


class Client:
    """A Fedge edge client that trains and validates with your functions.

    >>> fedge.Client(kit="site-1.kit", train=train, validate=validate).run()

    With ``files=True`` the functions get file paths instead of arrays, for models that must not be loaded whole:
    ``train(model_path, output_path, settings)`` reads the global model's safetensors file and writes the update's
    to ``output_path``; ``validate(model_path, settings)``.

    Args:
        kit: the client's kit (a path, or a loaded :class:`Kit`): its name, token, certificate and key, the CA, and
            the controller's address. Without one, give `token` and `controller` (or `combiner`), and `ca` unless
            the servers' certificates are signed by a public CA.
        train: ``train(model, settings) -> TrainResult`` (or the file form with ``files=True``).
        validate: ``validate(model, settings) -> ValidationResult`` (or the file form).
        controller: the controller to ask for a combiner, HOST:PORT (default: the kit's).
        combiner: dial this combiner directly, HOST:PORT, instead of asking the controller.
        token: the bearer token (default: the kit's).
        ca: the PEM CA to trust (a path, or the PEM text; default: the kit's, else the system's roots).
        certificate, private_key: PEM client certificate and key for mutual TLS (default: the kit's).
        name: the name to announce: the token's subject (default: the kit's name, else the token's subject).
        insecure: plaintext gRPC (local development only; the token is still sent).
        preferred_combiner: the combiner to ask the controller for.
        labels: free-form labels announced in the hello.
        work_dir: where models and updates go while a task runs (default: a folder in the temp directory).
        heartbeat_interval: seconds between heartbeats (default: what the combiner's welcome says, else 5).
        backoff: the reconnection backoff (default: 0.5 s doubling up to 30 s, with jitter).
        files: hand the functions file paths instead of arrays.
        forward_logs: send log records emitted in a task's thread to the combiner as the task's log lines.
        handle_signals: stop cleanly on SIGINT and SIGTERM while :meth:`run` runs in the main thread.
        logger: where the client logs (default: ``logging.getLogger("fedge.client")``).
    """

    def __init__(
        self,
        kit: str | os.PathLike[str] | Kit | None = None,
        train: TrainFunction | FileTrainFunction | None = None,
        validate: ValidateFunction | FileValidateFunction | None = None,
        *,
        controller: str | None = None,
        combiner: str | None = None,
        token: str | None = None,
        ca: str | os.PathLike[str] | None = None,
        certificate: str | os.PathLike[str] | None = None,
        private_key: str | os.PathLike[str] | None = None,
        name: str | None = None,
        insecure: bool = False,
        preferred_combiner: str | None = None,
        labels: Mapping[str, str] | None = None,
        work_dir: str | os.PathLike[str] | None = None,
        heartbeat_interval: float | None = None,
        backoff: Backoff | None = None,
        files: bool = False,
        forward_logs: bool = True,
        handle_signals: bool = True,
        logger: logging.Logger | None = None,
    ) -> None:
        if train is None and validate is None:
            raise ValueError("a client needs a train or a validate function (or both)")
        loaded: Kit | None
        if kit is None or isinstance(kit, Kit):
            loaded = kit
        else:
            loaded = Kit.load(kit)
        if loaded is not None:
            loaded.require_role("client")
        self.kit = loaded
        self.logger = logger or _logger

        self.token = token if token is not None else (loaded.token if loaded else None)
        if not self.token:
            raise ValueError("a client needs an identity: give kit= (from `fedge client enroll`) or token=")
        subject = token_subject(self.token)
        self.name = name or (loaded.name if loaded else None) or subject or ""
        if not self.name:
            raise ValueError("a client needs a name: give name= (the token's subject)")
        if subject is not None and subject != self.name:
            raise ValueError(
                f"the name '{self.name}' is not the token's subject '{subject}'; "
                "a client acts only under the name its token carries"
            )

        if combiner is not None:
            self.combiner: str | None = _endpoint_or_raise(combiner, "combiner")
            self.controller: str | None = None
        else:
            self.combiner = None
            address = controller or (loaded.controller if loaded else None)
            if not address:
                raise ValueError("give controller= (HOST:PORT) or combiner= (HOST:PORT), or a kit that names one")
            self.controller = _endpoint_or_raise(address, "controller")
        self.preferred_combiner = preferred_combiner or ""

        self.insecure = insecure
        self._credentials: grpc.ChannelCredentials | None = None
        if not insecure:
            ca_pem = _pem(ca) if ca is not None else (loaded.ca.encode() if loaded else None)
            certificate_pem = (
                _pem(certificate) if certificate is not None else (loaded.certificate.encode() if loaded else None)
            )
            key_pem = (
                _pem(private_key) if private_key is not None else (loaded.private_key.encode() if loaded else None)
            )
            if (certificate_pem is None) != (key_pem is None):
                raise ValueError("give both certificate= and private_key=, or neither")
            self._credentials = grpc.ssl_channel_credentials(
                root_certificates=ca_pem or None,
                private_key=key_pem or None,
                certificate_chain=certificate_pem or None,
            )

        self.labels = dict(labels or {})
        self.work_dir = (
            Path(work_dir)
            if work_dir is not None
            else (Path(tempfile.gettempdir()) / "fedge-python-client" / _safe(self.name))
        )
        if heartbeat_interval is not None and not heartbeat_interval > 0:
            raise ValueError("heartbeat_interval must be a positive number of seconds")
        self.heartbeat_interval = heartbeat_interval
        self.backoff = backoff or Backoff()
        self.forward_logs = forward_logs
        self.handle_signals = handle_signals
        if files:
            self._trainer: _Trainer = _FileTrainer(
                train,  # type: ignore[arg-type]
                validate,  # type: ignore[arg-type]
            )
        else:
            self._trainer = _ArrayTrainer(
                train,  # type: ignore[arg-type]
                validate,  # type: ignore[arg-type]
            )
        self._has_train = train is not None

        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._control: grpc.Call | grpc.Future[Any] | None = None
        self._outbox: Outbox | None = None
        self._runs: dict[str, _TaskRun] = {}
        self._slot = _TaskSlot()
        self._stops_requested = 0

    # ---- public

    @property
    def metadata(self) -> Metadata:
        """The call metadata every call carries: ``authorization: Bearer TOKEN``."""
        return (("authorization", f"Bearer {self.token}"),)

    def run(self) -> None:
        """Runs until stopped (:meth:`stop`, SIGINT or SIGTERM), reconnecting after every failure.

        Raises:
            UnauthenticatedError: the controller or the combiner refused the token (wrong, expired, revoked).
            PermissionDeniedError: the token may not do this (another name, another role).
        """
        if self.insecure:
            self.logger.warning("TLS is off (insecure=True): traffic is not encrypted; the token is still sent")
        if self.kit is not None and self.kit.expired:
            self.logger.warning("The kit's token expired at %s: the servers will refuse it", self.kit.expires_at)
        self._stop.clear()
        self._stops_requested = 0
        self.work_dir.mkdir(parents=True, exist_ok=True)
        with self._signals(), self._log_forwarding():
            backoff = self.backoff
            backoff.reset()
            while not self._stop.is_set():
                welcomed = threading.Event()
                try:
                    target = self.combiner if self.combiner is not None else self._assignment()
                    if self._stop.is_set():
                        break
                    self._session(target, welcomed)
                    if not self._stop.is_set():
                        self.logger.info("Combiner closed the connection")
                except (UnauthenticatedError, PermissionDeniedError):
                    if self._stop.is_set():
                        break
                    raise
                except Exception as error:
                    if self._stop.is_set():
                        break
                    self.logger.warning("Connection to the combiner failed: %s", _describe(error))
                if self._stop.is_set():
                    break
                if welcomed.is_set():
                    backoff.reset()
                wait = backoff.next()
                self.logger.info("Reconnecting in %.1f s", wait)
                self._stop.wait(wait)
        self.logger.info("Client stopped")

    def stop(self) -> None:
        """Stops :meth:`run` cleanly (from any thread): the task in flight is cancelled and reported, the control
        stream closed; :meth:`run` returns. A second call closes the stream at once."""
        with self._lock:
            self._stops_requested += 1
            hard = self._stops_requested > 1
            self._stop.set()
            runs = list(self._runs.values())
            outbox = self._outbox
            control = self._control
        for run in runs:
            run.cancel("the client is stopping")
        if outbox is not None:
            outbox.finish()  # the waiting reports still go up; then the stream half-closes and the combiner ends it
        if control is not None:
            if hard:
                control.cancel()
            else:
                timer = threading.Timer(_STOP_GRACE_SECONDS, control.cancel)
                timer.daemon = True
                timer.start()

    # ---- connection

    def _channel(self, target: str) -> grpc.Channel:
        if self._credentials is None:
            return grpc.insecure_channel(target, options=_CHANNEL_OPTIONS)
        return grpc.secure_channel(target, self._credentials, options=_CHANNEL_OPTIONS)

    def _assignment(self) -> str:
        """Asks the controller which combiner to connect to."""
        assert self.controller is not None
        with self._channel(self.controller) as channel:
            future = ControllerStub(channel).AssignCombiner.future(
                controller_pb2.AssignRequest(client_name=self.name, preferred_combiner=self.preferred_combiner),
                metadata=self.metadata,
                timeout=_ASSIGN_TIMEOUT_SECONDS,
            )
            with self._lock:
                self._control = future
                if self._stop.is_set():
                    future.cancel()
            try:
                response = future.result()
            except grpc.FutureCancelledError as error:
                raise TaskCancelled("the client is stopping") from error
            except grpc.RpcError as error:
                refusal = refusal_from_rpc_error(error)
                if refusal is not None:
                    raise refusal from error
                raise
            finally:
                with self._lock:
                    self._control = None
        target = parse_endpoint(response.address)
        if target is None:
            raise MalformedError(
                f"the controller assigned combiner {response.combiner} at '{response.address}', which is not HOST:PORT"
            )
        self.logger.info("Controller assigned combiner %s at %s", response.combiner, response.address)
        return target

    def _session(self, target: str, welcomed: threading.Event) -> None:
        """One connection to a combiner: the control stream, its heartbeats, and the tasks it hands out."""
        outbox = Outbox()
        outbox.send(
            combiner_pb2.ClientEvent(
                hello=combiner_pb2.ClientHello(
                    name=self.name,
                    trainers=["python"],
                    version=f"fedge-python/{__version__}",
                    labels=self.labels,
                )
            )
        )
        ended = threading.Event()
        heartbeats: threading.Thread | None = None
        with self._channel(target) as channel:
            combiner = CombinerStub(channel)
            models = ModelTransferStub(channel)
            call = combiner.Connect(iter(outbox), metadata=self.metadata)
            with self._lock:
                if self._stop.is_set():
                    call.cancel()
                    return
                self._outbox = outbox
                self._control = call
            try:
                for event in call:
                    kind = event.WhichOneof("event")
                    if kind == "welcome":
                        welcome = event.welcome
                        self.logger.info("Connected to combiner %s as client %s", welcome.combiner, welcome.client_id)
                        welcomed.set()
                        interval = self.heartbeat_interval or (
                            max(welcome.heartbeat_millis, 200) / 1000 if welcome.heartbeat_millis else 5.0
                        )
                        if heartbeats is None:
                            heartbeats = threading.Thread(
                                target=self._heartbeats,
                                args=(outbox, interval, ended),
                                name="fedge-heartbeats",
                                daemon=True,
                            )
                            heartbeats.start()
                    elif kind == "task":
                        self._start(event.task, outbox, combiner, models)
                    elif kind == "cancel":
                        self._cancel(event.cancel.task_id, event.cancel.reason)
            except grpc.RpcError as error:
                if self._stop.is_set():
                    return
                refusal = refusal_from_rpc_error(error)
                if refusal is not None:
                    raise refusal from error
                raise
            finally:
                ended.set()
                with self._lock:
                    self._outbox = None
                    self._control = None
                    runs = [run for run in self._runs.values() if run.reporter.outbox is outbox]
                for run in runs:
                    run.abandon("the connection to the combiner closed")
                outbox.finish()
                call.cancel()
                if heartbeats is not None:
                    heartbeats.join(timeout=1)

    def _heartbeats(self, outbox: Outbox, interval: float, ended: threading.Event) -> None:
        """Sends a heartbeat with telemetry every interval; only the newest waits in the outbox."""
        sampler = TelemetrySampler(self.work_dir)
        while not ended.is_set():
            try:
                telemetry = sampler.sample()
            except Exception:  # telemetry is best effort
                telemetry = common_pb2.Telemetry()
            running = self._slot.current
            outbox.coalesce(
                combiner_pb2.ClientEvent(
                    heartbeat=combiner_pb2.Heartbeat(telemetry=telemetry, running_task_id=running.id if running else "")
                ),
                key="heartbeat",
            )
            ended.wait(interval)

    def _cancel(self, task_id: str, reason: str) -> None:
        with self._lock:
            run = self._runs.get(task_id)
        if run is None:
            return
        self.logger.info("Task %s cancelled by the combiner: %s", task_id, reason or "no reason given")
        run.cancel(reason or "cancelled by the combiner")

    # ---- tasks

    def _start(
        self,
        assignment: combiner_pb2.TaskAssignment,
        outbox: Outbox,
        combiner: CombinerStub,
        models: ModelTransferStub,
    ) -> None:
        """Starts `assignment` in a worker thread (which waits for the task slot)."""
        reporter = _Reporter(assignment.task_id, outbox, self.logger)
        problem = _assignment_problem(assignment)
        if problem is not None:
            reporter.status(combiner_pb2.TASK_STATE_FAILED, str(problem))
            return
        token = CancelToken()
        context = TaskContext(assignment, _settings(assignment.client_settings_json), token, reporter)
        context._owner = self
        run = _TaskRun(context, token, reporter)
        with self._lock:
            previous = self._runs.get(run.id)
            if previous is not None:
                self.logger.warning("Task %s assigned again while it runs; the second assignment is ignored", run.id)
                return
            self._runs[run.id] = run
        thread = threading.Thread(
            target=self._work, args=(run, assignment, combiner, models), name=f"fedge-task-{run.id}", daemon=True
        )
        thread.start()

    def _work(
        self,
        run: _TaskRun,
        assignment: combiner_pb2.TaskAssignment,
        combiner: CombinerStub,
        models: ModelTransferStub,
    ) -> None:
        try:
            holder = self._slot.claim(run, stop=self._stop)
            if holder is not None:
                if run.token.cancelled:
                    run.finish(combiner_pb2.TASK_STATE_CANCELLED, "cancelled")
                else:
                    run.finish(
                        combiner_pb2.TASK_STATE_FAILED,
                        f"the client is busy with task {holder.id} and runs one task at a time",
                    )
                return
            try:
                self._execute(run, assignment, combiner, models)
            finally:
                self._slot.release(run)
        finally:
            with self._lock:
                if self._runs.get(run.id) is run:
                    del self._runs[run.id]

    def _execute(
        self,
        run: _TaskRun,
        assignment: combiner_pb2.TaskAssignment,
        combiner: CombinerStub,
        models: ModelTransferStub,
    ) -> None:
        """Runs one task: download the global model (verified), train or validate, upload the update, report.
        Never raises: a failed task leaves the client connected."""
        context = run.context
        token = run.token
        directory = self.work_dir / "tasks" / _safe(run.id)
        self.logger.info("Task %s received: %s, round %d", run.id, context.kind, context.round)
        _local.context = context
        try:
            token.raise_if_cancelled()
            run.reporter.status(combiner_pb2.TASK_STATE_RUNNING)
            shutil.rmtree(directory, ignore_errors=True)
            directory.mkdir(parents=True, exist_ok=True)
            timings = common_pb2.Timings()
            started = time.monotonic()
            model = directory / "global.safetensors"
            received = download_model(
                models,
                context.model_id,
                model,
                max_bytes=context.model_size or None,
                metadata=self.metadata,
                cancel=token,
                verify_id=False,
            )
            if received.sha256 != context.model_id:
                raise HashMismatchError(
                    f"the combiner sent model {received.sha256[:12]} for task {run.id}, "
                    f"which names {context.model_id[:12]}"
                )
            timings.download_seconds = time.monotonic() - started
            token.raise_if_cancelled()
            if assignment.kind == common_pb2.TASK_KIND_TRAIN:
                output = directory / "update.safetensors"
                started = time.monotonic()
                result = self._trainer.train(model, output, context.settings)
                timings.train_seconds = time.monotonic() - started
                token.raise_if_cancelled()  # the result of a cancelled task is never sent
                weight = _weight(result.num_examples)
                metrics = _metric_map(result.metrics)
                with contextlib.suppress(OSError):
                    model.unlink()  # free its disk space before the upload
                run.reporter.metrics(metrics)
                header = combiner_pb2.UpdateHeader(
                    task_id=run.id,
                    session_id=context.session_id,
                    round=context.round,
                    client=self.name,
                    num_examples=weight,
                    metrics=metrics,
                    timings=timings,
                )
                started = time.monotonic()
                receipt = upload_update(combiner, output, header, metadata=self.metadata, cancel=token)
                self.logger.info(
                    "Update %s accepted (task %s, %g examples, %.1f s upload)",
                    receipt.update_id[:12],
                    run.id,
                    weight,
                    time.monotonic() - started,
                )
                run.finish(combiner_pb2.TASK_STATE_SUCCEEDED, f"update {receipt.update_id} accepted")
            else:
                validation = self._trainer.validate(model, context.settings)
                token.raise_if_cancelled()
                metrics = _metric_map(validation.metrics)
                examples = float(validation.num_examples)
                if not (math.isfinite(examples) and examples >= 0):
                    raise ValueError(f"validate returned num_examples={validation.num_examples}; it must be >= 0")
                run.reporter.metrics(metrics)
                run.finish(
                    combiner_pb2.TASK_STATE_SUCCEEDED,
                    "validated",
                    ValidationResult(metrics=metrics, num_examples=examples),
                )
                self.logger.info("Validation done (task %s)", run.id)
        except TaskCancelled:
            self.logger.info("Task %s cancelled", run.id)
            run.finish(combiner_pb2.TASK_STATE_CANCELLED, "cancelled")
        except Exception as error:
            if token.cancelled:
                self.logger.info("Task %s cancelled (%s)", run.id, _describe(error))
                run.finish(combiner_pb2.TASK_STATE_CANCELLED, "cancelled")
            else:
                message = _describe(error)
                self.logger.warning("Task %s failed: %s", run.id, message, exc_info=not isinstance(error, FedgeError))
                run.finish(combiner_pb2.TASK_STATE_FAILED, message)
        finally:
            _local.context = None
            shutil.rmtree(directory, ignore_errors=True)

    # ---- signals and logs

    @contextlib.contextmanager
    def _signals(self) -> Iterator[None]:
        if not self.handle_signals or threading.current_thread() is not threading.main_thread():
            yield
            return

        def handler(signum: int, _frame: FrameType | None) -> None:
            self.logger.info("%s received: stopping", signal.Signals(signum).name)
            # Not in the handler itself: stop() takes locks the interrupted code may hold.
            threading.Thread(target=self.stop, name="fedge-stop", daemon=True).start()

        previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)

    @contextlib.contextmanager
    def _log_forwarding(self) -> Iterator[None]:
        if not self.forward_logs:
            yield
            return
        handler = _TaskLogHandler(self)
        root = logging.getLogger()
        root.addHandler(handler)
        try:
            yield
        finally:
            root.removeHandler(handler)


class _TaskLogHandler(logging.Handler):
    """Sends the log records emitted in a task's thread to the combiner, as that task's log lines."""

    def __init__(self, owner: Client) -> None:
        super().__init__(logging.NOTSET)
        self.owner = owner
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        context = current_task()
        if context is None or context._owner is not self.owner:
            return
        try:
            context.log(self.format(record), stream="client")
        except Exception:
            self.handleError(record)


# --------------------------------------------------------------------------------------------------------------
# Helpers


def _assignment_problem(assignment: combiner_pb2.TaskAssignment) -> RefusedError | None:
    if assignment.kind not in (common_pb2.TASK_KIND_TRAIN, common_pb2.TASK_KIND_VALIDATE):
        return MalformedError(f"task {assignment.task_id} has no kind")
    if not is_model_id(assignment.model_id):
        return MalformedError(f"task {assignment.task_id} names an invalid model id '{assignment.model_id}'")
    return None


def _weight(value: object) -> float:
    if isinstance(value, bool):
        raise TypeError("num_examples is a boolean; it must be a positive number")
    try:
        weight = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as error:
        raise TypeError(f"num_examples is {value!r}; it must be a positive number") from error
    if not (math.isfinite(weight) and weight > 0):
        raise ValueError(f"train returned num_examples={value}; it must be a positive number (the update's weight)")
    return weight


def _describe(error: BaseException) -> str:
    if isinstance(error, RefusedError):
        return str(error)
    if isinstance(error, grpc.RpcError) and isinstance(error, grpc.Call):
        return f"{error.code().name}: {error.details()}"
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _endpoint_or_raise(text: str, what: str) -> str:
    target = parse_endpoint(text)
    if target is None:
        raise ValueError(f"{what} '{text}' is not HOST:PORT")
    return target


def _pem(value: str | os.PathLike[str]) -> bytes:
    """PEM text given inline, or read from a file."""
    if isinstance(value, str) and "-----BEGIN" in value:
        return value.encode()
    return Path(value).read_bytes()


def _safe(identifier: str) -> str:
    return "".join(c if c.isalnum() or c == "-" else "_" for c in identifier) or "_"


def _now_millis() -> int:
    return int(time.time() * 1000)
