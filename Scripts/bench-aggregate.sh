#!/usr/bin/env bash
# `fedge aggregate` (release) against the same fold in NumPy, measured in the same run on the same files: a base and
# UPDATES updates of MIB MiB of float32 (10 tensors each), FedAvg. Fedge reads every file through its mapping,
# checks it (names, shapes, dtypes, finite values), hashes every input (the contributions' and the parent's ids),
# folds, and writes the new model with its id. NumPy (safetensors.numpy) loads each update, folds w·x into a float32
# sum, divides and saves, with no checks and no hashes. Best of REPEATS wall times each, after one warm-up run that
# leaves the files in the page cache. Needs python3 with numpy and safetensors.
#
# Usage: Scripts/bench-aggregate.sh [MIB] [UPDATES] [REPEATS]      default: 256 8 3
set -euo pipefail
cd "$(dirname "$0")/.."
mib=${1:-256}
updates=${2:-8}
repeats=${3:-3}
swift build -c release --product fedge >/dev/null
bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d /tmp/fedge-aggregate-XXXXXX)
trap 'rm -rf "$work"' EXIT
python3 - "$work" "$mib" "$updates" <<'PY'
import sys
import numpy as np
from safetensors.numpy import save_file
folder, mib, updates = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
n = mib * (1 << 20) // 4 // 10
rng = np.random.default_rng(0)
for k in range(updates + 1):
    name = "base" if k == 0 else f"u{k}"
    save_file({f"t{i}": rng.standard_normal(n, dtype=np.float32) for i in range(10)}, f"{folder}/{name}.safetensors")
PY
args=()
for k in $(seq 1 "$updates"); do args+=("$work/u$k.safetensors:$k"); done
fedge_run() { "$bin/fedge" aggregate --base "$work/base.safetensors" --out "$work/fedge-out.safetensors" "${args[@]}" >/dev/null; }
cat >"$work/fold.py" <<'PY'
import sys
import numpy as np
from safetensors.numpy import load_file, save_file
folder, updates = sys.argv[1], int(sys.argv[2])
total, weights = None, 0.0
for k in range(1, updates + 1):
    update, w = load_file(f"{folder}/u{k}.safetensors"), float(k)
    if total is None:
        total = {name: array * np.float32(w) for name, array in update.items()}
    else:
        for name, array in update.items():
            total[name] += np.float32(w) * array
    weights += w
save_file({name: array / np.float32(weights) for name, array in total.items()}, f"{folder}/numpy-out.safetensors")
PY
numpy_run() { python3 "$work/fold.py" "$work" "$updates"; }
best() {
    local run=$1 best=""
    $run  # warm-up: the files in the page cache
    for _ in $(seq 1 "$repeats"); do
        local start end
        start=$(date +%s.%N)
        $run
        end=$(date +%s.%N)
        best=$(python3 -c "import sys; a, b = float(sys.argv[1]), sys.argv[2]; print(a if not b or a < float(b) else b)" "$(echo "$end - $start" | bc)" "$best")
    done
    echo "$best"
}
fedge=$(best fedge_run)
numpy=$(best numpy_run)
python3 - "$fedge" "$numpy" "$mib" "$updates" <<'PY'
import sys
fedge, numpy, mib, updates = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4]
print(f"{updates} updates of {mib} MiB, FedAvg, best wall time: fedge aggregate {fedge:.3f} s, NumPy {numpy:.3f} s;"
      f" fedge is {numpy / fedge:.2f} x NumPy's speed")
PY
