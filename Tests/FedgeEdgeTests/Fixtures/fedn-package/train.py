import math
import os
import sys

import numpy as np
from model import load_parameters, save_parameters

from data import load_data
from fedn.utils.helpers.helpers import load_metadata, save_metadata

dir_path = os.path.dirname(os.path.realpath(__file__))
sys.path.append(os.path.abspath(dir_path))


def client_settings(in_model_path):
    """The round's client settings, which the client writes to <in_model_path>-metadata (none: {})."""
    try:
        settings = load_metadata(in_model_path)
    except FileNotFoundError:
        return {}
    return settings if isinstance(settings, dict) else {}


def train(in_model_path, out_model_path, data_path=None, batch_size=32, epochs=1, lr=0.1):
    """Complete a model update.

    Load model parameters from in_model_path (managed by the FEDn client),
    perform a model update, and write updated parameters
    to out_model_path (picked up by the FEDn client).

    :param in_model_path: The path to the input model.
    :type in_model_path: str
    :param out_model_path: The path to save the output model to.
    :type out_model_path: str
    :param data_path: The path to the data file.
    :type data_path: str
    :param batch_size: The batch size to use.
    :type batch_size: int
    :param epochs: The number of epochs to train.
    :type epochs: int
    :param lr: The learning rate to use.
    :type lr: float
    """
    # Settings sent with the round override the defaults
    settings = client_settings(in_model_path)
    batch_size = int(settings.get("batch_size", batch_size))
    epochs = int(settings.get("epochs", epochs))
    lr = float(settings.get("lr", settings.get("learning_rate", lr)))

    # Load data
    x_train, y_train = load_data(data_path)

    # Load parameters
    weight, bias = load_parameters(in_model_path)
    dtype = weight.dtype
    weight, bias = weight.astype(np.float64), bias.astype(np.float64)

    # Train: minibatch SGD on the cross-entropy
    n_batches = int(math.ceil(len(x_train) / batch_size))
    for e in range(epochs):  # epoch loop
        for b in range(n_batches):  # batch loop
            # Retrieve current batch
            batch_x = x_train[b * batch_size : (b + 1) * batch_size]
            batch_y = y_train[b * batch_size : (b + 1) * batch_size]
            # Gradient of the mean cross-entropy with respect to the logits, then the parameters
            logits = batch_x @ weight.T + bias
            p = np.exp(logits - logits.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            loss = -np.mean(np.log(np.maximum(p[np.arange(len(batch_y)), batch_y], 1e-12)))
            p[np.arange(len(batch_y)), batch_y] -= 1.0
            p /= len(batch_y)
            weight -= lr * (p.T @ batch_x)
            bias -= lr * p.sum(axis=0)
            # Log
            if b % 100 == 0:
                print(f"Epoch {e}/{epochs - 1} | Batch: {b}/{n_batches - 1} | Loss: {loss}")

    # Metadata needed for aggregation server side
    metadata = {
        # num_examples are mandatory
        "num_examples": len(x_train),
        "batch_size": batch_size,
        "epochs": epochs,
        "lr": lr,
    }

    # Save JSON metadata file (mandatory)
    save_metadata(metadata=metadata, filename=out_model_path)

    # Save model update (mandatory)
    save_parameters([weight.astype(dtype), bias.astype(dtype)], out_model_path)


if __name__ == "__main__":
    train(sys.argv[1], sys.argv[2])
