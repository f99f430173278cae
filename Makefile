# Two commands matter: `make run` (portal with demo data) and `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint bench clean install

# The portal's own dependencies are all `make run` needs; the test, lint and benchmark tools
# (the dev extra: pytest, playwright, ruff, …) come with `make test` and `make lint`, so that a
# first look does not wait for them.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	rm -f $(DEV_STAMP)
	touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(DEV_STAMP)

install: $(DEV_STAMP)

SIM_PORT ?= 8765
DEMO_ENV := DEBUG=1 DEMO_MODE=1 PROVINCIAL_BASE_URL=http://127.0.0.1:$(SIM_PORT)

# The provincial platform simulator runs beside the portal (the demo works offline); it starts
# first, building its dataset while the database is migrated and loaded; the guides are synced
# from it once, then the portal serves until Ctrl+C, which stops both.
run: $(STAMP)
	@set -e; \
	$(DEMO_ENV) $(PY) manage.py run_provincial_simulator --port $(SIM_PORT) > .simulator.log 2>&1 & \
	SIM=$$!; trap 'kill $$SIM 2>/dev/null' EXIT INT TERM; \
	$(DEMO_ENV) $(PY) manage.py migrate --noinput; \
	$(DEMO_ENV) $(PY) manage.py load_demo_data; \
	echo "省平台模拟器：http://127.0.0.1:$(SIM_PORT)/ ，正在同步办事指南……"; \
	$(DEMO_ENV) $(PY) manage.py sync_guides || echo "（办事指南同步未完全成功，见上方说明；门户照常启动）"; \
	echo ""; \
	echo "门户已启动：http://$(HOST):$(PORT)/    管理后台：http://$(HOST):$(PORT)$$($(DEMO_ENV) $(PY) manage.py shell -v 0 -c 'from django.urls import reverse; print(reverse("admin:index"))' 2>/dev/null)"; \
	echo "（演示环境；按 Ctrl+C 停止）"; \
	$(DEMO_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

test: $(DEV_STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	ALLOW_INSECURE_KEY=1 $(PY) manage.py makemigrations --check --dry-run

bench: $(DEV_STAMP)
	ALLOW_INSECURE_KEY=1 $(PY) -m bench $(BENCH_ARGS)
	ALLOW_INSECURE_KEY=1 $(PY) -m bench.worklist $(WORKLIST_BENCH_ARGS)
	ALLOW_INSECURE_KEY=1 $(PY) -m bench.guides $(GUIDES_BENCH_ARGS)
	ALLOW_INSECURE_KEY=1 $(PY) -m bench.portal $(PORTAL_BENCH_ARGS)
	ALLOW_INSECURE_KEY=1 $(PY) -m bench.redis_down $(REDIS_BENCH_ARGS)
	ALLOW_INSECURE_KEY=1 $(PY) -m bench.hostile $(HOSTILE_BENCH_ARGS)
	ALLOW_INSECURE_KEY=1 $(PY) -m bench.privacy $(PRIVACY_BENCH_ARGS)
	ALLOW_INSECURE_KEY=1 $(PY) -m bench.release $(RELEASE_BENCH_ARGS)
	ALLOW_INSECURE_KEY=1 $(PY) -m bench.annual_report $(ANNUAL_REPORT_BENCH_ARGS)
	ALLOW_INSECURE_KEY=1 $(PY) -m bench.foi $(FOI_BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles private .pytest_cache .simulator.log
