#!/usr/bin/env bash
# Fuzzes the controller's REST API against openapi.yaml with schemathesis (PyPI): a real controller process on a
# loopback port, over TLS with an admin token, a seed model, a compute package and a session in its trail; every
# operation but token revocation (it would revoke the fuzzer's own token; AccessMatrixTests covers it), every
# check (no 5xx, status codes, headers and bodies as the spec says, bad input refused, good input accepted, 405
# for other methods, ...) with the exceptions Fuzz/schemathesis.toml gives reasons for. Afterwards the
# controller must still be up, its model trail and audit chain must verify, and its log must show no failed
# request. Exits non-zero on any failure; the working folder (logs, a JUnit report) is kept then.
#
# Usage: Scripts/api-fuzz.sh [EXAMPLES] [SEED]     default: 25 examples per operation, seed 1 ('random' for a new one)
# CI runs it as it stands; the long version is e.g. `Scripts/api-fuzz.sh 500 random`. The binaries come from
# $FEDGE_BIN_DIR, else `swift build --show-bin-path` (build them first). Without python3's venv or PyPI it skips.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
examples=${1:-25}
seed=${2:-1}
bin=${FEDGE_BIN_DIR:-$(cd "$root" && swift build --show-bin-path)}
for tool in fedge-controller fedge; do
    [ -x "$bin/$tool" ] || { echo "api-fuzz: $bin/$tool is missing; run swift build first" >&2; exit 1; }
done

venv=$root/.build/schemathesis-venv
if [ ! -x "$venv/bin/st" ]; then
    if ! python3 -c "import venv, ensurepip" 2>/dev/null; then
        echo "api-fuzz: python3 has no venv module (apt-get install python3-venv); the API fuzzing is skipped"
        exit 0
    fi
    rm -rf "$venv"
    python3 -m venv "$venv"
    if ! "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==4.32.5"; then
        rm -rf "$venv"
        echo "api-fuzz: cannot install schemathesis (is PyPI reachable?); the API fuzzing is skipped"
        exit 0
    fi
fi

work=$(mktemp -d /tmp/fedge-api-fuzz-XXXXXX)
export FEDGE_HOME=$work/home
controller_pid=
finish() {
    local status=$?
    [ -n "$controller_pid" ] && kill "$controller_pid" 2>/dev/null && wait "$controller_pid" 2>/dev/null
    if [ $status -eq 0 ]; then rm -rf "$work"; else echo "api-fuzz: logs and report kept in $work" >&2; fi
}
trap finish EXIT
port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
api_port=$(port)
grpc_port=$(port)

"$bin/fedge-controller" init --home "$FEDGE_HOME" >"$work/init.log" 2>&1
"$bin/fedge-controller" serve --home "$FEDGE_HOME" --listen "127.0.0.1:$grpc_port" \
    --listen-api "127.0.0.1:$api_port" >"$work/controller.log" 2>&1 &
controller_pid=$!
ca=$FEDGE_HOME/controller/pki/ca.pem
url=https://127.0.0.1:$api_port
for _ in $(seq 1 100); do
    curl -sf --cacert "$ca" "$url/health" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -sf --cacert "$ca" "$url/health" >/dev/null || { echo "api-fuzz: the controller did not answer" >&2; exit 1; }

# Something to find: a seed model (active), a compute package (active) and a session.
field() { python3 -c "import json, sys; print(json.load(sys.stdin)['$1'])"; }
"$bin/fedge" package create "$root/Examples/numpy-softmax" --out "$work/package.tgz" >/dev/null
export FEDGE_FUZZ_MODEL FEDGE_FUZZ_PACKAGE FEDGE_FUZZ_SESSION
FEDGE_FUZZ_MODEL=$("$bin/fedge" model upload "$root/Examples/models/base.safetensors" --activate --json | field id)
FEDGE_FUZZ_PACKAGE=$("$bin/fedge" package upload "$work/package.tgz" --activate --json | field id)
FEDGE_FUZZ_SESSION=$("$bin/fedge" session start --rounds 1 --no-validate --json | field id)

status=0
token=$(cat "$FEDGE_HOME/controller/admin-token")
echo "api-fuzz: schemathesis against $url, $examples examples per operation, seed $seed"
cd "$work"  # schemathesis keeps its cache (.schemathesis) in the working folder
seed_option=(--seed "$seed")
[ "$seed" = random ] && seed_option=()
"$venv/bin/st" --config-file "$root/Fuzz/schemathesis.toml" run "$root/openapi.yaml" --url "$url" \
    --tls-verify "$ca" -H "Authorization: Bearer $token" --max-examples "$examples" "${seed_option[@]}" \
    --workers 2 --exclude-operation-id revokeToken --report junit --report-dir "$work/report" \
    >"$work/schemathesis.log" 2>&1 || status=1
sed -n '/^=* SUMMARY/,$p' "$work/schemathesis.log"
[ $status -eq 0 ] || sed -n '/^=* FAILURES/,/^=* WARNINGS/p' "$work/schemathesis.log" | head -150

# The controller is still up, and what it holds still verifies.
kill -0 "$controller_pid" 2>/dev/null || { echo "api-fuzz: the controller died" >&2; status=1; }
"$bin/fedge" model verify >"$work/verify.log" 2>&1 || { echo "api-fuzz: the model trail does not verify" >&2; status=1; }
"$bin/fedge" audit verify >>"$work/verify.log" 2>&1 || { echo "api-fuzz: the audit chain does not verify" >&2; status=1; }
"$bin/fedge" model show "$FEDGE_FUZZ_MODEL" >/dev/null 2>&1 || { echo "api-fuzz: the seed model is gone" >&2; status=1; }
if grep -q "Request failed" "$work/controller.log"; then
    echo "api-fuzz: the controller logged failed requests (500s):" >&2
    grep "Request failed" "$work/controller.log" | head -5 >&2
    status=1
fi
cat "$work/verify.log"
[ $status -eq 0 ] && echo "api-fuzz: passed" || echo "api-fuzz: FAILED"
exit $status
