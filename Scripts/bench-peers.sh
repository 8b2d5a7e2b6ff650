#!/usr/bin/env bash
# W1 side by side with the peers, in one run on this machine: Fedge (`fedge bench round`, release), then FEDn 0.33
# and Flower 1.42 through the harnesses in ../shared/bench (each installs its own venv and servers on first use and
# prints one JSON line). Prints the three JSON lines, then a table of median round times and the ratios.
#
# Usage: Scripts/bench-peers.sh [PARAMS] [CLIENTS] [ROUNDS]      default: 2621440 (10 MiB) 10 5
#        PEERS=fedn Scripts/bench-peers.sh …                       only some peers (fedn, flower)
set -euo pipefail
cd "$(dirname "$0")/.."
params=${1:-2621440}
clients=${2:-10}
rounds=${3:-5}
peers=${PEERS:-fedn flower}
shared=${FEDGE_SHARED:-../shared/bench}
for product in fedge fedge-controller fedge-combiner fedge-client; do swift build -c release --product $product >/dev/null; done
out=$(mktemp -d /tmp/fedge-peers-XXXXXX)
trap 'rm -rf "$out"' EXIT

echo "W1: $params float32 parameters in 10 tensors, $clients clients, $rounds rounds; $(date -u +%FT%TZ); $(uptime)" >&2
echo "fedge …" >&2
.build/release/fedge bench round --params "$params" --clients "$clients" --rounds "$rounds" --json \
    2>"$out/fedge.err" | tail -1 >"$out/fedge.json"
cat "$out/fedge.json"
for peer in $peers; do
    echo "$peer …" >&2
    if "$shared/$peer/run.sh" --params "$params" --clients "$clients" --rounds "$rounds" \
        >"$out/$peer.json" 2>"$out/$peer.err"; then :; else
        echo "$peer: run.sh failed ($?); the end of its log:" >&2
        tail -5 "$out/$peer.err" >&2
    fi
    tail -1 "$out/$peer.json"
done
python3 - "$out" $peers <<'PY'
import json, sys
folder, peers = sys.argv[1], sys.argv[2:]
def median(system):
    try:
        line = json.loads(open(f"{folder}/{system}.json").read().strip().splitlines()[-1])
    except (OSError, IndexError, ValueError):
        return None, None
    value = line.get("median_round_seconds", line.get("round_s_median"))
    memory = line.get("server_peak_rss_mb")
    if memory is None and "memory" in line:
        peak = line["memory"]["peak"]
        memory = peak["controller"] + peak["combiner"] * line["configuration"]["combiners"]
    return value, memory
fedge, fedge_memory = median("fedge")
print(f"\n{'system':10} {'median round':>13} {'× fedge':>8} {'server peak RSS':>16}")
for system in ["fedge", *peers]:
    value, memory = median(system)
    ratio = f"{value / fedge:7.1f}×" if value and fedge else "      -"
    shown = f"{value:12.3f}s" if value else "      failed"
    print(f"{system:10} {shown} {ratio} {f'{memory:.0f} MiB' if memory else '-':>16}")
PY
