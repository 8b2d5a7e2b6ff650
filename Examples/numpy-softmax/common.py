"""What train.py and validate.py share: the data, this client's shard, the settings, the model and its maths.

Softmax regression on the UCI handwritten digits (8x8 pixels scaled to [0, 1], 10 classes), in NumPy. The model
is named as PyTorch names an `nn.Linear(64, 10)` called `linear`, so it is interchangeable with Fedge's built-in
softmax trainer: `linear.weight` [10, 64] and `linear.bias` [10], float32.
"""

import json
import os
import sys

import numpy as np
from safetensors.numpy import load_file, save_file

FEATURES = 64
CLASSES = 10
SPLIT_SEED = 1  # every client shuffles the data the same way, so the shards are disjoint
TEST_FRACTION = 0.2

# The defaults of Fedge's built-in trainers (FedgeLearning.SGDSettings).
DEFAULTS = {"epochs": 3, "learning_rate": 0.3, "batch_size": 32, "mu": 0.0}
# Other names for the same settings, as other frameworks spell them.
ALIASES = {"epochs": ["local_epochs"], "learning_rate": ["lr"], "batch_size": [], "mu": ["proximal_mu"]}


def fail(message, status=2):
    """Stops with `message` on stderr: Fedge shows the last lines of a failed entry point."""
    print(f"error: {message}", file=sys.stderr, flush=True)
    sys.exit(status)


def load_data():
    """All the digits: x (N, 64) float32 in [0, 1], y (N,) int64.

    From the .npz named by FEDGE_DATA (arrays `x` and `y`) when it is set, else built by scikit-learn's
    `load_digits` (it ships the data: no download), else a clear error.
    """
    path = os.environ.get("FEDGE_DATA")
    if path:
        if not os.path.isfile(path):
            fail(f"FEDGE_DATA is {path!r}, which is not a file")
        try:
            with np.load(path) as archive:
                x, y = archive["x"], archive["y"]
        except KeyError as missing:
            fail(f"{path} lacks the array {missing} (it must hold x (N, 64) and y (N,))")
        except Exception as error:  # noqa: BLE001 - any unreadable file gets the same answer
            fail(f"cannot read {path} as an .npz: {error}")
    else:
        try:
            from sklearn.datasets import load_digits
        except ImportError:
            fail(
                "no data: set FEDGE_DATA to an .npz with arrays x (N, 64) float32 in [0, 1] and y (N,) int64 "
                "(make_data.py writes one), or install scikit-learn to build the digits with load_digits"
            )
        digits = load_digits()
        x, y = digits.data / 16.0, digits.target
    x = np.asarray(x, dtype=np.float32)
    y = np.asarray(y, dtype=np.int64)
    if x.ndim != 2 or x.shape[1] != FEATURES or y.shape != (x.shape[0],):
        fail(f"the data must be x (N, {FEATURES}) and y (N,); it is x {x.shape} and y {y.shape}")
    if len(y) and (y.min() < 0 or y.max() >= CLASSES):
        fail(f"the labels must be 0 to {CLASSES - 1}; they run from {y.min()} to {y.max()}")
    return x, y


def shard():
    """This client's shard, (I, N) from FEDGE_SHARD `I/N` (the I-th of N clients, from 1); default (1, 1)."""
    text = os.environ.get("FEDGE_SHARD", "1/1")
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        fail(f"FEDGE_SHARD must be I/N, like 3/8; it is {text!r}")
    if not 1 <= index <= count:
        fail(f"FEDGE_SHARD {text!r}: I must be from 1 to N")
    return index, count


def local_split():
    """This client's (x_train, y_train, x_test, y_test): every N-th sample from I-1 of the data in a fixed shuffled
    order (seed 1), of which the last 20% is kept for validation."""
    x, y = load_data()
    index, count = shard()
    order = np.random.default_rng(SPLIT_SEED).permutation(len(y))[index - 1 :: count]
    cut = len(order) - int(round(len(order) * TEST_FRACTION))
    train, test = order[:cut], order[cut:]
    return x[train], y[train], x[test], y[test]


def read_settings(model_path):
    """The client settings from `<model>-metadata` (Fedge writes them at the top level and again under
    `client_settings`); missing ones keep Fedge's defaults."""
    settings = dict(DEFAULTS)
    path = model_path + "-metadata"
    try:
        with open(path) as handle:
            metadata = json.load(handle)
    except FileNotFoundError:
        return settings
    except ValueError as error:
        fail(f"{path} is not JSON: {error}")
    if not isinstance(metadata, dict):
        fail(f"{path} must hold a JSON object")
    nested = metadata.get("client_settings")
    sources = [nested, metadata] if isinstance(nested, dict) else [metadata]
    for key in DEFAULTS:
        for source in sources:
            found = next((source[name] for name in [key, *ALIASES[key]] if name in source), None)
            if found is not None:
                settings[key] = found
                break
    try:
        settings["epochs"] = int(settings["epochs"])
        settings["batch_size"] = int(settings["batch_size"])
        settings["learning_rate"] = float(settings["learning_rate"])
        settings["mu"] = float(settings["mu"])
    except (TypeError, ValueError):
        fail(f"the client settings must be numbers: {json.dumps({k: settings[k] for k in DEFAULTS})}")
    if not (
        0 <= settings["epochs"] <= 1000
        and settings["batch_size"] >= 1
        and 0 < settings["learning_rate"] < float("inf")
        and 0 <= settings["mu"] < float("inf")
    ):
        fail("client settings out of range: epochs 0-1000, learning_rate > 0, batch_size >= 1, mu >= 0")
    return settings


def load_model(path):
    """(weight [10, 64], bias [10]) as float32 from the safetensors file at `path`."""
    try:
        tensors = load_file(path)
    except Exception as error:  # noqa: BLE001
        fail(f"cannot read the model {path} as safetensors: {error}")
    shapes = {"linear.weight": (CLASSES, FEATURES), "linear.bias": (CLASSES,)}
    for name, shape in shapes.items():
        if name not in tensors:
            fail(f"the model lacks {name}; it holds {sorted(tensors)} (is it a softmax regression on the digits?)")
        if tensors[name].shape != shape:
            fail(f"{name} is {list(tensors[name].shape)}; this package wants {list(shape)}")
    return tensors["linear.weight"].astype(np.float32), tensors["linear.bias"].astype(np.float32)


def save_model(weight, bias, path):
    save_file(
        {
            "linear.weight": np.ascontiguousarray(weight, np.float32),
            "linear.bias": np.ascontiguousarray(bias, np.float32),
        },
        path,
    )


def probabilities(weight, bias, x):
    logits = x @ weight.T + bias
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


def evaluate(weight, bias, x, y):
    """(mean cross-entropy, accuracy) of the model on (x, y)."""
    if len(y) == 0:
        return 0.0, 0.0
    p = probabilities(weight, bias, x)
    loss = float(-np.mean(np.log(np.maximum(p[np.arange(len(y)), y], 1e-12))))
    accuracy = float(np.mean(p.argmax(axis=1) == y))
    return loss, accuracy


def train(weight, bias, x, y, settings, seed):
    """Minibatch SGD with the FedProx proximal term toward the starting (global) weights: each step moves the
    weights by -learning_rate * (grad(batch loss) + mu * (w - w_global)). Returns the new (weight, bias) and the
    (loss, accuracy) seen over the last epoch's batches, as Fedge's built-in trainers report."""
    weight, bias = weight.astype(np.float64), bias.astype(np.float64)
    global_weight, global_bias = weight.copy(), bias.copy()
    rate, mu, size = settings["learning_rate"], settings["mu"], settings["batch_size"]
    rng = np.random.default_rng(seed)
    seen = (0.0, 0.0)
    for _ in range(settings["epochs"]):
        order = rng.permutation(len(y))
        total_loss, correct = 0.0, 0
        for start in range(0, len(order), size):
            batch = order[start : start + size]
            xb, yb = x[batch], y[batch]
            p = probabilities(weight, bias, xb)
            total_loss -= float(np.sum(np.log(np.maximum(p[np.arange(len(yb)), yb], 1e-12))))
            correct += int(np.sum(p.argmax(axis=1) == yb))
            p[np.arange(len(yb)), yb] -= 1.0  # d(cross-entropy)/d(logits)
            p /= len(yb)
            grad_weight, grad_bias = p.T @ xb, p.sum(axis=0)
            weight -= rate * (grad_weight + mu * (weight - global_weight))
            bias -= rate * (grad_bias + mu * (bias - global_bias))
        seen = (total_loss / max(len(y), 1), correct / max(len(y), 1))
    with np.errstate(over="ignore"):
        weight, bias = weight.astype(np.float32), bias.astype(np.float32)
    if not (np.all(np.isfinite(weight)) and np.all(np.isfinite(bias))):
        fail(
            "training diverged (the weights are no longer finite): lower learning_rate, or mu "
            "(learning_rate * mu must stay below 2)",
            status=1,
        )
    return weight, bias, seen
