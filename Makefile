# Two commands: `make report` (the main job) and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: report test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

report: $(STAMP)
	# trees/ holds bad examples on purpose: exit 1 ("findings") is expected, the reports are complete.
	$(BIN)/phonejail report trees/ -o reports/ || test $$? -eq 1

test: $(STAMP)
	# -n auto: one worker per core; the tests share no files, ports or terminals.
	$(BIN)/python -m pytest -n auto

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_check.py
	$(BIN)/python benchmarks/bench_simulate.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info
