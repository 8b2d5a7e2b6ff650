#!/usr/bin/env bash
# Measures the controller's peak memory and round time on a real federation: MODEL_MIB of Float32, COMBINERS
# combiners, CLIENTS noop clients spread over them, release builds, loopback, plaintext, fedadam (so the server
# keeps optimizer state). Prints the controller's peak RSS (VmHWM, which counts the model files it maps) and peak
# anonymous memory (sampled every 50 ms) over a 2-round session, and each round's duration. Needs python3 with numpy and safetensors to make the seed model.
#
# Usage: Scripts/bench-controller.sh MODEL_MIB COMBINERS CLIENTS        e.g. Scripts/bench-controller.sh 100 2 8
set -euo pipefail
cd "$(dirname "$0")/.."
mib=${1:?model size in MiB}
combiners=${2:?number of combiners}
clients=${3:?number of clients}
for product in fedge fedge-controller fedge-combiner fedge-client; do swift build -c release --product $product >/dev/null; done
bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d /tmp/fedge-bench-XXXXXX)
export FEDGE_HOME="$work/home"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
python3 - "$work/seed.safetensors" "$mib" <<'PY'
import sys
import numpy as np
from safetensors.numpy import save_file
n = int(sys.argv[2]) * (1 << 20) // 4
save_file({"w": np.random.default_rng(0).standard_normal(n - 16, dtype=np.float32), "b": np.zeros(16, np.float32)}, sys.argv[1])
PY
port=$((20000 + RANDOM % 20000))
"$bin/fedge-controller" init >/dev/null
"$bin/fedge-controller" serve --insecure --listen 127.0.0.1:$port --listen-api none --log-level warning 2>"$work/controller.log" &
controller=$!
until [ -S "$FEDGE_HOME/run/controller.sock" ]; do sleep 0.1; done
# Every node has a kit (its name, token, certificate), made by the controller.
"$bin/fedge" client enroll --count "$clients" --prefix bench- --out "$work/kits" >/dev/null
for c in $(seq 1 "$combiners"); do
    "$bin/fedge" combiner enroll "c$c" --out "$work/c$c.kit" >/dev/null
    "$bin/fedge-combiner" serve --insecure --kit "$work/c$c.kit" --listen 127.0.0.1:$((port + c)) \
        --socket none --log-level warning 2>"$work/combiner-$c.log" &
done
sleep 1
"$bin/fedge-client" run --insecure --kit "$work/kits" --trainer noop \
    --work-dir "$work/clients" --log-level warning 2>"$work/clients.log" &
"$bin/fedge" model upload "$work/seed.safetensors" --activate >/dev/null
until [ "$("$bin/fedge" client list --status online --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')" -ge "$clients" ]; do sleep 0.2; done
idle=$(awk '/VmHWM/{print $2}' /proc/$controller/status)
session=$("$bin/fedge" session start --rounds 2 --aggregator fedadam --no-validate --round-timeout 1800 --json \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
peak_anon=0
polls=0
while true; do
    anon=$(awk '/RssAnon/{print $2}' /proc/$controller/status)
    [ "$anon" -gt "$peak_anon" ] && peak_anon=$anon
    polls=$((polls + 1))
    if [ $((polls % 10)) -eq 0 ]; then
        status=$("$bin/fedge" session show "$session" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["session"]["status"])')
        [ "$status" = finished ] && break
    fi
    sleep 0.05
done
peak=$(awk '/VmHWM/{print $2}' /proc/$controller/status)
durations=$("$bin/fedge" round list --session "$session" --json | python3 -c '
import json, sys
from datetime import datetime
def t(s): return datetime.fromisoformat(s.replace("Z", "+00:00"))
rounds = sorted(json.load(sys.stdin)["items"], key=lambda r: r["number"])
print(", ".join("round %d %.1f s" % (r["number"], (t(r["ended_at"]) - t(r["started_at"])).total_seconds()) for r in rounds))')
echo "model ${mib} MiB, ${combiners} combiners, ${clients} clients, fedadam: controller peak RSS $((peak / 1024)) MiB, peak anonymous $((peak_anon / 1024)) MiB (before the session $((idle / 1024)) MiB); ${durations}"
