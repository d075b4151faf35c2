# The README's two commands are `make demo` and `make test`; both go through `setup`,
# which is idempotent and fast when nothing changed (one dpkg-query, one stamp check).
PYTHON ?= python3
VENV   := .venv
STAMP  := $(VENV)/.installed

.PHONY: setup demo test screenshots bench soak audit clean install uninstall lock systemd-check

setup: system $(STAMP)

.PHONY: system
system:
	@scripts/setup-system.sh

# The product with its test extras, and the rigs beside it (rigs/: the reference cloud,
# gstv sim, gstv demo, test harnesses), which the terminal's `make install` leaves out.
# Every dependency comes from the lock, each file checked against its hashes; the
# project itself then goes in on its own (--no-deps), built by the locked setuptools.
$(STAMP): pyproject.toml rigs/pyproject.toml requirements/dev.lock
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --require-hashes --no-deps -r requirements/dev.lock
	$(VENV)/bin/python -m pip install --quiet --no-deps --no-build-isolation -e . -e ./rigs
	@touch $(STAMP)

# The installed appliance booted under a real systemd in a throwaway Debian rootfs
# (systemd-nspawn): READY, the watchdog, restarts, socket activation, the hardening.
systemd-check: setup
	$(VENV)/bin/python scripts/systemd_check.py

# The dependency tree pinned with hashes (requirements/*.lock), from pyproject.toml's
# ranges: the newest releases that satisfy them. Review the diff before committing.
lock:
	@scripts/lock.sh

demo: setup
	@scripts/demo.sh

# The tests leave the tree as they found it (.ci/run checks): bytecode and the caches of
# pytest and hypothesis go under ~/.cache/gstv-tests (tests/conftest.py, pyproject.toml).
TEST_CACHE := $(HOME)/.cache/gstv-tests

test: setup
	PYTHONPYCACHEPREFIX=$(TEST_CACHE)/pycache $(VENV)/bin/python -m pytest -q

# README's pictures of the real-window test, refreshed on request only.
screenshots: setup
	GSTV_SCREENSHOTS=$(CURDIR)/docs/screenshots PYTHONPYCACHEPREFIX=$(TEST_CACHE)/pycache \
		$(VENV)/bin/python -m pytest -q tests/player/test_window_screenshots.py \
		tests/player/test_site_playback_rules.py -k "screenshots or placeholder"

# The soak's mechanics only (4 minutes): its figure takes an hour, `make soak`.
bench: setup
	@for b in bench/[!_]*.py; do [ $$b = bench/soak.py ] && continue; \
		echo "== $$b"; $(VENV)/bin/python $$b || exit 1; done
	@echo "== bench/soak.py --quick"; $(VENV)/bin/python bench/soak.py --quick

# Whether it can run for months: an hour of player and agent, exit 1 over the target.
soak: setup
	$(VENV)/bin/python bench/soak.py --hours 1

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
