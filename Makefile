# carm-gateway: `make demo` runs the gateway on the embedded defaults, `make test` runs every check.
# Both create .venv and install what they need on first use.

# The interpreter of .venv: the distribution's CPython where it is 3.11 or newer, else python3 on the PATH.
# Debian builds its CPython with profile-guided and link-time optimization; a default pyenv build (shared
# libpython, no PGO/LTO) ran the load benchmark's day about 30 % slower on the same machine
# (docs/BENCHMARKS.md). `make PYTHON=python3.12 ...` chooses another.
SYSTEM_PYTHON := /usr/bin/python3
PYTHON ?= $(shell $(SYSTEM_PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& echo $(SYSTEM_PYTHON) || echo python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: demo test check lint typecheck layers pytest system-packages bench clean

$(STAMP): setup.cfg pyproject.toml
	@# Debian's python3 makes a venv only with python3-venv installed: fall back to python3 on the PATH
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); python3 -m venv $(VENV); }
	@# checked on the venv's interpreter, whichever of the two made it
	@$(BIN)/python -c 'import sys; sys.exit("carm-gateway needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/carm-gateway demo

# Debian packages the tests use: the OpenSSH client (an independent SFTP client for end-to-end tests),
# poppler-utils (pdftotext reads the statement PDFs back), and Chromium with its WebDriver (the dashboard is
# tested in a real headless browser).
system-packages:
	@if ! command -v sftp >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1 \
	  || ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then \
	  SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq \
	  && $$SUDO apt-get install -y -qq openssh-client poppler-utils chromium chromium-driver; fi

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

layers: $(STAMP)
	$(BIN)/lint-imports

pytest: $(STAMP) system-packages
	$(BIN)/pytest $(PYTEST_ARGS)

check: lint typecheck layers pytest

test: check

# Benchmarks (bench/README.md), each printing its table; `make bench BENCH_ARGS=--write` records them in
# docs/BENCHMARKS.md. The load benchmark uses PostgreSQL at 127.0.0.1:5432 (CARM_BENCH_POSTGRES_URL); the SFTP
# one compares with OpenSSH's own server (Debian openssh-server, installed here when missing).
BENCH_ARGS ?=
bench: $(STAMP) system-packages
	@command -v /usr/sbin/sshd >/dev/null 2>&1 || { SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -qq openssh-server; }
	$(BIN)/python bench/parse.py $(BENCH_ARGS)
	$(BIN)/python bench/load.py --scale 0.05 $(BENCH_ARGS)
	$(BIN)/python bench/sftp.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
