#!/usr/bin/env bash
# `make audit`: pip-audit over exactly what the project's venv holds (pip freeze, the
# project itself left out), against PyPI's vulnerability data.
#
# --strict on purpose: without it, a dependency the service cannot look up is skipped
# and the audit still says "No known vulnerabilities found" having checked nothing.
# That is what happens on a machine whose package mirror does not serve PyPI's
# per-version JSON (this project's build machines): there the audit fails and says
# so, rather than pass. pip-audit lives in its own venv so that its dependencies
# never mix with the product's.
set -euo pipefail
cd "$(dirname "$0")/.."
AUDIT_VENV=.venv-audit
test -x "$AUDIT_VENV/bin/pip-audit" || {
    python3 -m venv "$AUDIT_VENV"
    "$AUDIT_VENV/bin/python" -m pip install --quiet pip-audit
}
mkdir -p build
.venv/bin/python -m pip freeze --exclude-editable > build/requirements.lock
echo "auditing $(wc -l < build/requirements.lock) pinned dependencies (build/requirements.lock)"
exec "$AUDIT_VENV/bin/pip-audit" --strict --no-deps --disable-pip -r build/requirements.lock
