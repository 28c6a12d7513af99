"""End to end: the local stack that `make run` starts, driven over HTTP on 127.0.0.1.

Each test starts `python -m tools.local.stack` in its own process group, as a developer's
shell would, waits for /health, talks to it with `requests`, then stops it with SIGTERM to
the whole group and checks that it left nothing behind: exit code 0, no process of the
group, the port free again. Nothing here leaves 127.0.0.1 or talks to AWS.
"""

import http.client
import json
import signal
import subprocess
import sys
from urllib.parse import urljoin

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tests.support.stack import (
    HOST,
    PROJECT_DIR,
    SIGINT_IGNORED,
    STOP_TIMEOUT_SECONDS,
    free_port,
    group_is_gone,
    issue_token,
    port_is_free,
    stack_environment,
    stack_factory,
)
from tools.deploy.stage import environment

# The stack make run starts: emulator and chalice local.
TABLE_NAME = environment("local")["TABLE_NAME"]
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture
def start_stack(tmp_path):
    """start_stack(env) -> a serving LocalStack; every stack is killed at teardown."""
    with stack_factory(tmp_path) as start:
        yield start


def assert_stops_cleanly(stack, signum=signal.SIGTERM):
    """signum to its group stops it all: exit code 0, no process of the group left, its
    port free."""
    name = signal.Signals(signum).name
    try:
        exit_code = stack.stop(signum)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the stack ignored {name} for {STOP_TIMEOUT_SECONDS} s:\n{stack.output()}")
    assert exit_code == 0, f"exit code {exit_code} after {name}:\n{stack.output()}"
    assert group_is_gone(stack.pgid), f"processes of group {stack.pgid} outlived the stack"
    assert port_is_free(stack.port), f"port {stack.port} is still bound after the stack stopped"


def announced_dynamodb_endpoints(output):
    return [
        line.removeprefix("DynamoDB:").strip()
        for line in output.splitlines()
        if line.startswith("DynamoDB:")
    ]


def test_make_run_serves_the_crud_api_with_auth_and_cors_and_stops_cleanly_on_sigterm(
    start_stack,
):
    stack = start_stack(stack_environment())
    [endpoint] = announced_dynamodb_endpoints(stack.output())
    assert endpoint.startswith(f"http://{HOST}:"), "the embedded emulator is on 127.0.0.1"
    alice, bob = issue_token("alice"), issue_token("bob")

    created = stack.request("POST", "/todos", alice, json={"text": "Learn Serverless APIs"})
    assert created.status_code == 201, created.text
    todo = created.json()
    todo_id = todo["todoId"]
    assert todo["text"] == "Learn Serverless APIs"
    assert todo["checked"] is False
    assert todo["version"] == 1
    assert created.headers["Location"] == f"/todos/{todo_id}"
    assert created.headers["ETag"] == '"1"'

    second = stack.request("POST", "/todos", alice, json={"text": "Ship it", "checked": True})
    assert second.status_code == 201, second.text

    listed = stack.request("GET", "/todos", alice)
    assert listed.status_code == 200, listed.text
    assert listed.json() == [todo, second.json()]  # oldest first

    fetched = stack.request("GET", f"/todos/{todo_id}", alice)
    assert fetched.status_code == 200, fetched.text
    assert fetched.json() == todo
    assert fetched.headers["ETag"] == '"1"'

    updated = stack.request("PUT", f"/todos/{todo_id}", alice, json={"checked": True})
    assert updated.status_code == 200, updated.text
    assert updated.json()["checked"] is True
    assert updated.json()["version"] == 2
    assert updated.headers["ETag"] == '"2"'

    # Another owner's todo does not exist for bob, and his list is his alone.
    assert stack.request("GET", f"/todos/{todo_id}", bob).status_code == 404
    bobs_list = stack.request("GET", "/todos", bob)
    assert bobs_list.status_code == 200, bobs_list.text
    assert bobs_list.json() == []

    deleted = stack.request("DELETE", f"/todos/{todo_id}", alice)
    assert deleted.status_code == 200, deleted.text
    assert deleted.json() == {"message": f"Todo with ID {todo_id} deleted successfully"}
    assert stack.request("GET", f"/todos/{todo_id}", alice).status_code == 404

    # No Authorization header: the gateway (here chalice local) answers 401 itself. A token
    # that fails verification gets the authorizer's explicit Deny, which is 403 everywhere
    # (see the docstring of chalicelib/auth.py for why it does not raise for a 401).
    assert stack.request("GET", "/todos").status_code == 401
    assert stack.request("GET", "/todos", "not-a-jwt").status_code == 403

    preflight = stack.request(
        "OPTIONS",
        "/todos",
        headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"].split(",")

    # The document names the API that serves it, on whatever port.
    document = stack.request("GET", "/openapi.json")
    assert urljoin(document.url, document.json()["servers"][0]["url"]) == stack.base_url + "/"

    assert_stops_cleanly(stack)


def test_make_run_started_with_sigint_ignored_still_stops_on_ctrl_c(start_stack):
    # As `bash -c 'make run &'` starts it: an ignored SIGINT, kept across exec by every
    # process of the stack unless it installs its own handling.
    stack = start_stack(stack_environment(), prefix=SIGINT_IGNORED)
    assert_stops_cleanly(stack, signal.SIGINT)


def absolute_form(stack, method, url, token, body=None):
    """One request whose target is an absolute URL, as a client talking to a proxy sends."""
    connection = http.client.HTTPConnection(HOST, stack.port, timeout=5)
    try:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        connection.request(method, url, body=body and json.dumps(body), headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def test_an_absolute_form_target_gets_the_apis_own_location_and_link(start_stack):
    stack = start_stack(stack_environment())
    token = issue_token("alice")
    for text in ("one", "two"):
        status, headers, body = absolute_form(
            stack, "POST", "http://evil.example/todos", token, {"text": text}
        )
        assert status == 201, body
        assert headers["Location"] == f"/todos/{json.loads(body)['todoId']}"
    status, headers, _ = absolute_form(stack, "GET", "https://evil.example/todos?limit=1", token)
    assert status == 200
    assert headers["Link"].startswith("</todos?limit=1&cursor=")


@pytest.fixture
def dynamodb_endpoint():
    """A DynamoDB emulator of the test's own, as DynamoDB Local would be to a developer."""
    server = ThreadedMotoServer(ip_address=HOST, port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def test_make_run_uses_the_dynamodb_endpoint_already_set_instead_of_its_own_emulator(
    start_stack, dynamodb_endpoint
):
    stack = start_stack(
        stack_environment(AWS_ENDPOINT_URL_DYNAMODB=dynamodb_endpoint, **FAKE_CREDENTIALS)
    )
    assert announced_dynamodb_endpoints(stack.output()) == [dynamodb_endpoint]

    created = stack.request("POST", "/todos", issue_token("alice"), json={"text": "Stored here"})
    assert created.status_code == 201, created.text
    todo_id = created.json()["todoId"]

    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=dynamodb_endpoint,
        region_name=FAKE_CREDENTIALS["AWS_DEFAULT_REGION"],
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    item = dynamodb.get_item(
        TableName=TABLE_NAME,
        Key={"ownerId": {"S": "alice"}, "todoId": {"S": todo_id}},
        ConsistentRead=True,
    ).get("Item")
    assert item is not None, f"todo {todo_id} is not in {TABLE_NAME} at {dynamodb_endpoint}"
    assert item["text"] == {"S": "Stored here"}

    assert_stops_cleanly(stack)


def test_make_run_refuses_a_dynamodb_endpoint_off_loopback_before_touching_it():
    """It would have made the table there: the local stage never reaches AWS."""
    endpoint = "https://dynamodb.eu-west-1.amazonaws.com"
    result = subprocess.run(
        [sys.executable, "-m", "tools.local.stack", "--port", str(free_port())],
        cwd=PROJECT_DIR,
        env=stack_environment(AWS_ENDPOINT_URL_DYNAMODB=endpoint, **FAKE_CREDENTIALS),
        capture_output=True,
        text=True,
        timeout=STOP_TIMEOUT_SECONDS,
        check=False,
    )
    assert result.returncode == 1
    assert f"AWS_ENDPOINT_URL_DYNAMODB={endpoint} is not on loopback" in result.stderr
    assert "DynamoDB:" not in result.stdout
