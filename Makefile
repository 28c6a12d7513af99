# The commands a person types. Each installs what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PORT ?= 8000
STAGE ?= local

.PHONY: run token test lint lint-iac package policy provision deploy destroy layer bench clean

$(INSTALLED): requirements.txt requirements-oidc.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

## Serve the API on http://127.0.0.1:$(PORT) with an embedded DynamoDB emulator.
run: $(INSTALLED)
	$(BIN)/python -m tools.local_stack --stage $(STAGE) --port $(PORT)

## Print a bearer token for the local stage; the last line is the token alone.
token: $(INSTALLED)
	@$(BIN)/python -m tools.token --stage $(STAGE) "$(USER)" $(if $(SCOPE),--scope "$(SCOPE)")

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## Lint (code and the packaged prod template), then run the whole test suite offline.
test: lint lint-iac
	$(BIN)/python -m pytest

## Write .chalice/policy-$(STAGE).json: exactly the AWS actions the code calls (STAGE=dev|prod).
policy: $(INSTALLED)
	$(BIN)/python -m tools.policy --stage $(STAGE)

## Create or update a deployed stage's table and signing secret (STAGE=dev|prod).
## ROTATE=1 replaces the secret; SECRET_ONLY=1 skips the table (CloudFormation path).
provision: $(INSTALLED)
	$(BIN)/python -m tools.provision --stage $(STAGE) $(if $(SECRET_ONLY),--secret-only) $(if $(ROTATE),--rotate-secret)

## Deploy a stage to AWS with Chalice: provision, policy, then chalice deploy.
deploy: provision policy
	$(BIN)/chalice deploy --stage $(STAGE)

## Remove a stage's Chalice resources (functions, API, roles). Its table and secret stay.
destroy: $(INSTALLED)
	$(BIN)/chalice delete --stage $(STAGE)
	@echo "The table and the signing secret of stage $(STAGE) were kept: see docs/deploy.md to delete them."

## Package a stage for CloudFormation: build/$(STAGE)/sam.json and deployment.zip (STAGE=dev|prod).
package: $(INSTALLED)
	$(BIN)/python -m tools.package --stage $(STAGE)

## Package prod, then lint its template: cfn-lint, and checkov in its own .venv-checkov.
lint-iac: $(INSTALLED)
	$(BIN)/python -m tools.package --stage prod
	$(BIN)/python -m tools.lint_iac --template build/prod/sam.json

## Build the cryptography layer an OIDC stage's authorizer needs: build/layer-$(ARCH).zip.
## ARCH=arm64 (prod) or x86_64 (dev). Publishing it is an AWS call: see docs/deploy.md.
ARCH ?= arm64
layer: $(INSTALLED)
	rm -rf build/layer-$(ARCH) && mkdir -p build/layer-$(ARCH)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --only-binary=:all: \
	  --platform manylinux2014_$(subst arm64,aarch64,$(ARCH)) --python-version 3.11 \
	  --implementation cp --target build/layer-$(ARCH)/python -r requirements-oidc.txt
	cd build/layer-$(ARCH) && rm -f ../layer-$(ARCH).zip && $(abspath $(BIN))/python -m zipfile -c ../layer-$(ARCH).zip python
	@ls -l build/layer-$(ARCH).zip

## Print benchmark figures: the prod Lambda zip's size, and cold starts against minimal
## Chalice apps (offline; not part of make test). BENCH_ARGS: e.g. --runs 15, --bytecode.
bench: $(INSTALLED)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .venv-checkov .pytest_cache .ruff_cache build
