"""Train: one step of gradient descent on a local least-squares problem, with NumPy and safetensors.

Usage: train.py IN_MODEL OUT_MODEL. Reads client settings from IN_MODEL-metadata (learning_rate, epochs) and
writes OUT_MODEL-metadata with num_examples, as the Fedge/FEDn compute package contract asks.
"""
import json
import sys

import numpy as np
from safetensors.numpy import load_file, save_file


def main(in_path, out_path):
    with open(in_path + "-metadata") as handle:
        settings = json.load(handle)
    lr = float(settings.get("learning_rate", 0.1))
    epochs = int(settings.get("epochs", 1))
    model = load_file(in_path)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, model["w"].shape[0])).astype(np.float32)
    y = x @ np.ones(model["w"].shape[0], dtype=np.float32)
    for epoch in range(epochs):
        residual = x @ model["w"] - y
        model["w"] = (model["w"] - lr * (x.T @ residual) / len(x)).astype(np.float32)
        print(f"epoch {epoch + 1}: loss {float(np.mean(residual ** 2)):.4f}", flush=True)
    save_file(model, out_path)
    loss = float(np.mean((x @ model["w"] - y) ** 2))
    with open(out_path + "-metadata", "w") as handle:
        json.dump({"training_metadata": {"num_examples": len(x), "loss": loss, "epochs": epochs}}, handle)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
