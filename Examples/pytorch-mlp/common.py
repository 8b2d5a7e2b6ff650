"""What train.py, validate.py and seed.py share: the data, this client's shard, the settings and the model.

A multilayer perceptron on the UCI handwritten digits (8x8 pixels scaled to [0, 1], 10 classes): fc1 (64 -> hidden)
ReLU fc2 (hidden -> 10). Its state_dict is named as Fedge's built-in MLP trainer names its tensors (fc1.weight,
fc1.bias, fc2.weight, fc2.bias, float32), so the two are interchangeable.
"""

import json
import os
import sys

import numpy as np
import torch
from safetensors.torch import load_file, save_file

FEATURES = 64
CLASSES = 10
SPLIT_SEED = 1  # every client shuffles the data the same way, so the shards are disjoint
TEST_FRACTION = 0.2

# The defaults of Fedge's built-in trainers (FedgeLearning.SGDSettings).
DEFAULTS = {"epochs": 3, "learning_rate": 0.3, "batch_size": 32, "mu": 0.0}
ALIASES = {"epochs": ["local_epochs"], "learning_rate": ["lr"], "batch_size": [], "mu": ["proximal_mu"]}


def fail(message, status=2):
    """Stops with `message` on stderr: Fedge shows the last lines of a failed entry point."""
    print(f"error: {message}", file=sys.stderr, flush=True)
    sys.exit(status)


class MLP(torch.nn.Module):
    def __init__(self, hidden=64):
        super().__init__()
        self.fc1 = torch.nn.Linear(FEATURES, hidden)
        self.fc2 = torch.nn.Linear(hidden, CLASSES)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


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
        except Exception as error:  # noqa: BLE001
            fail(f"cannot read {path} as an .npz: {error}")
    else:
        try:
            from sklearn.datasets import load_digits
        except ImportError:
            fail(
                "no data: set FEDGE_DATA to an .npz with arrays x (N, 64) float32 in [0, 1] and y (N,) int64 "
                "(Examples/numpy-softmax/make_data.py writes one), or install scikit-learn to build the digits "
                "with load_digits"
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
    """This client's (x_train, y_train, x_test, y_test) as tensors: every N-th sample from I-1 of the data in a
    fixed shuffled order (seed 1), of which the last 20% is kept for validation."""
    x, y = load_data()
    index, count = shard()
    order = np.random.default_rng(SPLIT_SEED).permutation(len(y))[index - 1 :: count]
    cut = len(order) - int(round(len(order) * TEST_FRACTION))
    train, test = order[:cut], order[cut:]
    return (
        torch.from_numpy(x[train]),
        torch.from_numpy(y[train]),
        torch.from_numpy(x[test]),
        torch.from_numpy(y[test]),
    )


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
    """The MLP in the safetensors file at `path` (its hidden width read from fc1.weight)."""
    try:
        tensors = load_file(path)
    except Exception as error:  # noqa: BLE001
        fail(f"cannot read the model {path} as safetensors: {error}")
    names = ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    if sorted(tensors) != sorted(names):
        fail(f"the model must hold {names}; it holds {sorted(tensors)} (is it an MLP on the digits?)")
    hidden = tensors["fc1.weight"].shape[0]
    model = MLP(hidden)
    expected = {name: tuple(value.shape) for name, value in model.state_dict().items()}
    for name in names:
        if tuple(tensors[name].shape) != expected[name]:
            fail(f"{name} is {list(tensors[name].shape)}; with {hidden} hidden units it must be {list(expected[name])}")
    model.load_state_dict({name: value.float() for name, value in tensors.items()}, strict=True)
    return model


def save_model(model, path):
    save_file({name: value.detach().float().contiguous() for name, value in model.state_dict().items()}, path)


def evaluate(model, x, y):
    """(mean cross-entropy, accuracy) of the model on (x, y)."""
    if len(y) == 0:
        return 0.0, 0.0
    model.eval()
    with torch.no_grad():
        logits = model(x)
        loss = torch.nn.functional.cross_entropy(logits, y).item()
        accuracy = (logits.argmax(dim=1) == y).float().mean().item()
    return loss, accuracy


def train(model, x, y, settings, seed):
    """Minibatch SGD with the FedProx proximal term toward the starting (global) weights: each step moves the
    weights by -learning_rate * (grad(batch loss) + mu * (w - w_global)). Returns the (loss, accuracy) seen over
    the last epoch's batches, as Fedge's built-in trainers report."""
    generator = torch.Generator().manual_seed(seed)
    global_weights = [p.detach().clone() for p in model.parameters()]
    optimizer = torch.optim.SGD(model.parameters(), lr=settings["learning_rate"])
    mu, size = settings["mu"], settings["batch_size"]
    seen = (0.0, 0.0)
    model.train()
    for _ in range(settings["epochs"]):
        order = torch.randperm(len(y), generator=generator)
        total_loss, correct = 0.0, 0
        for start in range(0, len(order), size):
            batch = order[start : start + size]
            xb, yb = x[batch], y[batch]
            optimizer.zero_grad()
            logits = model(xb)
            loss = torch.nn.functional.cross_entropy(logits, yb)
            total_loss += loss.item() * len(yb)
            correct += int((logits.argmax(dim=1) == yb).sum())
            if mu > 0:
                proximal = sum(((p - g) ** 2).sum() for p, g in zip(model.parameters(), global_weights))
                loss = loss + mu / 2 * proximal
            loss.backward()
            optimizer.step()
        seen = (total_loss / max(len(y), 1), correct / max(len(y), 1))
    if not all(torch.isfinite(p).all() for p in model.parameters()):
        fail("training diverged (the weights are no longer finite): lower learning_rate, or mu", status=1)
    return seen
