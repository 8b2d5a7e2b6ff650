"""Enrollment kits: the one JSON file (mode 0600) a client needs to join a federation.

A kit says who the client is (its name, token, certificate and key), whom to trust (the CA) and where to go (the
controller's address); ``fedge client enroll NAME --out FILE`` writes one. The format is FedgeSecurity/Kit.swift's:
``fedge_kit`` (1), ``role``, ``name``, ``controller``, ``ca``, ``certificate``, ``private_key``, ``token``,
``token_id``, ``expires_at`` (ISO 8601) and ``token_public_key``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import grpc

from .errors import FedgeError

__all__ = ["FORMAT_VERSION", "Kit", "KitError", "KitFiles", "token_claims", "token_subject", "write_secret"]

#: The kit format this client reads.
FORMAT_VERSION = 1

_FIELDS = (
    "role",
    "name",
    "controller",
    "ca",
    "certificate",
    "private_key",
    "token",
    "token_id",
    "expires_at",
    "token_public_key",
)


class KitError(FedgeError):
    """Why a kit cannot be used (unreadable, exposed to others, of the wrong role or format)."""


@dataclass(frozen=True)
class KitFiles:
    """Where a kit's PEM files were written."""

    ca: Path
    certificate: Path
    private_key: Path


@dataclass(frozen=True)
class Kit:
    """An enrollment kit. Load one with :meth:`Kit.load`."""

    role: str
    name: str
    #: The controller's gRPC address, HOST:PORT.
    controller: str
    #: PEM of the CA that signed the controller's and every node's certificate.
    ca: str
    #: PEM certificate naming this node.
    certificate: str
    #: PEM private key of `certificate`.
    private_key: str = ""
    #: The node's token (a JWT whose subject is its name).
    token: str = ""
    token_id: str = ""
    expires_at: datetime | None = None
    #: The controller's token-signing public key (PEM).
    token_public_key: str = ""
    fedge_kit: int = FORMAT_VERSION

    def __repr__(self) -> str:  # never print the key or the token
        return (
            f"Kit(role={self.role!r}, name={self.name!r}, controller={self.controller!r}, "
            f"expires_at={self.expires_at!r})"
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Kit:
        """Reads the kit at `path`, refusing one that its group or others may read, write or run (it holds a
        private key and a token: ``chmod 600`` it)."""
        path = os.fspath(path)
        try:
            with open(path, "rb") as file:
                mode = stat.S_IMODE(os.fstat(file.fileno()).st_mode)
                if mode & 0o077:
                    raise KitError(
                        f"The kit {path} is readable by others (mode {mode:o}); it holds secrets: chmod 600 {path}."
                    )
                data = file.read()
        except OSError as error:
            raise KitError(f"The kit cannot be used: cannot read {path} ({error.strerror}).") from error
        try:
            return cls.decode(data)
        except KitError as error:
            raise KitError(f"The kit cannot be used: {path}: {_reason(error)}.") from error

    @classmethod
    def decode(cls, data: bytes | str) -> Kit:
        """Reads a kit from its JSON text (without the file-mode check of :meth:`load`)."""
        try:
            object_ = json.loads(data)
        except (ValueError, UnicodeDecodeError) as error:
            raise KitError(f"The kit cannot be used: it is not a Fedge kit ({error}).") from error
        if not isinstance(object_, dict):
            raise KitError("The kit cannot be used: it is not a Fedge kit (not a JSON object).")
        return cls.from_dict(object_)

    @classmethod
    def from_dict(cls, object_: Mapping[str, Any]) -> Kit:
        """A kit from its decoded JSON object."""
        version = object_.get("fedge_kit")
        if not isinstance(version, int) or isinstance(version, bool):
            raise KitError("The kit cannot be used: it is not a Fedge kit (no fedge_kit format number).")
        if version != FORMAT_VERSION:
            raise KitError(
                f"The kit cannot be used: it is a kit of format {version}; this Fedge reads format {FORMAT_VERSION}."
            )
        values: dict[str, str] = {}
        for field in _FIELDS:
            value = object_.get(field)
            if not isinstance(value, str):
                raise KitError(f"The kit cannot be used: it is not a Fedge kit (no string '{field}').")
            values[field] = value
        if values["role"] not in ("client", "combiner"):
            raise KitError(f"The kit cannot be used: its role '{values['role']}' is neither client nor combiner.")
        return cls(
            role=values["role"],
            name=values["name"],
            controller=values["controller"],
            ca=values["ca"],
            certificate=values["certificate"],
            private_key=values["private_key"],
            token=values["token"],
            token_id=values["token_id"],
            expires_at=_parse_date(values["expires_at"]),
            token_public_key=values["token_public_key"],
            fedge_kit=version,
        )

    def require_role(self, role: str) -> None:
        """Raises :class:`KitError` unless this is a kit of `role`."""
        if self.role != role:
            raise KitError(f"This is a {self.role} kit; a {role} kit is needed here.")

    @property
    def expired(self) -> bool:
        """Whether the kit's token has expired."""
        return self.expires_at is not None and self.expires_at <= datetime.now(timezone.utc)

    def credentials(self) -> grpc.ChannelCredentials:
        """TLS both ways: trust only the kit's CA, and present the kit's certificate (mutual TLS)."""
        return grpc.ssl_channel_credentials(
            root_certificates=self.ca.encode(),
            private_key=self.private_key.encode() or None,
            certificate_chain=self.certificate.encode() or None,
        )

    def materialize(self, directory: str | os.PathLike[str]) -> KitFiles:
        """Writes the kit's PEM files into `directory` (created mode 0700; files mode 0600), for tools that read
        files, and returns where they are."""
        root = Path(directory)
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(root, 0o700)
        name = _safe_file_name(self.name)
        files = KitFiles(
            ca=root / "ca.pem",
            certificate=root / f"{name}.pem",
            private_key=root / f"{name}-key.pem",
        )
        write_secret(files.ca, self.ca.encode())
        write_secret(files.certificate, self.certificate.encode())
        write_secret(files.private_key, self.private_key.encode())
        return files

    @contextlib.contextmanager
    def temporary_files(self) -> Iterator[KitFiles]:
        """The kit's PEM files in a fresh private temporary directory, removed on exit."""
        directory = tempfile.mkdtemp(prefix="fedge-kit-")
        try:
            yield self.materialize(directory)
        finally:
            shutil.rmtree(directory, ignore_errors=True)


def write_secret(path: str | os.PathLike[str], data: bytes) -> None:
    """Writes `data` to `path` atomically, mode 0600 from the start."""
    target = Path(path)
    temporary = target.with_name(f".{target.name}.tmp-{os.urandom(4).hex()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def token_claims(token: str) -> dict[str, Any] | None:
    """The claims of a JWT, read without checking its signature (the servers check it); ``None`` when `token` is
    not a JWT."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return claims if isinstance(claims, dict) else None


def token_subject(token: str) -> str | None:
    """The subject (``sub``) of a JWT: the name its holder acts under; ``None`` when it names none."""
    claims = token_claims(token)
    subject = claims.get("sub") if claims else None
    return subject if isinstance(subject, str) and subject else None


def _parse_date(text: str) -> datetime:
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    # Python 3.10's fromisoformat takes only 0, 3 or 6 fractional digits: normalise to 6.
    match = re.match(r"^(.*T\d\d:\d\d:\d\d)\.(\d+)(.*)$", value)
    if match:
        value = f"{match.group(1)}.{match.group(2)[:6].ljust(6, '0')}{match.group(3)}"
    try:
        date = datetime.fromisoformat(value)
    except ValueError as error:
        raise KitError(f"The kit cannot be used: its expires_at '{text}' is not an ISO 8601 date.") from error
    return date if date.tzinfo is not None else date.replace(tzinfo=timezone.utc)


def _reason(error: KitError) -> str:
    text = str(error)
    prefix = "The kit cannot be used: "
    text = text[len(prefix) :] if text.startswith(prefix) else text
    return text.rstrip(".")


def _safe_file_name(name: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name).lstrip(".")
    return safe or "node"
