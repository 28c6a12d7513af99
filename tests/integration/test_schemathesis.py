"""The API keeps the promises of its own OpenAPI document, as schemathesis sees it.

schemathesis loads the document the running local stack serves at `GET /openapi.json` and
generates requests from it: for every operation, valid ones and invalid ones; and workflows
that feed one response into the next request (create, then read, change and delete what was
created), following the links schemathesis infers from the document. Every request carries
a bearer token from `tools.local.token`, and every response is checked: no 5xx, a status and a
Content-Type the document lists for the operation, a body matching the document's schema,
and invalid input refused.

The cases come from schemathesis's Hypothesis strategies (`as_strategy`, `as_state_machine`)
rather than `schemathesis.pytest.from_fixture`, whose lazy loading reads `Node._nodeid`,
which pytest 9.2 no longer has; the schema can only be loaded once the stack serves it.
Nothing here leaves 127.0.0.1 or talks to AWS, and nothing is written into the repository:
no Hypothesis database, no schemathesis cache.
"""

import contextlib
import itertools
from collections import Counter

import hypothesis
import hypothesis.configuration
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from app import app
from tools.deploy.stage import environment
from tools.local.token import issue_token

# Against the local stack: emulator and chalice local.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
SCHEMA_PATH = "/openapi.json"
# Every route of the app; schemathesis leaves out the one serving the document it tests.
ROUTES = sorted(f"{method} {path}" for path, methods in app.routes.items() for method in methods)
OPERATIONS = [route for route in ROUTES if route != f"GET {SCHEMA_PATH}"]
# Cases per operation, and workflows: a few seconds on a fast machine, well under
# a minute and a half in all on two slow cores.
MAX_EXAMPLES = 100
MAX_WORKFLOWS = 30
MAX_WORKFLOW_STEPS = 6
REQUEST_TIMEOUT_SECONDS = 10
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
STATEFUL = "workflows"
LOCAL = environment("local")

cases_sent: Counter[str] = Counter()


def hypothesis_settings(**overrides):
    return hypothesis.settings(
        database=None,  # no .hypothesis/examples in the repository
        deadline=None,  # the time a request takes is not the generator's
        # Generating a case may take long on a slow machine; that is no fault of the API.
        suppress_health_check=[hypothesis.HealthCheck.too_slow],
        **overrides,
    )


@pytest.fixture(scope="module")
def api_schema(local_stack, tmp_path_factory, request):
    # Hypothesis caches what it learns about Unicode under .hypothesis in the working
    # directory unless given another home.
    hypothesis.configuration.set_hypothesis_home_dir(tmp_path_factory.mktemp("hypothesis"))
    config = schemathesis.Config.from_dict(
        {
            "base-url": local_stack.base_url,
            "headers": bearer("schemathesis"),
            "request-timeout": REQUEST_TIMEOUT_SECONDS,
            "cache": {"enabled": False},
            "generation": {"database": "none"},
        }
    )
    yield schemathesis.openapi.from_url(
        local_stack.base_url + SCHEMA_PATH, config=config, timeout=REQUEST_TIMEOUT_SECONDS
    )
    report_cases_sent(request.config)


def bearer(subject):
    return {"Authorization": f"Bearer {issue_token(subject, LOCAL)}"}


def report_cases_sent(config):
    """Prints how many cases were sent, and to what, past pytest's output capture."""
    lines = [f"schemathesis sent {cases_sent.total()} cases:"]
    lines += [f"  {count:5d}  {label}" for label, count in sorted(cases_sent.items())]
    capture = config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        print("\n" + "\n".join(lines), flush=True)


@pytest.mark.parametrize("label", OPERATIONS)
def test_every_operation_answers_as_the_served_openapi_document_says(api_schema, label):
    method, path = label.split(" ", 1)
    operation = api_schema[path][method]
    # Valid and invalid requests, mixed as schemathesis's own fuzzing phase mixes them.
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    sent = Counter()

    @hypothesis_settings(max_examples=MAX_EXAMPLES)
    @hypothesis.given(case=st.one_of([operation.as_strategy(mode) for mode in modes]))
    def send_and_check(case):
        sent[case.meta.generation.mode] += 1
        cases_sent[f"{label} ({case.meta.generation.mode.value})"] += 1
        case.call_and_validate(checks=CHECKS)

    send_and_check()
    assert sent[GenerationMode.POSITIVE] > 0, f"no valid request was generated for {label}"
    if len(operation.body) or len(operation.query):
        assert sent[GenerationMode.NEGATIVE] > 0, f"no invalid request was generated for {label}"


def test_workflows_of_linked_operations_answer_as_the_served_openapi_document_says(api_schema):
    owners = itertools.count()
    succeeded = Counter()

    class Workflow(api_schema.as_state_machine()):
        def setup(self):
            # A new owner per workflow: each starts from an empty list, so a workflow that
            # Hypothesis replays meets the same answers again.
            self.headers = bearer(f"schemathesis-workflow-{next(owners)}")

        def get_call_kwargs(self, case):
            return {"headers": self.headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            cases_sent[f"{case.operation.label} ({STATEFUL})"] += 1
            if response.status_code < 300:
                succeeded[case.operation.label] += 1
            case.validate_response(
                response,
                checks=CHECKS,
                additional_checks=additional_checks,
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )

    Workflow.run(
        settings=hypothesis_settings(
            max_examples=MAX_WORKFLOWS, stateful_step_count=MAX_WORKFLOW_STEPS
        )
    )
    # Only a workflow reads, changes and deletes a todo that exists, so only here do those
    # operations' successful responses get checked against the document.
    by_id = {"GET /todos/{todo_id}", "PUT /todos/{todo_id}", "DELETE /todos/{todo_id}"}
    assert by_id <= set(succeeded), f"successes per operation: {dict(succeeded)}"


def test_the_served_document_describes_exactly_the_routes_of_the_app(local_stack):
    served = local_stack.request("GET", SCHEMA_PATH)
    assert served.status_code == 200, served.text
    documented = {
        f"{method.upper()} {path}"
        for path, item in served.json()["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    assert documented == set(ROUTES)
