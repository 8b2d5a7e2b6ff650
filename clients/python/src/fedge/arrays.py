"""Models as named NumPy arrays, read from and written to safetensors files."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["Arrays", "load_arrays", "save_arrays", "to_array"]

#: A model as named arrays (the tensors of a safetensors file).
Arrays = dict[str, npt.NDArray[Any]]


def load_arrays(path: str | os.PathLike[str]) -> Arrays:
    """The tensors of a safetensors file as named NumPy arrays."""
    from safetensors.numpy import load_file

    return dict(load_file(os.fspath(path)))


def save_arrays(
    model: Mapping[str, Any],
    path: str | os.PathLike[str],
    *,
    like: Mapping[str, np.dtype[Any]] | None = None,
) -> None:
    """Writes named arrays (NumPy arrays, PyTorch tensors, …) as a safetensors file.

    With `like` (the global model's dtypes by name), a floating-point array whose dtype differs from its global
    tensor's is cast to it, so an update computed in float64 is not refused as the wrong shape.
    """
    from safetensors.numpy import save_file

    arrays: dict[str, npt.NDArray[Any]] = {}
    for name, value in model.items():
        if not isinstance(name, str):
            raise TypeError(f"tensor names must be strings, not {type(name).__name__}")
        array = to_array(value)
        reference = like.get(name) if like is not None else None
        if reference is not None and array.dtype != reference and array.dtype.kind == "f" and reference.kind == "f":
            array = array.astype(reference)
        arrays[name] = np.ascontiguousarray(array)
    save_file(arrays, os.fspath(path))


def to_array(value: Any) -> npt.NDArray[Any]:
    """`value` (a NumPy array, a PyTorch tensor, or anything ``numpy.asarray`` takes) as a NumPy array."""
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a PyTorch tensor
        from .torch import tensor_to_array

        return tensor_to_array(value)
    return np.asarray(value)
