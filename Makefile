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

.PHONY: help run token soak test test-unit screenshot browser openapi docs lint lint-iac package policy provision deploy deploy-check destroy layer rehearse deployer-policy bench bench-peers bench-instructions cost clean
# Plain `make` lists the commands.
.DEFAULT_GOAL := help

$(INSTALLED): requirements.txt requirements-oidc.txt requirements-dev.txt
	@test -n "$(call python_is,$(or $(PYTHON),false))" || { echo "make: no Python $(PYTHON_VERSION) found" \
	  "(PYTHON=$(PYTHON); tried python$(PYTHON_VERSION), pyenv's, python3). Install it" \
	  "(pyenv install $(PYTHON_VERSION)) or name one: make PYTHON=/path/to/python$(PYTHON_VERSION) ..." >&2; exit 1; }
	$(PYTHON) -m venv --clear $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

## List these commands: the first line of each target's ## comment.
help:
	@awk '/^## / && !text { text = substr($$0, 4) } \
	  /^[a-z][a-z-]*:/ && text { sub(/:.*/, ""); printf "make %-19s %s\n", $$0, text } \
	  !/^## / { text = "" }' $(firstword $(MAKEFILE_LIST))

## Serve the API and the web client offline (127.0.0.1, a DynamoDB emulator).
## The API on PORT (default 8000), the web client on WEB_PORT (default PORT + 1).
## IDENTITY=cognito: sign in to moto's Cognito user pool instead of the local sign-in.
## API_KEYS=1: /todos also need the printed API key.
run: $(INSTALLED)
	$(BIN)/python -m tools.local.stack --stage $(STAGE) --port $(PORT) \
	  $(if $(WEB_PORT),--web-port $(WEB_PORT)) $(if $(IDENTITY),--identity $(IDENTITY)) \
	  $(if $(filter 1,$(API_KEYS)),--api-keys)$(if $(filter 0,$(API_KEYS)),--no-api-keys)

## Print a bearer token for the local stage (USER=alice, SCOPE=...).
## The last line of the output is the token alone.
token: $(INSTALLED)
	@$(BIN)/python -m tools.local.token --stage $(STAGE) "$(USER)" $(if $(SCOPE),--scope "$(SCOPE)")

## Soak make run: CREATES idempotent creates (default 3000), figures per thousand.
## Median and p99 latency and the stack's memory for each thousand; not part of make test.
soak: $(INSTALLED)
	$(BIN)/python -m tools.local.soak $(if $(CREATES),--creates $(CREATES))

## Lint the code: ruff (rules and format) and mypy --strict.
lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Lint the code and the templates, then run the whole test suite offline.
## First installs the Chromium the browser tests drive, if there is none (make browser).
test: browser lint lint-iac
	$(BIN)/python -m pytest

## Run the fast tier alone: tests/unit (no processes, no connections).
test-unit: $(INSTALLED)
	$(BIN)/python -m pytest tests/unit

## Refresh docs/web-client.png, the README's screenshot, from a browser test.
## The test writes build/web-client.png (tests write no tracked file); this copies it.
screenshot: browser
	$(BIN)/python -m pytest -q \
	  tests/integration/web/test_browser.py::test_main_screen_fits_a_phone_and_is_the_readmes_screenshot
	cp build/web-client.png docs/web-client.png

## Find or install the Chromium the browser tests drive (tools/browser.py).
## Debian's chromium package where apt-get can run as root (or through sudo), else
## Playwright's download; if neither works, one line says what to install.
browser: $(INSTALLED)
	@$(BIN)/python -m tools.browser

## Write the todo's schemas in chalicelib/openapi.json from its declaration.
## The declaration is chalicelib/model.py's; a test fails while the committed file differs.
openapi: $(INSTALLED)
	$(BIN)/python -m tools.openapi_schema

## Rewrite the docs' generated blocks: make cost's figures, the module tables.
## Each sits between markers naming its command (<!-- make cost -->); a test fails while one
## differs. The benchmarks write their own: make bench BENCH_ARGS=--write-docs.
docs: $(INSTALLED)
	$(BIN)/python -m tools.docs

## Write .chalice/policy-STAGE.json: the AWS actions the code calls.
## STAGE=dev|prod; the file is committed, and a rerun changes nothing.
policy: $(INSTALLED)
	$(BIN)/python -m tools.deploy.policy --stage $(STAGE)

## Create or update a stage's table and signing secret (STAGE=dev|prod).
## ROTATE=1 replaces the secret; SECRET_ONLY=1 skips the table (CloudFormation path).
provision: $(INSTALLED)
	$(BIN)/python -m tools.deploy.provision --stage $(STAGE) $(if $(SECRET_ONLY),--secret-only) $(if $(ROTATE),--rotate-secret)

## Deploy a stage with Chalice: check, provision, policy, then chalice deploy.
## Then the retention of the API handler's log group, which Chalice misnames (aws/chalice#2079).
deploy: deploy-check provision policy
	$(BIN)/chalice deploy --stage $(STAGE)
	$(BIN)/python -m tools.deploy.log_groups --stage $(STAGE)

## Check that a stage can deploy as configured, before anything is created.
## Its settings, its layer and the account's Lambda concurrency (tools.deploy.check).
deploy-check: $(INSTALLED)
	$(BIN)/python -m tools.deploy.check --stage $(STAGE)

## Remove a stage's functions, API, roles and logs; its table and secret stay.
## Found by name if .chalice/deployed/$(STAGE).json is missing; prints what it keeps and how
## to remove each. STAGE=dev|prod.
destroy: $(INSTALLED)
	$(BIN)/python -m tools.deploy.destroy --stage $(STAGE)

API ?= rest
## Package a stage for CloudFormation: build/STAGE/sam.json, deployment.zip.
## STAGE=dev|prod.
## API=http: an HTTP API in place of the REST API, in build/STAGE-http/.
## API_KEYS=1 (or 0): /todos require an API key under a usage plan, whatever the stage says.
package: $(INSTALLED)
	$(BIN)/python -m tools.deploy.package --stage $(STAGE) --api $(API) \
	  $(if $(filter 1,$(API_KEYS)),--api-keys)$(if $(filter 0,$(API_KEYS)),--no-api-keys)

## Package every variant, then lint each template (cfn-lint, checkov).
## The variants: prod REST, HTTP and with API keys; dev REST and HTTP. Each template is
## linted before and after the SAM transform (as it deploys); checkov runs in .venv-checkov.
lint-iac: $(INSTALLED)
	$(BIN)/python -m tools.deploy.package --stage prod
	$(BIN)/python -m tools.deploy.package --stage prod --api http
	$(BIN)/python -m tools.deploy.package --stage prod --api-keys --out build/prod-api-keys
	$(BIN)/python -m tools.deploy.package --stage dev
	$(BIN)/python -m tools.deploy.package --stage dev --api http
	$(BIN)/python -m tools.deploy.lint build/prod/sam.json build/prod-http/sam.json \
	  build/prod-api-keys/sam.json build/dev/sam.json build/dev-http/sam.json

ARCH ?= arm64
## Build build/layer-ARCH.zip, the cryptography layer OIDC authorizers need.
## ARCH=arm64 (prod) or x86_64 (dev). Publishing it is an AWS call: see docs/deploy.md.
layer: $(INSTALLED)
	rm -rf build/layer-$(ARCH) && mkdir -p build/layer-$(ARCH)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --only-binary=:all: \
	  --platform manylinux2014_$(subst arm64,aarch64,$(ARCH)) --python-version $(PYTHON_VERSION) \
	  --implementation cp --target build/layer-$(ARCH)/python -r requirements-oidc.txt
	cd build/layer-$(ARCH) && rm -f ../layer-$(ARCH).zip && $(abspath $(BIN))/python -m zipfile -c ../layer-$(ARCH).zip python
	@ls -l build/layer-$(ARCH).zip

## Print benchmarks: zip size, cold starts and the warm path (offline).
## The prod Lambda zip's size, cold starts against minimal Chalice apps, and the warm path
## against the smallest Chalice app and a bare handler; not part of make test.
## BENCH_ARGS: e.g. --runs 15, --no-bytecode, --sections warm; --write-docs puts a whole
## run's figures into docs/performance.md.
bench: $(INSTALLED)
	$(BIN)/python -m bench $(BENCH_ARGS)

## Print GET /todos/{id}, cold and warm, in todo-api and in other frameworks.
## The peers: Powertools, FastAPI, Flask, the smallest Chalice app, a bare handler, each in a
## virtualenv under build/peers/ (made from PyPI on first use).
## BENCH_ARGS: e.g. --runs 31 --warm-processes 7; --write-docs: into docs/performance.md.
bench-peers: $(INSTALLED)
	$(BIN)/python -m bench.peers_bench $(BENCH_ARGS)

## Print the warm path in instructions per request, under cachegrind.
## Instructions and cache misses: counts that noise cannot move, for telling whether a
## change did less work; not part of make test.
## BENCH_ARGS: e.g. --routes get create --requests 500; --write-docs: into docs/performance.md.
bench-instructions: $(INSTALLED)
	$(BIN)/python -m bench.instructions $(BENCH_ARGS)

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
## Print a stage's monthly cost, line by line (offline).
## Prices are dated, in tools/cost/prices.json.
## Default: prod, REST and HTTP side by side, the traffic profile of docs/deploy.md. Each
## optional: STAGE REQUESTS MEMORY_MB DURATION_MS AUTHORIZER_MS ARCH API=rest|http
## AUTHORIZER=lambda|jwt FREE_TIER=1|0 RESPONSE_KB MIX="get=40,list=40,create=10,update=8,delete=2"
## REQUESTS_PER_TOKEN_WINDOW PAGE_ITEMS TRANSFER_FREE_GB.
cost: $(INSTALLED)
	$(BIN)/python -m tools.cost $(cost_options)

## Rehearse both deploy paths on an AWS emulator on loopback (IAM enforced).
## MiniStack, dev and prod; never AWS. What it ran, answered and called goes to build/rehearsal/.
## Not part of make test (minutes): CI runs it after.
rehearse: $(INSTALLED)
	$(BIN)/python -m tools.deploy.rehearsal $(REHEARSE_ARGS)

## Write the deployer's least-privilege policies into docs/deploy.md.
## From the AWS calls the last make rehearse recorded (build/rehearsal/calls.json).
deployer-policy: $(INSTALLED)
	$(BIN)/python -m tools.deploy.rehearsal.calls --write-docs

## Remove what make made: the virtualenvs, caches and build/.
clean:
	rm -rf $(VENV) .venv-checkov .venv-emulator .venv-lambda .pytest_cache .ruff_cache build
