# The commands a person types. Each installs what it needs first.
# Chalice packages the Lambda runtime of the Python it runs under: the project runs on
# 3.13 (Lambda supports python3.13 until mid-2029). PYTHON=... picks an interpreter;
# otherwise the first 3.13 among python3.13 on PATH, pyenv's and python3.
PYTHON_VERSION := 3.13
python_is = $(shell $(1) -c 'import sys; print(sys.executable if "%d.%d" % sys.version_info[:2] == "$(PYTHON_VERSION)" else "")' 2>/dev/null)
ifeq ($(origin PYTHON),undefined)
PYTHON := $(firstword $(foreach candidate,python$(PYTHON_VERSION) $(wildcard $(HOME)/.pyenv/versions/$(PYTHON_VERSION).*/bin/python$(PYTHON_VERSION)) python3,$(call python_is,$(candidate))))
endif
VENV := .venv
BIN := $(VENV)/bin
# Named after the version, so a .venv made by another Python is made again.
INSTALLED := $(VENV)/.installed-$(PYTHON_VERSION)
PORT ?= 8000
STAGE ?= local

.PHONY: run token test test-unit openapi lint lint-iac package policy provision deploy deploy-check destroy layer bench bench-peers bench-instructions cost clean

$(INSTALLED): requirements.txt requirements-oidc.txt requirements-dev.txt
	@test -n "$(call python_is,$(or $(PYTHON),false))" || { echo "make: no Python $(PYTHON_VERSION) found" \
	  "(PYTHON=$(PYTHON); tried python$(PYTHON_VERSION), pyenv's, python3). Install it" \
	  "(pyenv install $(PYTHON_VERSION)) or name one: make PYTHON=/path/to/python$(PYTHON_VERSION) ..." >&2; exit 1; }
	$(PYTHON) -m venv --clear $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

## Serve the API on http://127.0.0.1:$(PORT) with an embedded DynamoDB emulator, and the web
## client on WEB_PORT (default PORT + 1). IDENTITY=cognito: sign in to moto's Cognito user
## pool instead of the local sign-in. API_KEYS=1: /todos also need the printed API key.
run: $(INSTALLED)
	$(BIN)/python -m tools.local_stack --stage $(STAGE) --port $(PORT) \
	  $(if $(WEB_PORT),--web-port $(WEB_PORT)) $(if $(IDENTITY),--identity $(IDENTITY)) \
	  $(if $(filter 1,$(API_KEYS)),--api-keys)$(if $(filter 0,$(API_KEYS)),--no-api-keys)

## Print a bearer token for the local stage; the last line is the token alone.
token: $(INSTALLED)
	@$(BIN)/python -m tools.token --stage $(STAGE) "$(USER)" $(if $(SCOPE),--scope "$(SCOPE)")

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Lint (code and the packaged prod template), then run the whole test suite offline.
test: lint lint-iac
	$(BIN)/python -m pytest

## The fast tier alone: no process, no server, no connection (tests not marked integration).
test-unit: $(INSTALLED)
	$(BIN)/python -m pytest -m "not integration"

## Rewrite the todo's schemas in chalicelib/openapi.json from the todo's one declaration
## (chalicelib/model.py); a test fails while the committed file differs from what this writes.
openapi: $(INSTALLED)
	$(BIN)/python -m tools.openapi_schema

## Write .chalice/policy-$(STAGE).json: exactly the AWS actions the code calls (STAGE=dev|prod).
policy: $(INSTALLED)
	$(BIN)/python -m tools.policy --stage $(STAGE)

## Create or update a deployed stage's table and signing secret (STAGE=dev|prod).
## ROTATE=1 replaces the secret; SECRET_ONLY=1 skips the table (CloudFormation path).
provision: $(INSTALLED)
	$(BIN)/python -m tools.provision --stage $(STAGE) $(if $(SECRET_ONLY),--secret-only) $(if $(ROTATE),--rotate-secret)

## Deploy a stage to AWS with Chalice: provision, policy, then chalice deploy.
deploy: deploy-check provision policy
	$(BIN)/chalice deploy --stage $(STAGE)

# Before any AWS call: a stage Chalice cannot deploy as configured (tools.stage).
deploy-check: $(INSTALLED)
	$(BIN)/python -m tools.stage --check-deploy $(STAGE)

## Remove a stage's Chalice resources (functions, API, roles). Its table and secret stay.
destroy: $(INSTALLED)
	$(BIN)/chalice delete --stage $(STAGE)
	@echo "The table and the signing secret of stage $(STAGE) were kept: see docs/deploy.md to delete them."

## Package a stage for CloudFormation: build/$(STAGE)/sam.json and deployment.zip (STAGE=dev|prod).
## API=http: an HTTP API in place of the REST API, in build/$(STAGE)-http/.
## API_KEYS=1 (or 0): /todos require an API key under a usage plan, whatever the stage says.
API ?= rest
package: $(INSTALLED)
	$(BIN)/python -m tools.package --stage $(STAGE) --api $(API) \
	  $(if $(filter 1,$(API_KEYS)),--api-keys)$(if $(filter 0,$(API_KEYS)),--no-api-keys)

## Package every variant (prod REST, HTTP and with API keys; dev REST and HTTP), then lint each
## template before and after the SAM transform (as it deploys): cfn-lint, and checkov in .venv-checkov.
lint-iac: $(INSTALLED)
	$(BIN)/python -m tools.package --stage prod
	$(BIN)/python -m tools.package --stage prod --api http
	$(BIN)/python -m tools.package --stage prod --api-keys --out build/prod-api-keys
	$(BIN)/python -m tools.package --stage dev
	$(BIN)/python -m tools.package --stage dev --api http
	$(BIN)/python -m tools.lint_iac build/prod/sam.json build/prod-http/sam.json \
	  build/prod-api-keys/sam.json build/dev/sam.json build/dev-http/sam.json

## Build the cryptography layer an OIDC stage's authorizer needs: build/layer-$(ARCH).zip.
## ARCH=arm64 (prod) or x86_64 (dev). Publishing it is an AWS call: see docs/deploy.md.
ARCH ?= arm64
layer: $(INSTALLED)
	rm -rf build/layer-$(ARCH) && mkdir -p build/layer-$(ARCH)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --only-binary=:all: \
	  --platform manylinux2014_$(subst arm64,aarch64,$(ARCH)) --python-version $(PYTHON_VERSION) \
	  --implementation cp --target build/layer-$(ARCH)/python -r requirements-oidc.txt
	cd build/layer-$(ARCH) && rm -f ../layer-$(ARCH).zip && $(abspath $(BIN))/python -m zipfile -c ../layer-$(ARCH).zip python
	@ls -l build/layer-$(ARCH).zip

## Print benchmark figures: the prod Lambda zip's size, cold starts against minimal
## Chalice apps, and the warm path against the smallest Chalice app and a bare handler
## (offline; not part of make test). BENCH_ARGS: e.g. --runs 15, --no-bytecode, --sections warm.
bench: $(INSTALLED)
	$(BIN)/python -m bench $(BENCH_ARGS)

## Print GET /todos/{id} in todo-api and its peers (Powertools, FastAPI, Flask, Chalice, a
## bare handler), cold and warm, each in a virtualenv under build/peers/ (made from PyPI
## on first use). BENCH_ARGS: e.g. --runs 31 --warm-processes 7.
bench-peers: $(INSTALLED)
	$(BIN)/python -m bench.peers_bench $(BENCH_ARGS)

## Print the warm path in instructions and cache misses per request, under cachegrind:
## counts that noise cannot move, for telling whether a change did less work (needs
## valgrind; not part of make test). BENCH_ARGS: e.g. --routes get create --requests 500.
bench-instructions: $(INSTALLED)
	$(BIN)/python -m bench.instructions $(BENCH_ARGS)

## Print a stage's monthly cost, line by line (offline; prices dated in tools/prices.json).
## Default: prod, REST and HTTP side by side, the traffic profile of docs/deploy.md. Each
## optional: STAGE REQUESTS MEMORY_MB DURATION_MS AUTHORIZER_MS ARCH API=rest|http
## AUTHORIZER=lambda|jwt FREE_TIER=1|0 RESPONSE_KB MIX="get=40,list=40,create=10,update=8,delete=2"
## REQUESTS_PER_TOKEN_WINDOW PAGE_ITEMS TRANSFER_FREE_GB.
# An option when its variable is given (command line or environment) and not empty: this
# file's own defaults of STAGE and ARCH are for other targets.
cost_option = $(if $(and $(filter-out file default undefined,$(origin $(1))),$($(1))),--$(2) "$($(1))")
cost_options = $(strip $(call cost_option,STAGE,stage) $(call cost_option,REQUESTS,requests) \
  $(call cost_option,MEMORY_MB,memory-mb) $(call cost_option,DURATION_MS,duration-ms) \
  $(call cost_option,AUTHORIZER_MS,authorizer-ms) $(call cost_option,ARCH,arch) \
  $(call cost_option,API,api) $(call cost_option,AUTHORIZER,authorizer) \
  $(call cost_option,FREE_TIER,free-tier) $(call cost_option,RESPONSE_KB,response-kb) \
  $(call cost_option,MIX,mix) $(call cost_option,REQUESTS_PER_TOKEN_WINDOW,requests-per-token-window) \
  $(call cost_option,PAGE_ITEMS,page-items) $(call cost_option,TRANSFER_FREE_GB,transfer-free-gb))
cost: $(INSTALLED)
	$(BIN)/python -m tools.cost $(cost_options)

clean:
	rm -rf $(VENV) .venv-checkov .pytest_cache .ruff_cache build
