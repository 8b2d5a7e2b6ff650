#!/usr/bin/env bash
# Measures the console's CPU use while it follows a running session: `fedge demo` (release) trains a long session
# whose clients take TRAIN_SECONDS per round, `fedge console` runs in tmux (120×40) against it, and its user+system
# time is read from /proc over SECONDS seconds. Prints the console's CPU as a percentage of one core, and the
# demo's (controller, combiners and clients together) over the same time for comparison. Needs tmux.
#
# Usage: Scripts/console-cpu.sh [TRAIN_SECONDS] [SECONDS]      e.g. Scripts/console-cpu.sh 2 30
set -euo pipefail
cd "$(dirname "$0")/.."
train=${1:-2}
seconds=${2:-30}
swift build -c release --product fedge >/dev/null
bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d /tmp/fedge-console-cpu-XXXXXX)
session="fedge-cpu-$$"
trap 'tmux kill-session -t $session 2>/dev/null || true; kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
"$bin/fedge" demo --home "$work" --rounds 1000 --clients 6 --train-seconds "$train" >"$work/demo.log" 2>&1 &
demo=$!
until [ -S "$work/run/controller.sock" ] && grep -q "session.started" "$work/demo.log"; do kill -0 $demo 2>/dev/null || { cat "$work/demo.log"; exit 1; }; sleep 0.2; done
tmux new-session -d -s "$session" -x 120 -y 40 "env LANG=C.UTF-8 $bin/fedge console --socket $work/run/controller.sock"
sleep 3
console=$(pgrep -f "^$bin/fedge console --socket $work" | head -1)
ps -o pid,args -p "$console" | tail -1
ticks() { awk '{print $14 + $15}' /proc/$1/stat; }
hz=$(getconf CLK_TCK)
c0=$(ticks "$console"); d0=$(ticks "$demo"); t0=$(date +%s.%N)
sleep "$seconds"
c1=$(ticks "$console"); d1=$(ticks "$demo"); t1=$(date +%s.%N)
elapsed=$(echo "$t1 - $t0" | bc)
rounds=$(grep -c "round.committed" "$work/demo.log" || true)
echo "console: $(echo "scale=2; 100 * ($c1 - $c0) / $hz / $elapsed" | bc) % of one core over ${elapsed%.*} s while following a session (clients train ${train} s a round; ${rounds} rounds committed so far); the federation itself: $(echo "scale=1; 100 * ($d1 - $d0) / $hz / $elapsed" | bc) %"
tmux capture-pane -p -t "$session" | head -12
