#!/usr/bin/env bash
# The GPU check as one command on a lent GPU machine: install the wheels carried in .whl/ (if any)
# into /tmp/site, as the device README's recipe says, then run bench/gpu_check.py with the given
# arguments (e.g. `bash bench/gpu_check.sh "$OUT/gpu"`). bench/gpu_wheels.sh fetches the wheels here.
set -euo pipefail
cd "$(dirname "$0")/.."
if compgen -G ".whl/*.whl" >/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
    export PYTHONPATH="/tmp/site${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONUNBUFFERED=1
exec python3 bench/gpu_check.py "$@"
