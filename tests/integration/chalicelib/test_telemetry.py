"""Telemetry as Lambda runs it, in fresh processes: one cold start per process, each line
on stdout once and as pure JSON, API Gateway's ids, and the authorizer's rejections."""

import json
import subprocess
import sys

import pytest

from tests.support.stack import PROJECT_DIR
from tests.support.stages import LOCAL

API_GATEWAY_EVENT = {
    "resource": "/health",
    "path": "/health",
    "httpMethod": "GET",
    "headers": {"X-Amzn-Trace-Id": "Root=1-67891233-abcdef012345678912345678;Sampled=1"},
    "multiValueHeaders": {},
    "queryStringParameters": None,
    "multiValueQueryStringParameters": None,
    "pathParameters": None,
    "stageVariables": None,
    "requestContext": {
        "resourcePath": "/health",
        "httpMethod": "GET",
        "path": "/api/health",
        "stage": "api",
        "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
    },
    "body": None,
    "isBase64Encoded": False,
}


TOKEN_EVENT = {
    "type": "TOKEN",
    "authorizationToken": "Bearer not.a.token",
    "methodArn": "arn:aws:execute-api:us-east-1:123456789012:abcdef123/api/GET/todos",
}


# The Lambda runtime's logging, as it is when the handler's module is imported: one
# handler on the root logger, which stays at WARNING (unless AWS_LAMBDA_LOG_LEVEL is set).
LAMBDA_LIKE_PROCESS = """
import importlib, json, logging, sys
root_handler = logging.StreamHandler(sys.stdout)
root_handler.setFormatter(logging.Formatter("[%(levelname)s]\\t%(message)s"))
logging.getLogger().addHandler(root_handler)

module_name, function_name = sys.argv[1].rsplit(".", 1)
handler = getattr(importlib.import_module(module_name), function_name)

class Context:
    aws_request_id = "lambda-request-id"

event = json.loads(sys.argv[2])
for _ in range(int(sys.argv[3])):
    print("response", json.dumps(handler(event, Context()).get("headers")))
"""


def run_like_lambda(handler: str, event: dict, invocations: int) -> list[str]:
    """Lines a fresh process prints when its handler (as packaged) answers the event."""
    env = {
        **LOCAL,
        "STAGE": "test",
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(PROJECT_DIR),
        # As in Lambda (a read-only /var/task), and so that no __pycache__ lands in
        # chalicelib/, which `chalice package` would zip.
        "PYTHONDONTWRITEBYTECODE": "1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    result = subprocess.run(
        [sys.executable, "-c", LAMBDA_LIKE_PROCESS, handler, json.dumps(event), str(invocations)],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.splitlines()


@pytest.fixture(scope="module")
def lambda_like_output():
    """The API handler answering twice, then the authorizer (its own function) once."""
    return run_like_lambda("app.app", API_GATEWAY_EVENT, 2) + run_like_lambda(
        "chalicelib.authorizer.jwt_auth", TOKEN_EVENT, 1
    )


def test_a_fresh_process_counts_one_cold_start(lambda_like_output):
    documents = [json.loads(line) for line in lambda_like_output if '"_aws":' in line]
    assert [document["ColdStart"] for document in documents] == [1, 0]
    assert {(document["Service"], document["Stage"]) for document in documents} == {
        ("todo-api", "test")
    }


def test_each_line_goes_to_stdout_once_and_as_pure_json(lambda_like_output):
    requests = [line for line in lambda_like_output if '"type":"request"' in line]
    assert len(requests) == 2
    assert all(line.startswith("{") for line in requests)
    assert [json.loads(line)["coldStart"] for line in requests] == [True, False]


def test_api_gateways_request_id_and_trace_are_used(lambda_like_output):
    request = json.loads(next(line for line in lambda_like_output if '"type":"request"' in line))
    assert request["requestId"] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    assert request["lambdaRequestId"] == "lambda-request-id"
    assert request["traceId"] == "1-67891233-abcdef012345678912345678"
    assert request["stage"] == "test"
    headers = json.loads(
        next(line for line in lambda_like_output if line.startswith("response")).split(" ", 1)[1]
    )
    assert headers["X-Request-Id"] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"


def test_the_authorizers_rejections_reach_lambdas_root_handler(lambda_like_output):
    rejections = [line for line in lambda_like_output if "rejected a bearer token" in line]
    assert len(rejections) == 1
    assert rejections[0].startswith("[INFO]\trejected a bearer token: ")
    assert "not.a.token" not in "\n".join(lambda_like_output)
