# The commands a person types. Each installs what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PORT ?= 8000
STAGE ?= local

.PHONY: run token test lint clean

$(INSTALLED): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

## Serve the API on http://127.0.0.1:$(PORT) with an embedded DynamoDB emulator.
run: $(INSTALLED)
	$(BIN)/python -m tools.local_stack --stage $(STAGE) --port $(PORT)

## Print a bearer token for the local stage; the last line is the token alone.
token: $(INSTALLED)
	@$(BIN)/python -m tools.token --stage $(STAGE) "$(USER)"

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## Lint, then run the whole test suite offline.
test: lint
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build
