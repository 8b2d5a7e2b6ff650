#!/usr/bin/env python3
"""Regenerate the safetensors fixtures made with Python's `safetensors` package.

Usage: python3 Scripts/make-fixtures.py   (from the repository root; needs numpy and safetensors)

Writes Tests/FedgeTensorTests/Fixtures/*.safetensors with the expected values in python-fixtures.json, and the
small example models of README.md under Examples/models/.
"""
import json
import os

import numpy as np
from safetensors import serialize
from safetensors.numpy import save_file

FIXTURES = "Tests/FedgeTensorTests/Fixtures"
EXAMPLES = "Examples/models"


def bf16_array(values):
    bits = np.asarray(values, dtype="<f4").view("<u4")
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype("<u2")


def serialize_raw(tensors, metadata):
    """Serialize {name: (dtype, shape, numpy array of the raw little-endian bits)} with the low-level API."""
    try:
        from safetensors import TensorSpec  # safetensors >= 0.8
    except ImportError:
        TensorSpec = None
    names = {"BF16": "bfloat16", "F32": "float32"}
    specs = {}
    for name, (dtype, shape, array) in tensors.items():
        if TensorSpec is None:
            specs[name] = {"dtype": dtype, "shape": shape, "data": array.tobytes()}
        else:
            specs[name] = TensorSpec(
                dtype=names[dtype], shape=shape, data_ptr=array.ctypes.data, data_len=array.nbytes
            )
    return bytes(serialize(specs, metadata=metadata))


def main():
    os.makedirs(FIXTURES, exist_ok=True)
    os.makedirs(EXAMPLES, exist_ok=True)
    expected = {}

    f32 = {
        "dense.weight": np.arange(12, dtype=np.float32).reshape(3, 4) / 8 - 0.75,
        "dense.bias": np.array([0.5, -1.25, 3.0, 1e-3], dtype=np.float32),
        "bn.num_batches_tracked": np.array(17, dtype=np.int64),
        "scalar": np.array(2.5, dtype=np.float32),
        "empty": np.zeros((0,), dtype=np.float32),
    }
    save_file(f32, f"{FIXTURES}/python-f32.safetensors", metadata={"format": "np", "source": "python"})
    expected["python-f32.safetensors"] = f32

    mixed = {
        "half": np.array([0.5, -2.0, 65504.0, 6.1e-5, 0.0], dtype=np.float16),
        "double": np.array([[1.0 / 3, -2.0], [1e300, 5e-324]], dtype=np.float64),
        "ints": np.array([-7, 0, 2147483647], dtype=np.int32),
        "bytes": np.array([0, 1, 128, 255], dtype=np.uint8),
        "mask": np.array([True, False, True]),
    }
    save_file(mixed, f"{FIXTURES}/python-mixed.safetensors")
    expected["python-mixed.safetensors"] = mixed

    bf16_values = np.array([1.0, -0.5, 3.140625, 1024.0, -0.0078125, 0.0], dtype=np.float32)
    weights = bf16_array(bf16_values)
    bias = np.array([1.5, -1.5], dtype="<f4")
    bf16 = serialize_raw(
        {"weights": ("BF16", [2, 3], weights), "bias": ("F32", [2], bias)},
        metadata={"dtype": "bf16"},
    )
    with open(f"{FIXTURES}/python-bf16.safetensors", "wb") as handle:
        handle.write(bf16)
    expected["python-bf16.safetensors"] = {"weights": bf16_values.reshape(2, 3), "bias": np.array([1.5, -1.5])}

    summary = {
        file: {
            name: {
                "shape": list(np.shape(array)),
                "values": np.asarray(array).astype(float).reshape(-1).tolist(),
            }
            for name, array in tensors.items()
        }
        for file, tensors in expected.items()
    }
    with open(f"{FIXTURES}/python-fixtures.json", "w") as handle:
        json.dump(summary, handle, indent=1, sort_keys=True)

    rng = np.random.default_rng(7)
    base = {
        "layer.weight": rng.normal(size=(4, 3)).astype(np.float32),
        "layer.bias": np.zeros((3,), dtype=np.float32),
        "steps": np.array(0, dtype=np.int64),
    }
    save_file(base, f"{EXAMPLES}/base.safetensors", metadata={"example": "fedge"})
    for name in ["client-a", "client-b", "client-c"]:
        update = {k: (v + rng.normal(scale=0.1, size=v.shape).astype(v.dtype) if v.dtype == np.float32 else v)
                  for k, v in base.items()}
        save_file(update, f"{EXAMPLES}/{name}.safetensors")


if __name__ == "__main__":
    main()
