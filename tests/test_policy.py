"""The generated IAM policies: current, least privilege, and equal to what the code calls."""

import json
import subprocess
import sys

import boto3
import pytest
from chalice.test import Client

from app import app
from chalicelib import signing, store
from tests.conftest import AWS_CALLS
from tests.stack import PROJECT_DIR as ROOT
from tests.test_auth import claims, signed
from tools.policy import policy_path, render, stage_policy
from tools.table import ensure_table

DEPLOYED = ["dev", "prod"]
DATA_SERVICES = ("dynamodb:", "ssm:")


def data_actions(policy):
    return {
        action
        for statement in policy["Statement"]
        for action in statement["Action"]
        if action.startswith(DATA_SERVICES)
    }


@pytest.mark.parametrize("stage", DEPLOYED)
def test_the_committed_policy_is_what_make_policy_writes(stage):
    assert policy_path(stage).read_text() == render(stage_policy(stage))


def test_make_policy_leaves_committed_files_unchanged():
    before = {stage: policy_path(stage).read_text() for stage in DEPLOYED}
    for stage in DEPLOYED:
        result = subprocess.run(
            [sys.executable, "-m", "tools.policy", "--stage", stage],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert "unchanged" in result.stdout
    assert {stage: policy_path(stage).read_text() for stage in DEPLOYED} == before


@pytest.mark.parametrize("stage", DEPLOYED)
def test_data_actions_name_only_the_stages_table_and_secret(stage):
    resources = {
        action: statement["Resource"]
        for statement in json.loads(policy_path(stage).read_text())["Statement"]
        for action in statement["Action"]
    }
    for action in data_actions(json.loads(policy_path(stage).read_text())):
        assert resources[action] != ["*"]
        if action.startswith("dynamodb:"):
            assert resources[action] == [f"arn:aws:dynamodb:*:*:table/todo-api-{stage}"]
        else:
            assert resources[action] == [f"arn:aws:ssm:*:*:parameter/todo-api/{stage}/jwt-secret"]


def test_only_tracing_takes_any_resource():
    for stage in DEPLOYED:
        for statement in json.loads(policy_path(stage).read_text())["Statement"]:
            if "*" in statement["Resource"]:
                assert statement["Sid"] == "Tracing"


def test_the_local_stage_has_no_policy():
    with pytest.raises(SystemExit):
        stage_policy("local")


def exercise_every_route_on_the_dev_stage():
    """One pass over every code path that reaches AWS, as a deployed stage runs it."""
    boto3.client("ssm").put_parameter(
        Name="/todo-api/dev/jwt-secret", Value="s" * 64, Type="SecureString"
    )
    ensure_table(boto3.client("dynamodb"), "todo-api-dev")
    headers = {"Authorization": f"Bearer {signed(claims(iss='todo-api-dev'), key='s' * 64)}"}
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
def test_the_policy_allows_every_call_the_code_makes_and_nothing_else(mocked_aws, stage):
    exercise_every_route_on_the_dev_stage()
    declared = store.IAM_ACTIONS | signing.IAM_ACTIONS
    assert AWS_CALLS.actions == declared
    assert data_actions(json.loads(policy_path(stage).read_text())) == declared
