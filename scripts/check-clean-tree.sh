#!/usr/bin/env bash
# Fails, naming them, when files in the tree differ from the last commit: tracked files
# changed, new files, or ignored files other than what `make setup` makes (.venv/, the
# editable install's build/ and *.egg-info/). `.ci/run` calls it after the tests, which
# must leave the tree as they found it (their caches live under ~/.cache/gstv-tests).
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
left=$(git status --porcelain --ignored \
       | grep -vE '^!! (\.venv/|(rigs/)?build/|(rigs/)?[^/]*\.egg-info/)' || true)
if [ -n "$left" ]; then
    echo "the tree is not as the commit left it (git status --porcelain --ignored):" >&2
    echo "$left" >&2
    exit 1
fi
