#!/usr/bin/env bash
# The test suite under ThreadSanitizer or AddressSanitizer, the daemons the tests start instrumented too. Passes when
# every test passes and no instrumented process wrote a report; prints each report's summary otherwise.
#
# - thread: builds into .build-tsan (13-14 minutes from scratch on 2 cores). Waits are scaled by
#   FEDGE_TEST_TIME_SCALE (10 unless set: everything runs 5-15 times slower), reports never halt a process
#   (exitcode=0: a daemon that reported would otherwise exit with 66 and fail its test for that alone), and
#   grpc-swift's Mutex-guarded state is suppressed (Tests/tsan-suppressions.txt says why).
# - address: builds into .build-asan (about 20 minutes from scratch), scale 4, leaks not checked (the test harness's
#   own leak; the fuzzers check leaks, Scripts/fuzz.sh).
#
# Usage: Scripts/sanitize.sh thread|address [FILTER]     FILTER: a `swift test --filter` pattern; default: all tests
# FEDGE_SANITIZE_SKIP=REGEX leaves out the tests it matches (`swift test --skip`): CI leaves out the suites of real
# daemon processes, whose deadlines ThreadSanitizer's slowness can still exceed on a loaded machine.
set -uo pipefail
cd "$(dirname "$0")/.."
kind=${1:-}
filter=${2:-}
case "$kind" in
thread) scratch=.build-tsan scale=${FEDGE_TEST_TIME_SCALE:-10} ;;
address) scratch=.build-asan scale=${FEDGE_TEST_TIME_SCALE:-4} ;;
*) echo "usage: Scripts/sanitize.sh thread|address [FILTER]" >&2; exit 2 ;;
esac
started=$(date +%s)
swift build --build-tests --sanitize="$kind" --scratch-path "$scratch" 2>&1 | grep -E "error:|Compiling|Build complete" | tail -3
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "sanitize: the $kind build failed"; exit 1; }
built=$(date +%s)
reports=$(mktemp -d /tmp/fedge-sanitize-XXXXXX)
export FEDGE_TEST_TIME_SCALE=$scale
export TSAN_OPTIONS="halt_on_error=0 exitcode=0 log_path=$reports/report suppressions=$PWD/Tests/tsan-suppressions.txt"
export ASAN_OPTIONS="detect_leaks=0 log_path=$reports/report"
log=$reports/swift-test.log
args=(--skip-build --sanitize="$kind" --scratch-path "$scratch")
[ -n "$filter" ] && args+=(--filter "$filter")
[ -n "${FEDGE_SANITIZE_SKIP:-}" ] && args+=(--skip "$FEDGE_SANITIZE_SKIP")
swift test "${args[@]}" >"$log" 2>&1
status=$?
grep -E "^✘|Test run with" "$log"
count=$(find "$reports" -name 'report.*' | wc -l)
echo "sanitize ($kind): build $((built - started)) s, tests $(($(date +%s) - built)) s, $count process(es) reported"
for report in "$reports"/report.*; do
    [ -e "$report" ] || continue
    echo "== $report"
    grep -E "^SUMMARY|^ERROR" "$report" | sort | uniq -c
done
if [ $status -ne 0 ] || [ "$count" -ne 0 ]; then
    echo "sanitize ($kind): FAILED (the log: $log)"
    exit 1
fi
echo "sanitize ($kind): passed"
rm -rf "$reports"
