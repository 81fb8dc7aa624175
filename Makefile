# make run: set up, migrate, load the demo event when the database is empty, serve on http://127.0.0.1:5000
# make test: set up, run the whole suite (PostgreSQL and browser tests run where available, else are skipped with a note)
# make test-fast: the same without the browser tests
# make lock: refresh requirements.lock (exact versions with hashes) to the newest releases within pyproject.toml's ranges
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app tracker
STAMP := $(VENV)/.installed
LOCK := requirements.lock
PYTHON ?= python3
LOCAL_POSTGRES_URL := postgresql://postgres@127.0.0.1:5432/test

.PHONY: run test test-fast lock setup serve translations mail-sender demo clean

$(STAMP): pyproject.toml $(LOCK)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r $(LOCK)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

lock:
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv
	UV_CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/uv pip compile --quiet --universal --python-version 3.11 \
	  --generate-hashes --extra test --upgrade pyproject.toml -o $(LOCK)

setup: $(STAMP)
	@$(VENV)/bin/pybabel compile --statistics -d tracker/translations 2>&1 | grep -v '^compiling' || true

run: setup
	$(FLASK) db upgrade
	$(FLASK) demo load --if-empty
	$(FLASK) run --host 127.0.0.1 --port 5000

serve: setup
	$(FLASK) db upgrade
	$(VENV)/bin/gunicorn --config deploy/gunicorn.conf.py wsgi:app

mail-sender: setup
	$(FLASK) mail send --loop

test: setup
	@if [ -z "$$TRACKER_TEST_POSTGRES_URL" ]; then \
	  if command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then \
	    echo "make test: PostgreSQL answers on 127.0.0.1:5432, running the database tests on it too."; \
	    export TRACKER_TEST_POSTGRES_URL=$(LOCAL_POSTGRES_URL); \
	  else echo "make test: no PostgreSQL on 127.0.0.1:5432 and TRACKER_TEST_POSTGRES_URL unset: PostgreSQL tests are skipped."; fi; \
	fi; \
	[ -x /usr/bin/chromium ] || echo "make test: /usr/bin/chromium missing (apt-get install chromium): browser tests are skipped."; \
	command -v spamassassin >/dev/null || echo "make test: spamassassin missing (apt-get install spamassassin): the mail spam score test is skipped."; \
	$(PY) -m pytest -n 2 $(PYTEST_MARKS) $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests: that is a broken suite, not a pass."; fi; \
	exit $$rc

test-fast: PYTEST_MARKS := -m "not browser"
test-fast: test

translations:
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 --no-location --no-wrap --sort-output \
	  -o tracker/translations/messages.pot tracker templates
	$(VENV)/bin/pybabel update -i tracker/translations/messages.pot -d tracker/translations -l de --no-fuzzy-matching --ignore-obsolete --no-wrap

demo: setup
	$(FLASK) db upgrade
	$(FLASK) demo load

clean:
	rm -rf $(VENV) test-artifacts .pytest_cache
