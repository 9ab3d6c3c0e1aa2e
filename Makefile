# BoneLearn: `make run` serves the app, `make test` runs the suite. Both bootstrap everything first.
#
# Python: the newest of python3.13, python3.12 and python3.11 on PATH that actually runs (a pyenv shim can be
# on PATH for a version it does not select, and then fails), or `make PYTHON=/path/to/python`. VENV names the
# virtual environment, so two Pythons can live side by side: `make test PYTHON=python3.13 VENV=.venv-3.13`.
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000
# Newest first; keep in step with requires-python in pyproject.toml.
SUPPORTED_PYTHONS := 3.13 3.12 3.11
ARTICLE := content/bone-metastases.txt

PY_INFO := $(shell for p in $(or $(PYTHON),$(addprefix python,$(SUPPORTED_PYTHONS))); do \
	"$$p" -c 'import sys; print("%d.%d.%d %s" % (sys.version_info[:3] + (sys.executable,)))' 2>/dev/null && break; done)
PY_VERSION := $(word 1,$(PY_INFO))
PY_EXE := $(word 2,$(PY_INFO))
ifeq ($(PY_INFO),)
  ifdef PYTHON
    PY_ERROR := PYTHON=$(PYTHON) does not run; give the path of a Python 3.11, 3.12 or 3.13
  else
    PY_ERROR := found no working python3.13, python3.12 or python3.11 on PATH; install one, or run make PYTHON=/path/to/python3.X
  endif
else ifeq ($(filter $(addsuffix .%,$(SUPPORTED_PYTHONS)),$(PY_VERSION)),)
  PY_ERROR := $(PY_EXE) is Python $(PY_VERSION), BoneLearn needs 3.11, 3.12 or 3.13: run make PYTHON=/path/to/python3.X
endif

BIN := $(VENV)/bin
# Stamps: the venv made with this interpreter, then the app's dependencies, then the dev tools on top.
VENV_MADE := $(VENV)/.made-with-python-$(PY_VERSION)
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
PIP_INSTALL := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: run test bench interpreter setup setup-dev optimizer db content demo lint format e2e-browser clean

interpreter:
	$(if $(PY_ERROR),$(error $(PY_ERROR)))
	@echo "Python $(PY_VERSION) ($(PY_EXE)), venv $(VENV)"

# A venv made with another interpreter (or another version of it) is made anew.
$(VENV_MADE): | interpreter
	@if [ -e $(VENV)/pyvenv.cfg ]; then echo "$(VENV) was not made here with Python $(PY_VERSION): making it anew"; rm -rf $(VENV); \
	elif [ -e $(VENV) ]; then echo "$(VENV) exists and is not a venv; not touching it" >&2; exit 1; fi
	$(PY_EXE) -m venv $(VENV)
	$(PIP_INSTALL) --upgrade pip
	touch $@

# Only the dependencies are installed, not the project: the code runs from the working tree.
$(RUN_STAMP): pyproject.toml scripts/requirements.py $(VENV_MADE)
	$(BIN)/python scripts/requirements.py > $(VENV)/requirements-run.txt
	$(PIP_INSTALL) -r $(VENV)/requirements-run.txt
	touch $@

$(DEV_STAMP): $(RUN_STAMP)
	$(BIN)/python scripts/requirements.py dev > $(VENV)/requirements-dev.txt
	$(PIP_INSTALL) -r $(VENV)/requirements-dev.txt
	touch $@

setup: interpreter $(RUN_STAMP)

setup-dev: interpreter $(DEV_STAMP)

# The FSRS optimizer (CPU torch 2.13.0), for optimize_scheduler; never installed by default.
optimizer: setup
	$(BIN)/python scripts/requirements.py optimizer > $(VENV)/requirements-optimizer.txt
	$(PIP_INSTALL) -r $(VENV)/requirements-optimizer.txt

db: setup
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput

content: db
	$(BIN)/python manage.py import_article $(ARTICLE)

demo: content
	$(BIN)/python manage.py setup_demo
	$(BIN)/python manage.py setup_demo_training

run: demo
	@echo "BoneLearn on http://$(HOST):$(PORT)/ (Ctrl+C to stop)"
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

e2e-browser:
	@bash scripts/ensure-chromium || true

test: setup-dev demo e2e-browser
	$(BIN)/python -m pytest

bench: setup-dev
	$(BIN)/python -m bench.run

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: setup-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .venv-3.* var staticfiles test-output
