#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer, with AddressSanitizer) of the readers of untrusted bytes: a safetensors file,
# an .npz archive, a compute package, the protobuf messages the combiner and the controller receive, and the calls
# edge clients make to a live in-process combiner's handlers (Connect, UploadUpdate, DownloadModel), and those
# combiners and clients make to a live in-process controller's (Attach, UploadPartial, AssignCombiner). Each target
# starts from its seeds in Fuzz/Corpus/TARGET and its past crashers in Fuzz/Regressions/TARGET; what it finds new
# goes to a working corpus under .build-fuzz/corpus/TARGET, and a crash, leak, timeout or memory blow-up to
# Fuzz/Crashes/TARGET/. Fix it, then move the file to Fuzz/Regressions/TARGET/: `swift test` replays every file
# there (FuzzRegressionTests).
#
# Usage: Scripts/fuzz.sh [TARGET|all] [SECONDS]        default: all 60      TARGET: safetensors npz package protobuf combiner controller
# FEDGE_FUZZ_SEED=n fixes libFuzzer's seed (CI uses 1, so that its run is a repeatable prefix of the same search);
# unset, every run searches from a new one.
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
seconds=${2:-60}
seed=${FEDGE_FUZZ_SEED:-0}  # 0: libFuzzer picks one
build_log=$(mktemp /tmp/fedge-fuzz-build-XXXXXX)
if ! swift build --scratch-path .build-fuzz --product fedge-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld >"$build_log" 2>&1; then  # gold fails on it
    grep -E "error" "$build_log" | head -40
    echo "fuzz: the build failed (its log: $build_log)"
    exit 1
fi
bin=.build-fuzz/debug/fedge-fuzz
targets=(safetensors npz package protobuf combiner controller)
[ "$which" = all ] || targets=("$which")
status=0
for target in "${targets[@]}"; do
    mkdir -p ".build-fuzz/corpus/$target" "Fuzz/Crashes/$target" "Fuzz/Regressions/$target"
    echo "== $target, $seconds s"
    fuzzer=0
    LSAN_OPTIONS=suppressions=Fuzz/lsan-suppressions.txt FEDGE_FUZZ_TARGET=$target "$bin" -seed="$seed" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="Fuzz/Crashes/$target/" \
        ".build-fuzz/corpus/$target" "Fuzz/Corpus/$target" "Fuzz/Regressions/$target" >"$build_log" 2>&1 || fuzzer=$?
    grep -E "^#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::peak_rss_mb|ERROR|SUMMARY|Test unit written" "$build_log" || true
    if [ $fuzzer -ne 0 ]; then
        tail -3 "$build_log"
        echo "$target: the fuzzer exited with $fuzzer"
        status=1
    fi
    if [ -n "$(ls -A "Fuzz/Crashes/$target" 2>/dev/null)" ]; then
        echo "$target: crashers in Fuzz/Crashes/$target"
        status=1
    fi
done
rm -f "$build_log"
exit $status
