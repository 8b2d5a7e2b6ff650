import sys

import numpy as np

from helper import load, save, save_metadata

in_path, out_path = sys.argv[1], sys.argv[2]
weights = load(in_path)
# Keep every array's dtype and shape; move the float ones by +1.
updated = [w + 1 if np.issubdtype(w.dtype, np.floating) else w for w in weights]
save(updated, out_path)
save_metadata({"num_examples": 7, "batch_size": 32, "epochs": 1, "lr": 0.1, "arrays": len(weights)}, out_path)
