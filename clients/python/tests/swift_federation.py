"""A real Fedge federation for the end-to-end tests: the Swift `fedge-controller` and `fedge-combiner` binaries as
processes on loopback ports, driven with the `fedge` operator CLI over the controller's control socket.

The binaries come from ``$FEDGE_BIN_DIR``, else the repository's ``.build/debug`` (``swift build`` makes them);
without them the tests that need a federation are skipped with a message.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import load_file, save_file

REPOSITORY = Path(__file__).resolve().parents[3]
TOOLS = ("fedge-controller", "fedge-combiner", "fedge-client", "fedge")
CLIENT_SCRIPT = Path(__file__).with_name("e2e_client.py")


def binaries() -> Path | None:
    """The folder with the Swift binaries: ``$FEDGE_BIN_DIR`` (which must hold them all: CI sets it), else the
    repository's ``.build/debug``, or None when they are not built there."""
    named = os.environ.get("FEDGE_BIN_DIR")
    folder = Path(named or REPOSITORY / ".build" / "debug")
    missing = [tool for tool in TOOLS if not (folder / tool).is_file()]
    if missing and named:
        raise FileNotFoundError(f"FEDGE_BIN_DIR is {named}, which lacks {', '.join(missing)} (run `swift build`)")
    return None if missing else folder


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def eventually(condition: Callable[[], Any], timeout: float = 60, what: str = "the condition") -> Any:
    """Polls `condition` until it returns something truthy (returned) or `timeout` seconds pass (AssertionError)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:g} s")
        time.sleep(0.1)


class Federation:
    """A controller and one combiner as processes, with the files of a deployment under `root`."""

    def __init__(
        self,
        root: Path,
        bin_dir: Path,
        *,
        insecure: bool = False,
        combiner_port: int | None = None,
        advertise: int | None = None,
    ) -> None:
        self.root = root
        self.advertise = advertise  # the port the combiner tells its clients (a test's proxy), else its own
        self.bin = bin_dir
        self.insecure = insecure
        self.home = root / "controller-home"
        self.controller_port = free_port()
        self.combiner_port = combiner_port if combiner_port is not None else free_port()
        self.processes: list[subprocess.Popen[bytes]] = []
        self.environment = {**os.environ, "FEDGE_HOME": str(self.home)}

    # ---- processes

    def spawn(self, arguments: list[str], log: str) -> subprocess.Popen[bytes]:
        with open(self.root / log, "ab") as output:
            process = subprocess.Popen(
                arguments, stdout=output, stderr=subprocess.STDOUT, env=self.environment, cwd=self.root
            )
        self.processes.append(process)
        return process

    def start(self) -> None:
        tls = ["--insecure"] if self.insecure else []
        self.run(self.bin / "fedge-controller", "init", "--home", str(self.home))
        self.controller = self.spawn(
            [
                str(self.bin / "fedge-controller"), "serve", "--home", str(self.home),
                "--listen", f"127.0.0.1:{self.controller_port}", "--listen-api", "none", "--upload-grace", "5", *tls,
            ],
            "controller.log",
        )
        eventually(lambda: self.fedge_ok("model", "list"), what="the controller answering")
        self.fedge("combiner", "enroll", "alpha", "--host", "127.0.0.1", "--out", str(self.root / "alpha.kit"),
                   json_output=False)
        self.combiner = self.spawn(
            [
                str(self.bin / "fedge-combiner"), "serve", "--kit", str(self.root / "alpha.kit"),
                "--listen", f"127.0.0.1:{self.combiner_port}", "--controller", f"127.0.0.1:{self.controller_port}",
                "--home", str(self.root / "alpha"), "--socket", "none", *tls,
                *(["--advertise", f"127.0.0.1:{self.advertise}"] if self.advertise is not None else []),
            ],
            "combiner.log",
        )
        eventually(
            lambda: any(c["status"] == "online" for c in self.fedge("combiner", "list")["items"]),
            what="the combiner attaching",
        )

    def close(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in reversed(self.processes):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def logs(self) -> str:
        """Every process's log, for a failing test's report."""
        return "\n".join(f"==> {path.name}\n{path.read_text(errors='replace')}" for path in self.root.glob("*.log"))

    # ---- the operator's CLI

    def run(self, *arguments: str | Path) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(a) for a in arguments], capture_output=True, text=True, env=self.environment, timeout=60
        )
        if result.returncode != 0:
            raise AssertionError(f"{' '.join(map(str, arguments))} failed ({result.returncode}): {result.stderr}")
        return result

    def fedge(self, *arguments: str, json_output: bool = True) -> Any:
        result = self.run(self.bin / "fedge", *arguments, *(["--json"] if json_output else []))
        return json.loads(result.stdout) if json_output else result.stdout

    def fedge_ok(self, *arguments: str) -> bool:
        result = subprocess.run(
            [str(self.bin / "fedge"), *arguments], capture_output=True, env=self.environment, timeout=60
        )
        return result.returncode == 0

    def enroll(self, name: str, ttl: str = "1d") -> Path:
        path = self.root / f"{name}.kit"
        self.fedge("client", "enroll", name, "--ttl", ttl, "--out", str(path), json_output=False)
        return path

    def upload_seed(self, arrays: Mapping[str, np.ndarray]) -> str:
        path = self.root / "seed.safetensors"
        save_file(dict(arrays), str(path))
        model: dict[str, Any] = self.fedge("model", "upload", str(path), "--activate")
        return str(model["id"])

    def download(self, model_id: str) -> dict[str, np.ndarray]:
        path = self.root / f"{model_id[:12]}.safetensors"
        self.fedge("model", "download", model_id, "--out", str(path), json_output=False)
        return load_file(str(path))

    def start_session(self, *flags: str) -> str:
        validation = [] if "--validate" in flags else ["--no-validate"]
        session: dict[str, Any] = self.fedge("session", "start", *validation, *flags)
        return str(session["id"])

    def session(self, session_id: str) -> dict[str, Any]:
        shown: dict[str, Any] = self.fedge("session", "show", session_id)
        return shown

    def wait_session(self, session_id: str, timeout: float = 90) -> dict[str, Any]:
        """Waits for the session to end; returns ``session show``'s JSON (the session and its rounds)."""

        def ended() -> dict[str, Any] | None:
            shown = self.session(session_id)
            return shown if shown["session"]["status"] in ("finished", "failed", "stopped") else None

        result: dict[str, Any] = eventually(ended, timeout, f"session {session_id} ending")
        return result

    def online(self) -> set[str]:
        return {c["name"] for c in self.fedge("client", "list")["items"] if c["status"] == "online"}

    def wait_online(self, names: set[str], timeout: float = 60) -> None:
        eventually(lambda: names <= self.online(), timeout, f"clients {sorted(names)} online")

    # ---- clients

    def python_client(self, kit: Path, mode: str, *arguments: object) -> subprocess.Popen[bytes]:
        """A Python client process running tests/e2e_client.py (see its modes)."""
        return self.spawn(
            [sys.executable, str(CLIENT_SCRIPT), str(kit), mode, *map(str, arguments)], f"{kit.stem}.log"
        )

    def swift_client(self, kit: Path, *options: str) -> subprocess.Popen[bytes]:
        """`fedge-client run` with `options` (default ``--trainer noop``: the global model plus 0.001, weighing 1)."""
        tls = ["--insecure"] if self.insecure else []
        return self.spawn(
            [
                str(self.bin / "fedge-client"), "run", "--kit", str(kit), "--heartbeat", "1",
                "--work-dir", str(self.root / "swift-work"), *tls, *(options or ("--trainer", "noop")),
            ],
            f"{kit.stem}.log",
        )

    def spawn_script(self, log: str, *arguments: object) -> subprocess.Popen[bytes]:
        """A Python script with this interpreter (the one the fedge package is installed in)."""
        return self.spawn([sys.executable, *map(str, arguments)], log)


@contextmanager
def federation(
    root: Path,
    bin_dir: Path,
    *,
    insecure: bool = False,
    combiner_port: int | None = None,
    advertise: int | None = None,
) -> Iterator[Federation]:
    running = Federation(root, bin_dir, insecure=insecure, combiner_port=combiner_port, advertise=advertise)
    try:
        running.start()
        yield running
    except BaseException:
        running.close()
        sys.stderr.write(running.logs()[-20000:])
        raise
    running.close()
