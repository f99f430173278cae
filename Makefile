# Two commands matter: `make run` (portal with demo data) and `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint bench clean install

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	DEBUG=1 DEMO_MODE=1 $(PY) manage.py migrate --noinput
	DEBUG=1 DEMO_MODE=1 $(PY) manage.py load_demo_data
	@echo ""
	@echo "门户已启动：http://$(HOST):$(PORT)/    管理后台：http://$(HOST):$(PORT)/admin/"
	@echo "（演示环境；按 Ctrl+C 停止）"
	DEBUG=1 DEMO_MODE=1 $(PY) manage.py runserver $(HOST):$(PORT)

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	ALLOW_INSECURE_KEY=1 $(PY) manage.py makemigrations --check --dry-run

bench: $(STAMP)
	ALLOW_INSECURE_KEY=1 $(PY) -m bench $(BENCH_ARGS)
	ALLOW_INSECURE_KEY=1 $(PY) -m bench.worklist $(WORKLIST_BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
