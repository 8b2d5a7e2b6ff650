"""Startup: prepares this client's part of the UCI digits, in data/clients/<I>-of-<N>/digits.npz.

The digits come from the .npz named by FEDGE_DATA (arrays x (N, 64) float32 in [0, 1] and y (N,) int64), else from
scikit-learn's load_digits when it is installed (it ships the data: no download), else the script stops with
status 2. The client's shard is FEDGE_SHARD, I/N (default 1/1): every N-th sample from I-1 of the data in a fixed
shuffled order (seed 1); the last 20% of it is kept as the local test split.
"""

import os
import sys

import numpy as np

dir_path = os.path.dirname(os.path.realpath(__file__))
abs_path = os.path.abspath(dir_path)


def fail(message):
    print(f"error: {message}", file=sys.stderr, flush=True)
    sys.exit(2)


def get_data():
    """All the digits: x (N, 64) float32 in [0, 1] and y (N,) int64."""
    path = os.environ.get("FEDGE_DATA")
    if path:
        if not os.path.isfile(path):
            fail(f"FEDGE_DATA is {path!r}, which is not a file")
        with np.load(path) as data:
            if "x" not in data or "y" not in data:
                fail(f"{path} must hold the arrays x (N, 64) and y (N,)")
            x, y = data["x"], data["y"]
    else:
        try:
            from sklearn.datasets import load_digits
        except ImportError:
            fail(
                "no data: set FEDGE_DATA to an .npz with arrays x (N, 64) float32 in [0, 1] and y (N,) int64, "
                "or install scikit-learn to build the digits with load_digits"
            )
        digits = load_digits()
        x, y = digits.data / 16.0, digits.target
    x, y = np.asarray(x, dtype=np.float32), np.asarray(y, dtype=np.int64)
    if x.ndim != 2 or x.shape[1] != 64 or y.shape != (x.shape[0],):
        fail(f"the data must be x (N, 64) and y (N,); it is x {x.shape} and y {y.shape}")
    return x, y


def shard():
    text = os.environ.get("FEDGE_SHARD", "1/1")
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        fail(f"FEDGE_SHARD must be I/N, like 3/8; it is {text!r}")
    if not 1 <= index <= count:
        fail(f"FEDGE_SHARD {text!r}: I must be from 1 to N")
    return index, count


def default_data_path():
    index, count = shard()
    return os.environ.get("FEDN_DATA_PATH", f"{abs_path}/data/clients/{index}-of-{count}/digits.npz")


def split(out_path=None):
    """Writes this client's train and test split to out_path."""
    out_path = out_path or default_data_path()
    x, y = get_data()
    index, count = shard()
    order = np.random.default_rng(1).permutation(len(y))[index - 1 :: count]
    cut = len(order) - int(round(len(order) * 0.2))
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    np.savez_compressed(
        out_path,
        x_train=x[order[:cut]],
        y_train=y[order[:cut]],
        x_test=x[order[cut:]],
        y_test=y[order[cut:]],
    )
    print(f"client {index}/{count}: {cut} training and {len(order) - cut} test samples in {out_path}")
    return out_path


def load_data(data_path=None, is_train=True):
    """Load data from disk (made first, if the startup entry point has not run).

    :param data_path: Path to data file.
    :type data_path: str
    :param is_train: Whether to load training or test data.
    :type is_train: bool
    :return: Tuple of data and labels.
    :rtype: tuple
    """
    if data_path is None:
        data_path = default_data_path()
    if not os.path.exists(data_path):
        split(data_path)
    with np.load(data_path) as data:
        if is_train:
            return data["x_train"], data["y_train"]
        return data["x_test"], data["y_test"]


if __name__ == "__main__":
    # Prepare data (again: it is cheap, and FEDGE_DATA or FEDGE_SHARD may have changed)
    split()
