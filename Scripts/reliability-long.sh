#!/usr/bin/env bash
# The long version of the reliability suite (RELIABILITY.md): the controller killed (`kill -9`) at 10 seeded moments
# of a session, for SEEDS seeds, then every fault suite (network faults on both links, a full disk, a combiner killed,
# SIGTERM mid round, client processes killed mid-download and mid-training, clients hanging) PASSES times over, then
# the REST API fuzzed by schemathesis with a new seed. CI runs the bounded version (3 kills, one seed, each suite
# once) inside `swift test`. Exits non-zero when any run failed.
#
# Usage: Scripts/reliability-long.sh [SEEDS] [PASSES]      default: 5 3
set -uo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-5}
passes=${2:-3}
swift build --build-tests >/dev/null || exit 1
log=$(mktemp /tmp/fedge-reliability-XXXXXX)
trap 'rm -f "$log"' EXIT
failed=0
run() {  # run LABEL ENV... -- FILTER: one `swift test` run, its summary lines, failure remembered
    local label=$1 filter=$2
    shift 2
    echo "== $label"
    env "$@" swift test --skip-build --filter "$filter" >"$log" 2>&1
    local status=$?
    grep -E "controller killed|^✘|Test run with" "$log"
    if [ $status -ne 0 ] || grep -q "^✘" "$log"; then
        failed=1
        # The failures' messages run over several lines: the whole log is kept for them.
        local kept
        kept=$(mktemp /tmp/fedge-reliability-failed-XXXXXX.log)
        cp "$log" "$kept"
        echo "   (the whole log: $kept)"
    fi
}
for seed in $(seq 1 "$seeds"); do
    run "controller kill -9 at 10 seeded moments, seed $seed" "controllerKilledAtSeededMomentsResumes" \
        FEDGE_RELIABILITY_KILLS=10 FEDGE_RELIABILITY_SEED="$seed"
done
for pass in $(seq 1 "$passes"); do
    run "fault suites, pass $pass of $passes" \
        "NetworkFaultTests|ControllerLinkFaultTests|ClientProcessFaultTests|DiskFullTests|combinerKilledMidRound|sigtermMidRound|aClientKilledMidUpload|aClientThatNeverAnswers" \
        FEDGE_RELIABILITY_PASS="$pass"
done
for seed in $(seq 1 "$seeds"); do
    run "the combiner's and the controller's gRPC handlers fuzzed, seed $seed" "HandlerFuzzTests" FEDGE_FUZZ_ITERATIONS=400 FEDGE_FUZZ_SEED="$seed"
done
echo "== the REST API fuzzed against openapi.yaml (schemathesis, 300 examples per operation, a new seed)"
bash Scripts/api-fuzz.sh 300 random | grep -E "^api-fuzz|generated|Seed:" || failed=1
[ $failed -eq 0 ] && echo "reliability (long): every run passed" || echo "reliability (long): FAILED (see above)"
exit $failed
