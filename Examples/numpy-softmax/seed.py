"""Writes a seed model to upload as the first global one: `python3 seed.py [OUT]` (default seed.safetensors).
Softmax regression starts at zero, as Fedge's built-in softmax trainer does."""

import sys

import numpy as np

import common

out = sys.argv[1] if len(sys.argv) > 1 else "seed.safetensors"
common.save_model(np.zeros((common.CLASSES, common.FEATURES), np.float32), np.zeros(common.CLASSES, np.float32), out)
print(f"wrote {out}: linear.weight [10, 64] and linear.bias [10], zeros")
