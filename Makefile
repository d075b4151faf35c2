# The README's two commands are `make demo` and `make test`; both go through `setup`,
# which is idempotent and fast when nothing changed (one dpkg-query, one stamp check).
PYTHON ?= python3
VENV   := .venv
STAMP  := $(VENV)/.installed

.PHONY: setup demo test bench audit clean install uninstall

setup: system $(STAMP)

.PHONY: system
system:
	@scripts/setup-system.sh

$(STAMP): pyproject.toml
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

demo: setup
	@scripts/demo.sh

test: setup
	$(VENV)/bin/python -m pytest -q

bench: setup
	@for b in bench/[!_]*.py; do echo "== $$b"; $(VENV)/bin/python $$b || exit 1; done

# pip-audit over the venv's pinned dependencies; fails when any cannot be looked up.
audit: setup
	@scripts/audit.sh

# As root; DESTDIR installs into a throwaway root (tests/test_install.py does).
install:
	@scripts/install.sh

uninstall:
	@scripts/uninstall.sh

clean:
	rm -rf $(VENV) .venv-audit build *.egg-info .pytest_cache
