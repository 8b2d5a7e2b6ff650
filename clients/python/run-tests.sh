#!/usr/bin/env bash
# Runs the Python client's tests: makes clients/python/.venv with the package and its test extras when it is
# missing (from PyPI), then pytest. Without python3's venv module or PyPI the tests are skipped with a message.
set -euo pipefail
cd "$(dirname "$0")"
venv=.venv
if [ ! -x "$venv/bin/pytest" ]; then
    if ! python3 -c "import venv, ensurepip" 2>/dev/null; then
        echo "python client: python3 has no venv module (apt-get install python3-venv); its tests are skipped"
        exit 0
    fi
    rm -rf "$venv"
    python3 -m venv "$venv"
    if ! "$venv/bin/pip" install -q --disable-pip-version-check -e '.[test]'; then
        rm -rf "$venv"
        echo "python client: cannot install its dependencies (is PyPI reachable?); its tests are skipped"
        exit 0
    fi
fi
"$venv/bin/pytest" -q "$@"
