"""``fedge-python-client``: runs a module's ``train`` and ``validate`` functions as a Fedge client.

fedge-python-client --kit site-1.kit --module mytraining
fedge-python-client --kit site-1.kit --module path/to/train.py
fedge-python-client --kit site-1.kit --train mypkg.jobs:fit --validate mypkg.jobs:score
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from ._version import __version__
from .client import Client
from .errors import FedgeError, PermissionDeniedError, UnauthenticatedError
from .kit import KitError

__all__ = ["load_function", "load_module", "main"]


def load_module(spec: str) -> ModuleType:
    """Imports a module by dotted name (``pkg.mod``, found from the current directory too) or by file path
    (``path/to/mod.py``)."""
    path = Path(spec)
    if spec.endswith(".py") or os.sep in spec or path.is_file():
        if not path.is_file():
            raise FedgeError(f"no module file {spec}")
        name = f"fedge_user_{path.stem}"
        module_spec = importlib.util.spec_from_file_location(name, path)
        if module_spec is None or module_spec.loader is None:
            raise FedgeError(f"cannot load {spec} as a Python module")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        # The module's own folder first, so it imports its neighbours as when run as a script.
        sys.path.insert(0, str(path.resolve().parent))
        module_spec.loader.exec_module(module)
        return module
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(spec)
    except ImportError as error:
        raise FedgeError(f"cannot import module '{spec}': {error}") from error


def load_function(spec: str, default_module: ModuleType | None = None) -> Callable[..., Any]:
    """The function `spec` names: ``pkg.mod:func``, ``path/to/mod.py:func``, or ``func`` in `default_module`."""
    module_name, colon, attribute = spec.rpartition(":")
    if colon and module_name and not (len(module_name) == 1 and module_name.isalpha()):  # not a Windows drive
        module = load_module(module_name)
    elif default_module is not None:
        module, attribute = default_module, spec
    else:
        raise FedgeError(f"'{spec}' names no module: give MODULE:FUNCTION, or --module")
    function = module
    for part in attribute.split("."):
        try:
            function = getattr(function, part)
        except AttributeError as error:
            raise FedgeError(f"{module.__name__} has no '{attribute}'") from error
    if not callable(function):
        raise FedgeError(f"{module.__name__}.{attribute} is not a function")
    return function


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fedge-python-client",
        description="Join a Fedge federation and run a module's train and validate functions on its tasks, "
        "until stopped (Ctrl-C).",
        epilog="train(model, settings) -> fedge.TrainResult and validate(model, settings) -> "
        "fedge.ValidationResult get the global model as a dict of NumPy arrays (with --files: "
        "train(model_path, output_path, settings) and validate(model_path, settings)).",
    )
    parser.add_argument("--kit", help="this client's kit (from `fedge client enroll NAME --out FILE`)")
    parser.add_argument("--module", help="the module with train and validate functions: a dotted name or a .py file")
    parser.add_argument("--train", help="the train function: NAME in --module, or MODULE:NAME")
    parser.add_argument("--validate", help="the validate function: NAME in --module, or MODULE:NAME")
    parser.add_argument("--files", action="store_true", help="hand the functions file paths instead of arrays")
    parser.add_argument("--controller", help="the controller to ask for a combiner, HOST:PORT (default: the kit's)")
    parser.add_argument("--combiner", help="connect to this combiner, HOST:PORT, instead of asking the controller")
    parser.add_argument("--prefer-combiner", help="the combiner to ask the controller for")
    parser.add_argument("--token-file", help="without a kit: a file holding this client's token")
    parser.add_argument("--ca", help="a PEM file of the CA to trust (default: the kit's)")
    parser.add_argument("--certificate", help="a PEM client certificate for mutual TLS (default: the kit's)")
    parser.add_argument("--private-key", help="the PEM key of --certificate (default: the kit's)")
    parser.add_argument("--name", help="the name to announce (default: the kit's, or the token's subject)")
    parser.add_argument("--insecure", action="store_true", help="plaintext gRPC, for local development only")
    parser.add_argument("--work-dir", help="where models and updates go while a task runs")
    parser.add_argument(
        "--heartbeat", type=float, help="seconds between heartbeats (default: what the combiner asks for)"
    )
    parser.add_argument(
        "--label", action="append", default=[], metavar="KEY=VALUE", help="a label announced in the hello (repeat)"
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="the least severe log records shown (default: INFO)",
    )
    parser.add_argument("--version", action="version", version=f"fedge-python-client {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    arguments = parser.parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, arguments.log_level),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if arguments.kit is None and arguments.token_file is None:
        parser.error("a client needs an identity: give --kit FILE, or --token-file FILE")
    if arguments.module is None and arguments.train is None and arguments.validate is None:
        parser.error("give --module (with train and validate functions), or --train and/or --validate")
    labels: dict[str, str] = {}
    for label in arguments.label:
        key, equals, value = label.partition("=")
        if not equals or not key:
            parser.error(f"--label '{label}' is not KEY=VALUE")
        labels[key] = value
    try:
        module = load_module(arguments.module) if arguments.module else None
        train = _function(arguments.train, "train", module)
        validate = _function(arguments.validate, "validate", module)
        if train is None and validate is None:
            raise FedgeError(f"{arguments.module} has neither a train nor a validate function")
        token = None
        if arguments.token_file:
            token = Path(arguments.token_file).read_text().strip()
        client = Client(
            kit=arguments.kit,
            train=train,
            validate=validate,
            controller=arguments.controller,
            combiner=arguments.combiner,
            token=token,
            ca=arguments.ca,
            certificate=arguments.certificate,
            private_key=arguments.private_key,
            name=arguments.name,
            insecure=arguments.insecure,
            preferred_combiner=arguments.prefer_combiner,
            labels=labels,
            work_dir=arguments.work_dir,
            heartbeat_interval=arguments.heartbeat,
            files=arguments.files,
        )
        client.run()
    except (UnauthenticatedError, PermissionDeniedError) as error:
        print(f"fedge-python-client: refused: {error}", file=sys.stderr)
        return 1
    except (FedgeError, KitError, ValueError, OSError) as error:
        print(f"fedge-python-client: {error}", file=sys.stderr)
        return 1
    return 0


def _function(spec: str | None, default: str, module: ModuleType | None) -> Callable[..., Any] | None:
    if spec is not None:
        return load_function(spec, module)
    if module is None:
        return None
    function = getattr(module, default, None)
    return function if callable(function) else None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
