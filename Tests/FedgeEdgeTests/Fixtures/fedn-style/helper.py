"""What FEDn's numpyhelper and save_metadata/save_metrics do, with numpy alone."""
import json
from collections import OrderedDict

import numpy as np


def load(path):
    a = np.load(path)
    return [a[str(i)] for i in range(len(a.files))]


def save(weights, path):
    np.savez_compressed(path, **OrderedDict((str(i), w) for i, w in enumerate(weights)))


def save_metadata(metadata, filename):
    # As fedn.utils.helpers.helpers.save_metadata: the dict as it is (the FEDn client nests it later).
    with open(filename + "-metadata", "w") as f:
        json.dump(metadata, f)


def save_metrics(metrics, filename):
    with open(filename, "w") as f:
        json.dump(metrics, f)
