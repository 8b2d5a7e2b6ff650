from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from fedge import cli


def module_file(tmp_path: Path) -> Path:
    path = tmp_path / "mytraining.py"
    path.write_text(
        textwrap.dedent(
            """
            import fedge

            def train(model, settings):
                return fedge.TrainResult(model=model, num_examples=1)

            def validate(model, settings):
                return fedge.ValidationResult(metrics={})

            def other(model, settings):
                return None

            class Jobs:
                @staticmethod
                def fit(model, settings):
                    return None
            """
        )
    )
    return path


def test_loads_a_module_by_file(tmp_path: Path) -> None:
    module = cli.load_module(str(module_file(tmp_path)))
    assert callable(module.train) and callable(module.validate)


def test_loads_a_module_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module_file(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert cli.load_module("mytraining").__name__ == "mytraining"


def test_loads_functions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = module_file(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert cli.load_function("mytraining:other").__name__ == "other"
    assert cli.load_function(f"{path}:other").__name__ == "other"
    assert cli.load_function("mytraining:Jobs.fit").__name__ == "fit"
    module = cli.load_module("mytraining")
    assert cli.load_function("validate", module).__name__ == "validate"
    with pytest.raises(cli.FedgeError, match="has no 'missing'"):
        cli.load_function("mytraining:missing")
    with pytest.raises(cli.FedgeError, match="names no module"):
        cli.load_function("train")
    with pytest.raises(cli.FedgeError, match="cannot import module"):
        cli.load_module("no_such_module_anywhere")


def test_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        cli.main(["--module", "x"])
    assert raised.value.code == 2
    assert "needs an identity" in capsys.readouterr().err


def test_exposed_kit_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kit = tmp_path / "site.kit"
    kit.write_text("{}")
    kit.chmod(0o644)
    assert cli.main(["--kit", str(kit), "--module", str(module_file(tmp_path))]) == 1
    assert f"chmod 600 {kit}" in capsys.readouterr().err
