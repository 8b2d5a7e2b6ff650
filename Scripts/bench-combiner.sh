#!/usr/bin/env bash
# Measures a combiner's peak memory over one round: MODEL_MIB of Float32, CLIENTS noop clients (one process),
# release builds, loopback, plaintext. Prints the combiner's peak RSS (VmHWM) and peak anonymous memory, and the
# client process's idle RSS before the round. Needs python3 with numpy and safetensors to make the seed model.
#
# Usage: Scripts/bench-combiner.sh MODEL_MIB CLIENTS        e.g. Scripts/bench-combiner.sh 100 200
set -euo pipefail
cd "$(dirname "$0")/.."
mib=${1:?model size in MiB}
clients=${2:?number of clients}
for product in fedge fedge-controller fedge-combiner fedge-client; do swift build -c release --product $product >/dev/null; done
bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d /tmp/fedge-bench-XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
python3 - "$work/seed.safetensors" "$mib" <<'PY'
import sys
import numpy as np
from safetensors.numpy import save_file
n = int(sys.argv[2]) * (1 << 20) // 4
save_file({"w": np.random.default_rng(0).standard_normal(n - 16, dtype=np.float32), "b": np.zeros(16, np.float32)}, sys.argv[1])
PY
port=$((20000 + RANDOM % 20000))
# Kits for the combiner and the clients, from a throwaway controller (enrollment is the controller's job).
export FEDGE_HOME="$work/fedge-home"
"$bin/fedge-controller" init >/dev/null
"$bin/fedge-controller" serve --insecure --listen 127.0.0.1:$((port + 1)) --listen-api none --log-level warning \
    2>"$work/controller.log" &
enroller=$!
until [ -S "$FEDGE_HOME/run/controller.sock" ]; do sleep 0.1; done
"$bin/fedge" combiner enroll bench --out "$work/combiner.kit" >/dev/null
"$bin/fedge" client enroll --count "$clients" --prefix bench- --out "$work/kits" >/dev/null
kill $enroller; wait $enroller 2>/dev/null || true
cat > "$work/plan.json" <<JSON
{"model": "seed.safetensors", "rounds": 1, "round_timeout": 1800, "clients_required": $clients, "wait_for_clients": $clients}
JSON
"$bin/fedge-combiner" serve --insecure --kit "$work/combiner.kit" --listen 127.0.0.1:$port --home "$work/home" --plan "$work/plan.json" \
    --exit-when-done --log-level warning >"$work/combiner.out" 2>"$work/combiner.log" &
combiner=$!
sleep 1
"$bin/fedge-client" run --combiner 127.0.0.1:$port --insecure --trainer noop --kit "$work/kits" \
    --work-dir "$work/clients" --log-level warning 2>"$work/clients.log" &
client=$!
start=$(date +%s.%N)
peak_anon=0
client_idle=""
while kill -0 $combiner 2>/dev/null; do
    anon=$(awk '/RssAnon/{print $2}' /proc/$combiner/status 2>/dev/null || echo 0)
    [ -n "$anon" ] && [ "$anon" -gt "$peak_anon" ] && peak_anon=$anon
    hwm=$(awk '/VmHWM/{print $2}' /proc/$combiner/status 2>/dev/null || true)
    [ -n "$hwm" ] && peak_hwm=$hwm
    [ -z "$client_idle" ] && client_idle=$(awk '/VmRSS/{print $2}' /proc/$client/status 2>/dev/null || true)
    sleep 0.05
done
end=$(date +%s.%N)
wait $combiner || { echo "the combiner failed:"; tail -20 "$work/combiner.log"; exit 1; }
model_kib=$((mib * 1024))
echo "model ${mib} MiB, ${clients} clients: combiner peak RSS $((peak_hwm / 1024)) MiB (limit 3 × model + 64 MiB = $(( (3 * model_kib + 65536) / 1024 )) MiB), peak anonymous $((peak_anon / 1024)) MiB; client process RSS at start $((client_idle / 1024)) MiB; round took $(echo "$end - $start" | bc) s"
