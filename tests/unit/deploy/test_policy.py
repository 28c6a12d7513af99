"""The generated IAM policies: current, least privilege, and equal to what the code calls."""

import json

import pytest
from chalice.app import AuthRequest
from chalice.test import Client

from app import app
from chalicelib import auth, aws, identity, signing, store
from tests.support.aws_calls import AWS_CALLS, CallRecorder
from tests.support.stages import DEV, DEV_SECRET
from tests.support.tokens import claims, signed
from tools.deploy.policy import function_policy, functions, policy_path, render
from tools.deploy.stage import API_HANDLER, StageError

DEPLOYED = ["dev", "prod"]


AUTHORIZER = "jwt_auth"


DATA_SERVICES = ("dynamodb:", "ssm:")


def data_actions(policy):
    return {
        action
        for statement in policy["Statement"]
        for action in statement["Action"]
        if action.startswith(DATA_SERVICES)
    }


def committed(stage, function):
    return json.loads(policy_path(stage, function).read_text())


EVERY_POLICY = [(stage, function) for stage in DEPLOYED for function in functions(stage)]


@pytest.mark.parametrize("stage", DEPLOYED)
def test_each_function_with_a_policy_file_in_the_config_gets_one(stage):
    assert functions(stage) == [API_HANDLER, AUTHORIZER]


@pytest.mark.parametrize(("stage", "function"), EVERY_POLICY)
def test_the_committed_policy_is_what_make_policy_writes(stage, function):
    assert policy_path(stage, function).read_text() == render(function_policy(stage, function))


@pytest.mark.parametrize(("stage", "function"), EVERY_POLICY)
def test_data_actions_name_only_the_stages_table_secret_and_user_pool(stage, function):
    policy = committed(stage, function)
    resources = {
        action: statement["Resource"]
        for statement in policy["Statement"]
        for action in statement["Action"]
    }
    for action in data_actions(policy):
        if action.startswith("dynamodb:"):
            assert resources[action] == [f"arn:aws:dynamodb:*:*:table/todo-api-{stage}"]
    parameters = {
        resource
        for statement in policy["Statement"]
        if "ssm:GetParameter" in statement["Action"]
        for resource in statement["Resource"]
    }
    # The secret, and for the authorizer the user pool's ids that `make provision` publishes.
    assert parameters <= {
        f"arn:aws:ssm:*:*:parameter/todo-api/{stage}/jwt-secret",
        f"arn:aws:ssm:*:*:parameter/todo-api/{stage}/oidc",
    }
    assert parameters


@pytest.mark.parametrize("stage", DEPLOYED)
def test_the_authorizer_can_read_parameters_and_nothing_else(stage):
    assert data_actions(committed(stage, AUTHORIZER)) == signing.IAM_ACTIONS | identity.IAM_ACTIONS


@pytest.mark.parametrize(("stage", "function"), EVERY_POLICY)
def test_each_function_logs_only_to_its_own_log_group(stage, function):
    (logs,) = [s for s in committed(stage, function)["Statement"] if s["Sid"] == "FunctionLogs"]
    name = f"todo-api-{stage}" + ("" if function == API_HANDLER else f"-{function}")
    group = f"arn:aws:logs:*:*:log-group:/aws/lambda/{name}"
    assert logs["Resource"] == [group, f"{group}:*"]


def test_only_tracing_takes_any_resource():
    for stage, function in EVERY_POLICY:
        for statement in committed(stage, function)["Statement"]:
            if "*" in statement["Resource"]:
                assert statement["Sid"] == "Tracing"


def test_the_local_stage_has_no_policy():
    with pytest.raises(StageError, match="not a deployed stage"):
        function_policy("local", API_HANDLER)


def dev_token():
    return signed(claims(iss="todo-api-dev"), key=DEV_SECRET)


def exercise_every_route_on_the_dev_stage():
    """One pass over every code path that reaches AWS, as a deployed stage runs it."""
    headers = {"Authorization": f"Bearer {dev_token()}", "Content-Type": "application/json"}
    with Client(app, stage_name="dev") as client:
        created = client.http.post("/todos", headers=headers, body=b'{"text": "a"}')
        once = client.http.post(
            "/todos", headers={**headers, "Idempotency-Key": "k"}, body=b'{"text": "b"}'
        )
        assert (created.status_code, once.status_code) == (201, 201)
        assert client.http.get("/todos?limit=1", headers=headers).headers["Link"]
        path = f"/todos/{created.json_body['todoId']}"
        assert client.http.get(path, headers=headers).status_code == 200
        assert client.http.put(path, headers=headers, body=b'{"checked": true}').status_code == 200
        assert client.http.delete(path, headers=headers).status_code == 200


@pytest.mark.after_suite
@pytest.mark.parametrize("stage", DEPLOYED)
def test_the_policies_allow_every_call_the_code_makes_and_nothing_else(dev_stage, stage):
    exercise_every_route_on_the_dev_stage()
    declared = store.IAM_ACTIONS | signing.IAM_ACTIONS
    assert AWS_CALLS.actions == declared
    assert data_actions(committed(stage, API_HANDLER)) == declared


def test_the_authorizer_alone_calls_only_what_its_policy_allows(dev_stage, monkeypatch):
    for name, value in DEV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("JWT_SECRET", raising=False)
    authorizer_calls = CallRecorder()
    for service in ("dynamodb", "ssm"):
        authorizer_calls.watch(aws.client(service))
    arn = "arn:aws:execute-api:us-east-1:123456789012:api-id/api/GET/todos"
    response = auth.authorize(AuthRequest("TOKEN", f"Bearer {dev_token()}", arn))
    assert response.principal_id == "alice"
    assert authorizer_calls.actions == data_actions(committed("dev", AUTHORIZER))
