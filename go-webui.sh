#!/usr/bin/env bash
# Start the GPT-SoVITS-RU web UI: ./go-webui.sh [--lang ru] [--listen] [--port 9874] [--root DIR]
# First run: creates .venv, installs torch ($TORCH_SPEC, default torch==2.13.0) then requirements.txt.
# (and requirements-nodeps.txt without dependencies). Later runs skip the install while .venv
# exists and the requirements files + TORCH_SPEC are unchanged.
set -euo pipefail
cd "$(dirname "$0")"

TORCH_SPEC="${TORCH_SPEC:-torch==2.13.0}"
PYTHON="${PYTHON:-python3}"
VENV=".venv"
STAMP="$VENV/.requirements.sha256"

if [ ! -x "$VENV/bin/python" ]; then
    echo "creating the virtual environment $VENV"
    "$PYTHON" -m venv "$VENV"
fi

wanted="$( (cat requirements.txt requirements-nodeps.txt; echo "$TORCH_SPEC") | sha256sum | cut -d' ' -f1)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$wanted" ]; then
    echo "installing $TORCH_SPEC and requirements.txt into $VENV"
    "$VENV/bin/python" -m pip install --upgrade pip
    # shellcheck disable=SC2086  # TORCH_SPEC may carry pip options, e.g. --index-url URL
    "$VENV/bin/python" -m pip install $TORCH_SPEC
    "$VENV/bin/python" -m pip install -r requirements.txt
    "$VENV/bin/python" -m pip install --no-deps -r requirements-nodeps.txt
    echo "$wanted" > "$STAMP"
fi

export GRADIO_ANALYTICS_ENABLED=False
exec "$VENV/bin/python" webui.py "$@"
