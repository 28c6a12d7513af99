"""tools.deploy.destroy: `make destroy` finds what a stage made without Chalice's record, and
says what it keeps, as docs/deploy.md does."""

from pathlib import Path
from typing import Any

import boto3
import pytest

from tools import PROJECT_DIR
from tools.deploy import destroy
from tools.deploy.stage import API_HANDLER, FUNCTIONS, deployed_stage

DOCS = (PROJECT_DIR / "docs" / "deploy.md").read_text()
PROD = deployed_stage("prod")
DEV = deployed_stage("dev")


class PoolIdp:
    """A Cognito client that knows one pool, by placeholders for its id and domain."""

    def __init__(self, name: str) -> None:
        self.pool = {"Name": name, "Id": "<pool id>"}

    def get_paginator(self, _operation: str) -> Any:
        pages = [{"UserPools": [self.pool]}]
        return type("Paginator", (), {"paginate": lambda _self, **_: pages})()

    def describe_user_pool(self, **request: str) -> dict[str, Any]:
        return {"UserPool": {"Id": request["UserPoolId"], "Domain": "<domain prefix>"}}


@pytest.mark.parametrize("stage", [PROD, DEV], ids=["prod", "dev"])
def test_the_docs_say_what_a_destroy_keeps_and_each_command_that_removes_it(stage):
    kept = destroy.kept(stage, PoolIdp(f"{stage.prefix}-users"))
    assert {str(item.holding) for item in kept} == {
        f"table todo-api-{stage.name}",
        f"parameter /todo-api/{stage.name}/jwt-secret",
        f"parameter /todo-api/{stage.name}/oidc",
        f"user pool todo-api-{stage.name}-users",
    }
    for item in kept:
        for command in item.removal:
            assert " ".join(command) in DOCS


def test_a_destroy_without_a_pool_keeps_the_data_alone():
    kept = destroy.kept(PROD, PoolIdp("someone-else-users"))
    assert [item.holding.kind for item in kept] == ["table", "parameter"]


def chalice_leftovers(stage) -> None:
    """What a `chalice deploy` that failed after its functions leaves: no record, but roles,
    functions, log groups (Chalice's and Lambda's) and an API."""
    iam, lam, logs = boto3.client("iam"), boto3.client("lambda"), boto3.client("logs")
    trust = '{"Version": "2012-10-17", "Statement": []}'
    logs_policy = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        '"Action": "logs:PutLogEvents", "Resource": "*"}]}'
    )
    for function in FUNCTIONS:
        role = iam.create_role(RoleName=stage.role_name(function), AssumeRolePolicyDocument=trust)
        iam.put_role_policy(
            RoleName=stage.role_name(function), PolicyName="p", PolicyDocument=logs_policy
        )
        lam.create_function(
            FunctionName=stage.function_name(function),
            Role=role["Role"]["Arn"],
            Runtime="python3.13",
            Handler="app.app",
            Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18},
        )
        for group in {stage.chalice_log_group(function), stage.log_group(function)}:
            logs.create_log_group(logGroupName=group)


def rest_api(name: str, function: str) -> str:
    apigateway = boto3.client("apigateway")
    api = apigateway.create_rest_api(name=name)["id"]
    root = apigateway.get_resources(restApiId=api)["items"][0]["id"]
    apigateway.put_method(
        restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE"
    )
    uri = (
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        f"arn:aws:lambda:us-east-1:123456789012:function:{function}/invocations"
    )
    apigateway.put_integration(
        restApiId=api,
        resourceId=root,
        httpMethod="GET",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=uri,
    )
    return str(api)


def test_a_destroy_without_chalices_record_finds_the_stage_by_name(
    mocked_aws, monkeypatch, tmp_path
):
    monkeypatch.setattr(destroy, "record", lambda stage: Path(tmp_path) / "missing.json")
    chalice_leftovers(DEV)
    dev_api = rest_api("todo-api", DEV.function_name(API_HANDLER))
    prod_api = rest_api("todo-api", PROD.function_name(API_HANDLER))
    lines = list(destroy.destroy(boto3.Session(), DEV))
    assert lines[0].startswith("no ")
    assert f"deleted REST API {dev_api}" in lines
    assert {line.split()[1] for line in lines if line.startswith("deleted")} == {
        "function",
        "role",
        "log",
        "REST",
    }
    assert boto3.client("lambda").list_functions()["Functions"] == []
    assert boto3.client("iam").list_roles()["Roles"] == []
    assert boto3.client("logs").describe_log_groups()["logGroups"] == []
    assert [api["id"] for api in boto3.client("apigateway").get_rest_apis()["items"]] == [prod_api]
    assert "kept, on purpose" in " ".join(lines)
