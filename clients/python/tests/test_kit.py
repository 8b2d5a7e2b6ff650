from __future__ import annotations

import json
import os
import stat
from datetime import datetime, timezone
from pathlib import Path

import grpc
import pytest

from fedge import Kit, KitError
from fedge.kit import token_subject

from fakes import fake_token


def kit_object(**overrides: object) -> dict[str, object]:
    kit: dict[str, object] = {
        "fedge_kit": 1,
        "role": "client",
        "name": "site-1",
        "controller": "controller.example:7000",
        "ca": "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n",
        "certificate": "-----BEGIN CERTIFICATE-----\nSITE\n-----END CERTIFICATE-----\n",
        "private_key": "-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n",
        "token": fake_token("site-1"),
        "token_id": "tok-1",
        "expires_at": "2031-05-06T07:08:09Z",
        "token_public_key": "-----BEGIN PUBLIC KEY-----\nPUB\n-----END PUBLIC KEY-----\n",
    }
    kit.update(overrides)
    return kit


def write_kit(path: Path, mode: int = 0o600, **overrides: object) -> Path:
    path.write_text(json.dumps(kit_object(**overrides), indent=2, sort_keys=True))
    os.chmod(path, mode)
    return path


def test_loads_a_kit(tmp_path: Path) -> None:
    kit = Kit.load(write_kit(tmp_path / "site-1.kit"))
    assert kit.name == "site-1"
    assert kit.role == "client"
    assert kit.controller == "controller.example:7000"
    assert kit.token_id == "tok-1"
    assert kit.expires_at == datetime(2031, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
    assert not kit.expired
    assert "KEY" not in repr(kit) and kit.token not in repr(kit)


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660, 0o602, 0o620, 0o610, 0o777])
def test_refuses_a_kit_others_may_read(tmp_path: Path, mode: int) -> None:
    path = write_kit(tmp_path / "site-1.kit", mode=mode)
    with pytest.raises(KitError) as raised:
        Kit.load(path)
    assert f"mode {mode:o}" in str(raised.value)
    assert f"chmod 600 {path}" in str(raised.value)


def test_accepts_a_kit_only_its_owner_reads(tmp_path: Path) -> None:
    assert Kit.load(write_kit(tmp_path / "a.kit", mode=0o400)).name == "site-1"


def test_refuses_a_missing_kit(tmp_path: Path) -> None:
    with pytest.raises(KitError, match="cannot read"):
        Kit.load(tmp_path / "missing.kit")


def test_refuses_other_formats_and_junk(tmp_path: Path) -> None:
    with pytest.raises(KitError, match="format 2"):
        Kit.load(write_kit(tmp_path / "v2.kit", fedge_kit=2))
    junk = tmp_path / "junk.kit"
    junk.write_text("not json")
    os.chmod(junk, 0o600)
    with pytest.raises(KitError, match="not a Fedge kit"):
        Kit.load(junk)
    with pytest.raises(KitError, match="'token'"):
        Kit.load(write_kit(tmp_path / "notoken.kit", token=None))


def test_reads_fractional_and_offset_dates(tmp_path: Path) -> None:
    kit = Kit.load(write_kit(tmp_path / "a.kit", expires_at="2020-01-02T03:04:05.5+01:00"))
    assert kit.expires_at == datetime(2020, 1, 2, 2, 4, 5, 500000, tzinfo=timezone.utc)
    assert kit.expired


def test_role_check(tmp_path: Path) -> None:
    kit = Kit.load(write_kit(tmp_path / "c.kit", role="combiner"))
    with pytest.raises(KitError, match="This is a combiner kit; a client kit is needed here."):
        kit.require_role("client")


def test_materializes_pem_files_privately(tmp_path: Path) -> None:
    kit = Kit.load(write_kit(tmp_path / "site-1.kit"))
    files = kit.materialize(tmp_path / "pem")
    assert stat.S_IMODE(os.stat(tmp_path / "pem").st_mode) == 0o700
    for path, text in ((files.ca, kit.ca), (files.certificate, kit.certificate), (files.private_key, kit.private_key)):
        assert path.read_text() == text
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert files.certificate.name == "site-1.pem" and files.private_key.name == "site-1-key.pem"
    # Writing again replaces the files (atomically) and leaves no temporary file behind.
    kit.materialize(tmp_path / "pem")
    assert sorted(p.name for p in (tmp_path / "pem").iterdir()) == ["ca.pem", "site-1-key.pem", "site-1.pem"]


def test_temporary_files_are_removed(tmp_path: Path) -> None:
    kit = Kit.load(write_kit(tmp_path / "site-1.kit"))
    with kit.temporary_files() as files:
        directory = files.ca.parent
        assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
        assert stat.S_IMODE(os.stat(files.private_key).st_mode) == 0o600
    assert not directory.exists()


def test_credentials() -> None:
    kit = Kit.decode(json.dumps(kit_object()))
    assert isinstance(kit.credentials(), grpc.ChannelCredentials)


def test_token_subject() -> None:
    assert token_subject(fake_token("site-7")) == "site-7"
    assert token_subject("opaque-token") is None
    assert token_subject("a.!!!.c") is None
