"""PyTorch helpers. Run only where torch is installed (pip install 'fedge[torch]'); importing fedge never needs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import fedge


def test_importing_fedge_does_not_import_torch() -> None:
    code = "import sys, fedge, fedge.torch; assert 'torch' not in sys.modules, 'torch was imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_state_dict_round_trip() -> None:
    torch = pytest.importorskip("torch")
    module = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
    state = module.state_dict()
    arrays = fedge.torch.state_dict_to_arrays(state)
    assert set(arrays) == set(state)
    assert arrays["0.weight"].dtype == np.float32 and arrays["0.weight"].shape == (3, 4)
    assert arrays["1.num_batches_tracked"].dtype == np.int64
    # The arrays are copies: changing them leaves the model alone.
    arrays["0.bias"][:] = 7
    assert not torch.equal(module.state_dict()["0.bias"], torch.full((3,), 7.0))

    back = fedge.torch.arrays_to_state_dict(arrays, like=state)
    assert back["0.bias"].dtype == torch.float32
    assert torch.equal(back["0.bias"], torch.full((3,), 7.0))
    assert back["1.num_batches_tracked"].dtype == torch.int64
    fedge.torch.load_arrays_into(module, arrays)
    assert torch.equal(module.state_dict()["0.bias"], torch.full((3,), 7.0))


def test_arrays_to_state_dict_takes_read_only_arrays() -> None:
    torch = pytest.importorskip("torch")
    array = np.arange(4, dtype=np.float32)
    array.flags.writeable = False
    tensors = fedge.torch.arrays_to_state_dict({"x": array})
    assert torch.equal(tensors["x"], torch.arange(4, dtype=torch.float32))


def test_tensors_in_a_train_result_are_saved(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    path = tmp_path / "update.safetensors"
    weights = torch.ones(2, 2, dtype=torch.float64, requires_grad=True)
    fedge.save_arrays({"w": weights}, path, like={"w": np.dtype("float32")})
    loaded = fedge.load_arrays(path)
    assert loaded["w"].dtype == np.float32 and loaded["w"].sum() == 4


def test_bfloat16_says_what_to_do() -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="no NumPy equivalent"):
        fedge.torch.state_dict_to_arrays({"w": torch.ones(2, dtype=torch.bfloat16)})
