# BoneLearn: `make run` serves the app, `make test` runs the suite. Both bootstrap everything first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ARTICLE := content/bone-metastases.txt

.PHONY: run test bench bench-scaleout haproxy setup db content demo lint format e2e-browser clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; install Python 3.11 or run make PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

db: setup
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput

content: db
	$(BIN)/python manage.py import_article $(ARTICLE)

demo: content
	$(BIN)/python manage.py setup_demo
	$(BIN)/python manage.py setup_demo_training

run: demo
	@echo "BoneLearn on http://127.0.0.1:8000/ (Ctrl+C to stop)"
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

e2e-browser:
	@bash scripts/ensure-chromium || true

test: demo e2e-browser
	$(BIN)/python -m pytest

# Chaos and capacity on SQLite and PostgreSQL (BENCH_POSTGRES_URL), then two instances behind
# HAProxy with Redis (REDIS_URL); prints the results and rewrites README's bench table.
bench: setup haproxy
	$(BIN)/python -m bench.run

bench-scaleout: setup haproxy
	$(BIN)/python -m bench.run --runs scaleout

haproxy:
	@bash scripts/ensure-haproxy

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var staticfiles test-output
