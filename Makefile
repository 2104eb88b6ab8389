# Aan tafel: two commands do all set-up on a fresh machine.
#   make run   - virtualenv, dependencies, database migrations, start the server on SQLite
#   make test  - the above plus test dependencies and system packages, then the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test lint format translations catalogues services bench clean

$(BIN)/activate: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(BIN)/activate

$(VENV)/.dev: $(BIN)/activate requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.dev

translations: $(BIN)/activate
	$(BIN)/pybabel compile -d workshop/translations

run: $(BIN)/activate translations
	$(BIN)/python app.py

services:
	bash scripts/system-deps.sh
	bash scripts/services.sh

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The suite runs twice: on SQLite + one process, and on PostgreSQL + Redis (scale-out).
# The second pass, on PostgreSQL + Redis: the API, live delivery, abuse, scale-out, and the
# features whose queries or shared state differ there (library full text, dashboard presence,
# themes, own posts withdrawn while others vote), with their browser tests.
SCALEOUT_TESTS = tests/test_api.py tests/test_realtime.py tests/test_delivery.py tests/test_abuse.py \
	tests/test_scaleout.py tests/test_socket_guard.py tests/test_malformed_input.py \
	tests/test_secrets.py tests/test_stats.py tests/test_votes.py tests/test_dashboard.py \
	tests/test_own_posts_live.py tests/test_library.py tests/test_themes.py \
	tests/e2e/test_dashboard.py tests/e2e/test_library.py tests/e2e/test_themes.py

test: services $(VENV)/.dev translations lint
	$(BIN)/python -m pytest -q -p no:cacheprovider
	. ./.test-services.env && $(BIN)/python -m pytest -q -p no:cacheprovider $(SCALEOUT_TESTS)

# Load benchmarks (scripts, not tests; a few minutes; results in bench/results/, see docs/BENCHMARKS.md).
# The steady load runs back to back against bench/reference_server.py, so its figures are ratios.
bench: services $(VENV)/.dev translations
	$(BIN)/python bench/versus.py --phones 1000 --rate 20 --duration 60
	$(BIN)/python bench/join_storm.py --phones 500 --seconds 10
	$(BIN)/python bench/scaleout.py --processes 4 --sessions 40 --phones 100 --rate 20 --duration 60

clean:
	rm -rf $(VENV) .test-services.env

# Refresh the catalogues after adding strings; then translate the new nl entries.
catalogues: $(BIN)/activate
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -o workshop/translations/messages.pot workshop templates
	$(BIN)/pybabel update -i workshop/translations/messages.pot -d workshop/translations
