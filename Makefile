# chainrule: `make demo` (the main job) and `make test` (the tests).
# Both bootstrap what they need on a fresh machine: a local .venv with the package
# installed editable, Graphviz's `dot`, and in CI (CI=true) PyTorch and Chromium for
# the parity and browser tests.  Every step is idempotent.
#
# Each target installs only what it uses: `make demo` chainrule and its runtime
# dependencies (numpy, graphviz, tqdm); `make test` adds the dev and release extras (pytest,
# Jupyter for the notebooks, Playwright, build/twine); `make lint` the lint extra (ruff,
# mypy); `make docs` the docs extra (Sphinx). One stamp per set, in .venv.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
TORCH  := torch==2.13.0

DEMO_STAMP := $(VENV)/.demo-stamp
TEST_STAMP := $(VENV)/.test-stamp
LINT_STAMP := $(VENV)/.lint-stamp
DOCS_STAMP := $(VENV)/.docs-stamp
DOCS_OUT   := docs/_build/html

.PHONY: test demo bench lint deps dot torch chromium strip clean docs docs-test

$(PY):
	$(PYTHON) -m venv $(VENV)

$(DEMO_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	@touch $@

$(TEST_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e ".[dev,release]"
	@touch $@ $(DEMO_STAMP)

$(LINT_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e ".[lint]"
	@touch $@

deps: $(TEST_STAMP) dot torch chromium

# Graphviz `dot`: installed with apt-get when missing and we are root; otherwise say how.
dot:
	@if command -v dot >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Graphviz (dot) with apt-get..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	else \
		echo "NOTE: Graphviz 'dot' is missing; drawings keep their DOT source but cannot render."; \
		echo "      Install it with: sudo apt-get install -y graphviz"; \
	fi

# PyTorch is only a test oracle and a benchmark reference: installed (pinned) in CI only.
torch: $(TEST_STAMP)
	@if [ "$${CI:-}" = "true" ] && ! $(PY) -c "import torch" >/dev/null 2>&1; then \
		echo "Installing $(TORCH) (CPU) for the parity tests..."; \
		$(PY) -m pip install -q $(TORCH); \
	fi

# Chromium drives the HTML player test; installed in CI like dot.
chromium:
	@if [ "$${CI:-}" = "true" ] && ! command -v chromium >/dev/null 2>&1; then \
		if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
			echo "Installing Chromium with apt-get for the browser tests..."; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "NOTE: chromium missing; install it with: sudo apt-get install -y chromium"; \
		fi; \
	fi

test: deps
	@if ls notebooks/*.ipynb >/dev/null 2>&1; then $(PY) -m nbstripout --verify notebooks/*.ipynb; fi
	$(PY) -m pytest --ignore=tests/docs

demo: $(DEMO_STAMP) dot
	$(PY) examples/demo.py

# Every bench/*.py in its own process, then one table of the ratios against the references
# timed in the same run (bench/summary.py). A benchmark that fails makes `make bench` fail.
bench: $(DEMO_STAMP)
	$(PY) bench/summary.py

# ruff on everything; mypy on the packages (settings and per-module exceptions: pyproject.toml).
lint: $(LINT_STAMP)
	$(PY) -m ruff check autograd nn viz tests bench examples docs/site
	$(PY) -m mypy

# The course site: Sphinx sources in docs/site, output in $(DOCS_OUT) (open index.html in a
# browser, from the file system). Warnings are errors; -E re-reads every page so they always
# show. The notebooks are executed during the build, cached in docs/_build/.jupyter_cache (a
# notebook re-runs only when its code changes).
$(DOCS_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e ".[dev,docs]"
	@touch $@

docs: $(DOCS_STAMP) dot
	$(PY) -m sphinx -E -W --keep-going -b html -q -d docs/_build/doctrees docs/site $(DOCS_OUT)
	@echo "Site built: open $(DOCS_OUT)/index.html in a browser"

# The built site as a web page (headless Chromium): run after `make docs` (as .ci/run does).
docs-test: $(DOCS_STAMP) chromium
	CHAINRULE_DOCS_TEST=1 $(PY) -m pytest tests/docs

# Remove outputs from the notebooks (they are committed stripped).
strip: $(TEST_STAMP)
	$(PY) -m nbstripout notebooks/*.ipynb

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis .mypy_cache docs/_build docs/site/_generated docs/site/course
