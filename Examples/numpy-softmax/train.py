"""Train: `python3 train.py IN_MODEL OUT_MODEL`.

Reads the global model (safetensors) and the client settings from IN_MODEL-metadata (epochs, learning_rate,
batch_size, mu), trains on this client's shard, and writes the updated model to OUT_MODEL and
OUT_MODEL-metadata: {"training_metadata": {"num_examples": N, "loss": ..., "accuracy": ...}}.
"""

import json
import sys
import zlib

import common


def main(in_path, out_path):
    settings = common.read_settings(in_path)
    weight, bias = common.load_model(in_path)
    x, y, _, _ = common.local_split()
    if len(y) == 0:
        common.fail("this client's shard has no training samples (too many shards for the data?)")
    index, count = common.shard()
    # A different order on each client and each round, the same on a rerun: seeded by the shard and the model.
    seed = [index, count, zlib.crc32(weight.tobytes() + bias.tobytes())]
    weight, bias, (loss, accuracy) = common.train(weight, bias, x, y, settings, seed)
    common.save_model(weight, bias, out_path)
    with open(out_path + "-metadata", "w") as handle:
        json.dump({"training_metadata": {"num_examples": int(len(y)), "loss": loss, "accuracy": accuracy}}, handle)
    print(
        f"trained on {len(y)} samples (shard {index}/{count}), {settings['epochs']} epochs, "
        f"lr {settings['learning_rate']}, batch {settings['batch_size']}, mu {settings['mu']}: "
        f"loss {loss:.4f}, accuracy {accuracy:.4f}",
        flush=True,
    )


if __name__ == "__main__":
    if len(sys.argv) != 3:
        common.fail("usage: train.py IN_MODEL OUT_MODEL")
    main(sys.argv[1], sys.argv[2])
