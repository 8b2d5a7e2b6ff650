"""The model: softmax regression on the 8x8 digits, as a list of numpy arrays [weight (10, 64), bias (10,)].

Serialized with FEDn's numpyhelper (an .npz whose arrays are named "0", "1", ... in order). `python model.py
[OUT]` writes a zero seed model (default seed.npz).
"""

import sys

import numpy as np

from fedn.utils.helpers.helpers import get_helper

HELPER_MODULE = "numpyhelper"
helper = get_helper(HELPER_MODULE)


def compile_model():
    """A new model: zero weights and bias, float32."""
    return [np.zeros((10, 64), dtype=np.float32), np.zeros(10, dtype=np.float32)]


def load_parameters(model_path):
    """Load model parameters from file.

    :param model_path: The path to load from.
    :type model_path: str
    :return: [weight (10, 64), bias (10,)]
    :rtype: list of numpy arrays
    """
    parameters = helper.load(model_path)
    if len(parameters) != 2 or parameters[0].shape != (10, 64) or parameters[1].shape != (10,):
        shapes = [list(p.shape) for p in parameters]
        raise ValueError(f"{model_path} holds arrays of shapes {shapes}; this package wants [[10, 64], [10]]")
    return parameters


def save_parameters(parameters, out_path):
    """Save model parameters to file.

    :param parameters: [weight, bias]
    :type parameters: list of numpy arrays
    :param out_path: The path to save to.
    :type out_path: str
    """
    helper.save(parameters, out_path)


def predict(parameters, x):
    """Class probabilities of the samples x (N, 64)."""
    weight, bias = parameters
    logits = x @ weight.T + bias
    logits = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


def loss_and_accuracy(parameters, x, y):
    """Mean cross-entropy and accuracy on (x, y)."""
    p = predict(parameters, x)
    loss = float(-np.mean(np.log(np.maximum(p[np.arange(len(y)), y], 1e-12))))
    return loss, float(np.mean(p.argmax(axis=1) == y))


def init_seed(out_path="seed.npz"):
    """Initialize seed model and save it to file.

    :param out_path: The path to save the seed model to.
    :type out_path: str
    """
    save_parameters(compile_model(), out_path)


if __name__ == "__main__":
    init_seed(sys.argv[1] if len(sys.argv) > 1 else "seed.npz")
