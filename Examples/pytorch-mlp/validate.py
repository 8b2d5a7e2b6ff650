"""Validate: `python3 validate.py IN_MODEL OUT_JSON`.

Measures the model on this client's local test split (20% of its shard) and writes a flat JSON object:
{"accuracy": ..., "loss": ..., "num_examples": N}.
"""

import json
import sys

import common


def main(in_path, out_path):
    model = common.load_model(in_path)
    _, _, x, y = common.local_split()
    loss, accuracy = common.evaluate(model, x, y)
    with open(out_path, "w") as handle:
        json.dump({"accuracy": accuracy, "loss": loss, "num_examples": int(len(y))}, handle)
    print(f"validated on {len(y)} samples: loss {loss:.4f}, accuracy {accuracy:.4f}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        common.fail("usage: validate.py IN_MODEL OUT_JSON")
    main(sys.argv[1], sys.argv[2])
