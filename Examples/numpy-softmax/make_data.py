"""Writes the UCI digits as an .npz for FEDGE_DATA: `python3 make_data.py [OUT.npz]` (default digits.npz).

Arrays: x (1797, 64) float32, the 8x8 pixels scaled from 0-16 to [0, 1]; y (1797,) int64, the digit. Needs
scikit-learn (which ships the data; nothing is downloaded).
"""

import sys

import numpy as np
from sklearn.datasets import load_digits

path = sys.argv[1] if len(sys.argv) > 1 else "digits.npz"
digits = load_digits()
np.savez(path, x=(digits.data / 16.0).astype(np.float32), y=digits.target.astype(np.int64))
print(f"wrote {path}: x {digits.data.shape}, y {digits.target.shape}")
