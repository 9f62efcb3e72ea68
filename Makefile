# SAR letters — every target is a one-line wrapper; the logic lives in pipeline/.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 17

$(STAMP): pyproject.toml
	python3 -m venv $(VENV) && $(PY) -m pip install --quiet --upgrade pip && $(PY) -m pip install --quiet -e '.[dev]' && touch $(STAMP)

install: $(STAMP)  ## create the virtual environment and install (done by the others on first use)

system-packages:  ## install LibreOffice, fonts and Tesseract where missing (apt; done by test and check)
	tools/install-system-packages.sh

letters: $(STAMP)  ## the weekly run: read the register, generate letters, write back, report
	$(PY) -m pipeline run $(ARGS)

init: $(STAMP)  ## start a real register and letters.toml (never overwrites)
	$(PY) -m pipeline init

status: $(STAMP)  ## open requests with both deadlines and days left (changes nothing)
	$(PY) -m pipeline status

validate: $(STAMP)  ## check config, register and templates (changes nothing)
	$(PY) -m pipeline check

test: $(STAMP) system-packages  ## run the tests
	$(PY) -m pytest -q

check: $(STAMP) system-packages  ## lint, format, strict types, the import contract, tests with branch coverage
	$(VENV)/bin/ruff check pipeline tests tools bench && $(VENV)/bin/ruff format --check pipeline tests tools bench && $(VENV)/bin/mypy && $(VENV)/bin/lint-imports --no-cache && $(PY) -m pytest -q --cov --cov-report=term-missing:skip-covered --cov-fail-under=90

bench: $(STAMP)  ## measure the weekly run on 10, 100 and 1,000 requests; writes BENCHMARKS.md
	$(PY) bench/run.py $(ARGS)

templates: $(STAMP)  ## rebuild letter_templates/*.docx from tools/build_templates.py
	$(PY) tools/build_templates.py

example: $(STAMP)  ## rebuild registers/example-register.xlsx from tools/make_example_register.py
	$(PY) tools/make_example_register.py

.PHONY: help install system-packages letters init status validate test check bench templates example
