#!/usr/bin/env python3
"""Print a safetensors file as JSON, read with Python's `safetensors` package (the reference implementation).

Usage: safetensors-dump.py FILE

Output: {"__metadata__": {...}, "tensors": {NAME: {"dtype": ..., "shape": [...], "values": [...]}}}.
Tensors NumPy knows are read with `safe_open(framework="numpy")`; BF16 (which NumPy lacks) from the bytes that
`safetensors.deserialize` returns, widened to float32. Fedge's tests use this to check that files Fedge writes
load in Python.
"""
import json
import sys

import numpy as np
from safetensors import deserialize, safe_open


def main(path):
    with open(path, "rb") as handle:
        parsed = deserialize(handle.read())
    out = {"tensors": {}}
    with safe_open(path, framework="numpy") as f:
        out["__metadata__"] = f.metadata() or {}
        for name, info in parsed:
            entry = {"dtype": info["dtype"], "shape": list(info["shape"])}
            if info["dtype"] == "BF16":
                raw = np.frombuffer(bytes(info["data"]), dtype="<u2").astype("<u4") << 16
                entry["values"] = raw.view("<f4").astype(float).tolist()
            else:
                entry["values"] = f.get_tensor(name).astype(float).reshape(-1).tolist()
            out["tensors"][name] = entry
    json.dump(out, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1])
