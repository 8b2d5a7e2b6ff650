"""PyTorch helpers: a ``state_dict`` to named NumPy arrays and back. PyTorch is imported only when these run.

>>> arrays = fedge.torch.state_dict_to_arrays(model.state_dict())
>>> model.load_state_dict(fedge.torch.arrays_to_state_dict(arrays, like=model.state_dict()))
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["arrays_to_state_dict", "load_arrays_into", "state_dict_to_arrays", "tensor_to_array"]


def tensor_to_array(tensor: Any) -> npt.NDArray[Any]:
    """A tensor's values as a NumPy array (detached, on the CPU, a copy that does not share its memory)."""
    value = tensor.detach().cpu()
    try:
        return np.array(value.numpy(), copy=True)
    except TypeError as error:  # bfloat16 and other dtypes NumPy has no equivalent of
        raise TypeError(
            f"a {value.dtype} tensor has no NumPy equivalent; convert the model (model.float()) or use "
            "fedge.Client(files=True) and write the safetensors file yourself"
        ) from error


def state_dict_to_arrays(state_dict: Mapping[str, Any]) -> dict[str, npt.NDArray[Any]]:
    """A PyTorch ``state_dict`` as named NumPy arrays, ready for :class:`fedge.TrainResult`.

    Entries that are not tensors (rare; extra state of custom modules) are left out.
    """
    arrays: dict[str, npt.NDArray[Any]] = {}
    for name, value in state_dict.items():
        if hasattr(value, "detach") and hasattr(value, "cpu"):
            arrays[name] = tensor_to_array(value)
    return arrays


def arrays_to_state_dict(
    arrays: Mapping[str, npt.ArrayLike],
    *,
    like: Mapping[str, Any] | None = None,
    device: Any = None,
) -> dict[str, Any]:
    """Named arrays as a ``state_dict`` of PyTorch tensors (a ``dict[str, torch.Tensor]``).

    Args:
        arrays: the model, as a train or validate function receives it.
        like: a ``state_dict`` to match: each tensor takes the dtype and device of its namesake there.
        device: where to put the tensors without a namesake in `like` (default: the CPU).
    """
    import torch

    tensors: dict[str, Any] = {}
    for name, value in arrays.items():
        # A writable copy: torch.from_numpy refuses read-only arrays, and the tensor must not alias the caller's.
        tensor = torch.from_numpy(np.array(value, copy=True))
        reference = like.get(name) if like is not None else None
        if reference is not None and hasattr(reference, "dtype"):
            tensor = tensor.to(dtype=reference.dtype, device=reference.device)
        elif device is not None:
            tensor = tensor.to(device)
        tensors[name] = tensor
    return tensors


def load_arrays_into(module: Any, arrays: Mapping[str, npt.ArrayLike], *, strict: bool = True) -> Any:
    """Loads named arrays into a ``torch.nn.Module`` (matching its tensors' dtypes and devices); returns what
    ``load_state_dict`` returns."""
    return module.load_state_dict(arrays_to_state_dict(arrays, like=module.state_dict()), strict=strict)
