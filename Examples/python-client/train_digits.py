"""Join a Fedge federation from a plain Python script: learn the UCI handwritten digits with NumPy.

    python train_digits.py --kit site-1.kit --data digits.npz --shard 1/3

The model is whichever the federation trains, named as Fedge's built-in trainers (and PyTorch) name them, so this
client trains side by side with Swift clients in one session:

- softmax regression: ``linear.weight`` [10, 64], ``linear.bias`` [10]  (``fedge-client --trainer softmax``);
- a multilayer perceptron with one hidden ReLU layer: ``fc1.weight`` [H, 64], ``fc1.bias`` [H], ``fc2.weight``
  [10, H], ``fc2.bias`` [10]  (``fedge-client --trainer mlp``, and ``fedge demo``'s default).

Training is minibatch SGD with FedProx's proximal term ``mu`` toward the global model; the session's client settings
(``epochs``, ``learning_rate``, ``batch_size``, ``mu``) steer it. Replace ``load_data`` with your own data and the
two functions with your own training loop: that is all a Fedge client is.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

import numpy as np

import fedge

CLASSES = 10
DEFAULTS: dict[str, float] = {"epochs": 3, "learning_rate": 0.3, "batch_size": 32, "mu": 0.0}
Arrays = dict[str, np.ndarray]


# ---- the data


def load_data(path: str | None) -> tuple[np.ndarray, np.ndarray]:
    """All the digits: x (N, 64) float32 in [0, 1], y (N,) int64, from an .npz with arrays x and y
    (``fedge dataset export digits --out digits.npz`` writes one), else from scikit-learn when it is installed."""
    if path:
        with np.load(path) as archive:
            return archive["x"].astype(np.float32), archive["y"].astype(np.int64)
    try:
        from sklearn.datasets import load_digits  # type: ignore[import-untyped]
    except ImportError:
        raise SystemExit(
            "no data: give --data digits.npz (write it with `fedge dataset export digits --out digits.npz`) "
            "or pip install scikit-learn"
        ) from None
    digits = load_digits()
    return (digits.data / 16.0).astype(np.float32), digits.target.astype(np.int64)


def local_split(
    x: np.ndarray, y: np.ndarray, index: int, count: int, seed: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Client `index` of `count` (from 1) holds every count-th sample of a shuffled order (the same on every
    client, so the shards are disjoint); the last 20% of its share is kept aside to validate on."""
    order = np.random.default_rng(seed).permutation(len(y))[index - 1 :: count]
    cut = len(order) - round(len(order) * 0.2)
    return x[order[:cut]], y[order[:cut]], x[order[cut:]], y[order[cut:]]


# ---- the model


def forward(model: Arrays, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """(class probabilities, hidden activations or None) of either model for the rows of x."""
    if "linear.weight" in model:
        logits, hidden = x @ model["linear.weight"].T + model["linear.bias"], None
    elif "fc1.weight" in model:
        hidden = np.maximum(x @ model["fc1.weight"].T + model["fc1.bias"], 0.0)
        logits = hidden @ model["fc2.weight"].T + model["fc2.bias"]
    else:
        raise ValueError(f"this script trains softmax (linear.*) or MLP (fc1.*, fc2.*) models, not {sorted(model)}")
    logits = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True), hidden


def gradients(model: Arrays, x: np.ndarray, y: np.ndarray) -> tuple[Arrays, float, int]:
    """The mean cross-entropy's gradients over the batch, its summed loss and the number of correct answers."""
    p, hidden = forward(model, x)
    loss = float(-np.sum(np.log(np.maximum(p[np.arange(len(y)), y], 1e-12))))
    correct = int(np.sum(p.argmax(axis=1) == y))
    d_logits = p.copy()
    d_logits[np.arange(len(y)), y] -= 1.0
    d_logits /= len(y)
    if hidden is None:
        return {"linear.weight": d_logits.T @ x, "linear.bias": d_logits.sum(axis=0)}, loss, correct
    d_hidden = (d_logits @ model["fc2.weight"]) * (hidden > 0)
    grads = {
        "fc2.weight": d_logits.T @ hidden,
        "fc2.bias": d_logits.sum(axis=0),
        "fc1.weight": d_hidden.T @ x,
        "fc1.bias": d_hidden.sum(axis=0),
    }
    return grads, loss, correct


def settings_of(settings: dict[str, Any]) -> dict[str, float]:
    chosen = {name: float(settings.get(name, default)) for name, default in DEFAULTS.items()}
    if not (chosen["epochs"] >= 0 and chosen["learning_rate"] > 0 and chosen["batch_size"] >= 1 and chosen["mu"] >= 0):
        raise ValueError(f"client settings out of range: {chosen}")
    return chosen


# ---- the client


def make_client(kit: str, x: np.ndarray, y: np.ndarray, shard: tuple[int, int], seed: int, **options: Any) -> fedge.Client:
    x_train, y_train, x_test, y_test = local_split(x, y, *shard)
    rng = np.random.default_rng(seed + shard[0])
    log = logging.getLogger("train_digits")
    log.info("Shard %d/%d: %d samples to train on, %d to validate on", *shard, len(y_train), len(y_test))

    def train(model: Arrays, settings: dict[str, Any]) -> fedge.TrainResult:
        chosen = settings_of(settings)
        start = {name: array.astype(np.float64) for name, array in model.items()}
        weights = {name: array.copy() for name, array in start.items()}
        rate, mu, size = chosen["learning_rate"], chosen["mu"], int(chosen["batch_size"])
        loss, accuracy = 0.0, 0.0
        for _ in range(int(chosen["epochs"])):
            order = rng.permutation(len(y_train))
            total, correct = 0.0, 0
            for begin in range(0, len(order), size):
                batch = order[begin : begin + size]
                grads, batch_loss, batch_correct = gradients(weights, x_train[batch], y_train[batch])
                total, correct = total + batch_loss, correct + batch_correct
                for name in weights:  # SGD with FedProx's pull toward the global model
                    weights[name] -= rate * (grads[name] + mu * (weights[name] - start[name]))
            loss, accuracy = total / len(y_train), correct / len(y_train)
            task = fedge.current_task()
            if task is not None and task.cancelled:
                break  # the round closed without us: stop early (the result would not be sent anyway)
        update = {name: weights[name].astype(model[name].dtype) for name in model}
        return fedge.TrainResult(
            model=update, num_examples=len(y_train), metrics={"loss": loss, "accuracy": accuracy}
        )

    def validate(model: Arrays, settings: dict[str, Any]) -> fedge.ValidationResult:
        p, _ = forward({name: array.astype(np.float64) for name, array in model.items()}, x_test)
        loss = float(-np.mean(np.log(np.maximum(p[np.arange(len(y_test)), y_test], 1e-12))))
        accuracy = float(np.mean(p.argmax(axis=1) == y_test))
        log.info("Validated the global model: accuracy %.4f, loss %.4f", accuracy, loss)
        return fedge.ValidationResult(metrics={"accuracy": accuracy, "loss": loss}, num_examples=len(y_test))

    return fedge.Client(kit=kit, train=train, validate=validate, **options)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Learn the digits in a Fedge federation, from Python.")
    parser.add_argument("--kit", required=True, help="this client's kit (from `fedge client enroll`)")
    parser.add_argument("--data", default=os.environ.get("FEDGE_DATA"), help="the digits as .npz (x, y)")
    parser.add_argument("--shard", default="1/1", help="this client's share of the data, I/N (default 1/1)")
    parser.add_argument("--seed", type=int, default=1, help="the seed of the training order")
    parser.add_argument("--insecure", action="store_true", help="plaintext gRPC, for a federation without TLS")
    arguments = parser.parse_args(argv)
    try:
        index, count = (int(part) for part in arguments.shard.split("/"))
        assert 1 <= index <= count
    except (ValueError, AssertionError):
        parser.error(f"--shard must be I/N with 1 <= I <= N, like 2/3; it is {arguments.shard!r}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    x, y = load_data(arguments.data)
    client = make_client(arguments.kit, x, y, (index, count), arguments.seed, insecure=arguments.insecure)
    try:
        client.run()  # until Ctrl-C
    except fedge.RefusedError as error:
        sys.exit(f"refused: {error.message}")


if __name__ == "__main__":
    main()
