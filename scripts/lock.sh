#!/usr/bin/env bash
# `make lock`: regenerate requirements/runtime.lock (what `make install` puts on a
# terminal) and requirements/dev.lock (what `make setup` puts in .venv: the runtime, the
# test extras; the rigs need nothing more), every release pinned with the hashes of its
# files. pip-tools runs from a virtual environment of its own outside the tree.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=${GSTV_LOCK_VENV:-$HOME/.cache/gstv-lock/venv}
if [ ! -x "$tools/bin/pip-compile" ]; then
    python3 -m venv "$tools"
    "$tools/bin/python" -m pip install --quiet pip-tools
fi
compile=("$tools/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras
         --no-emit-index-url --no-emit-find-links --upgrade)
"${compile[@]}" pyproject.toml requirements/build.in -o requirements/runtime.lock
"${compile[@]}" --extra test pyproject.toml requirements/build.in -o requirements/dev.lock
echo "gstv lock: requirements/runtime.lock and requirements/dev.lock rewritten"
