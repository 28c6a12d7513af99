"""tools.deploy.check: the deploy check reads the layer and the account's concurrency, and
stops a deploy that would fail half-way, before anything is created."""

import boto3
import pytest
from botocore.stub import Stubber

from tools.deploy import check
from tools.deploy.stage import StageError, deployed_stage

PROD = deployed_stage("prod")
DEV = deployed_stage("dev")
REGION = "eu-west-1"
LAYER = f"arn:aws:lambda:{REGION}:123456789012:layer:todo-api-cryptography-arm64:3"


def stubbed_lambda() -> tuple[object, Stubber]:
    client = boto3.client("lambda", region_name=REGION)
    return client, Stubber(client)


def layer(architectures: list[str]) -> dict:
    return {"LayerVersionArn": LAYER, "Version": 3, "CompatibleArchitectures": architectures}


def test_a_layer_built_for_the_stages_architecture_passes():
    client, stubber = stubbed_lambda()
    stubber.add_response("get_layer_version_by_arn", layer(["arm64"]), {"Arn": LAYER})
    with stubber:
        check.check_layer(client, PROD, LAYER, REGION)


@pytest.mark.parametrize("architectures", [["x86_64"], []])
def test_a_layer_of_another_architecture_is_refused(architectures):
    client, stubber = stubbed_lambda()
    stubber.add_response("get_layer_version_by_arn", layer(architectures), {"Arn": LAYER})
    with stubber, pytest.raises(StageError, match=r"run on arm64: make layer ARCH=arm64"):
        check.check_layer(client, PROD, LAYER, REGION)


def test_a_layer_of_another_region_is_refused_without_a_call():
    client, stubber = stubbed_lambda()
    with stubber, pytest.raises(StageError, match=r"not in us-east-1, where stage prod deploys"):
        check.check_layer(client, PROD, LAYER, "us-east-1")


def test_a_missing_layer_is_refused():
    client, stubber = stubbed_lambda()
    stubber.add_client_error("get_layer_version_by_arn", "ResourceNotFoundException")
    with stubber, pytest.raises(StageError, match="does not exist"):
        check.check_layer(client, PROD, LAYER, REGION)


def account(limit: int, unreserved: int) -> dict:
    return {
        "AccountLimit": {
            "ConcurrentExecutions": limit,
            "UnreservedConcurrentExecutions": unreserved,
        }
    }


def expect_reservations(stubber: Stubber, held: list[int | None]) -> None:
    for function, reserved in zip(("todo-api-prod", "todo-api-prod-jwt_auth"), held, strict=True):
        if reserved is None:
            stubber.add_client_error("get_function_concurrency", "ResourceNotFoundException")
        else:
            answer = {"ReservedConcurrentExecutions": reserved}
            stubber.add_response("get_function_concurrency", answer, {"FunctionName": function})


def test_a_new_accounts_quota_stops_the_deploy_before_anything_is_made():
    client, stubber = stubbed_lambda()
    stubber.add_response("get_account_settings", account(10, 10))
    expect_reservations(stubber, [None, None])
    with stubber, pytest.raises(StageError, match=r"reserves 200 .* limit is 10 .*Service Quotas"):
        check.check_concurrency(client, PROD)


def test_the_quota_prod_needs_passes_and_a_redeploy_counts_what_it_holds():
    client, stubber = stubbed_lambda()
    # 100 + 2 x 200: exactly what prod needs in an account of its own.
    stubber.add_response("get_account_settings", account(500, 500))
    expect_reservations(stubber, [None, None])
    # Redeployed: its 400 are reserved already, and come back with the deploy.
    stubber.add_response("get_account_settings", account(500, 100))
    expect_reservations(stubber, [200, 200])
    with stubber:
        check.check_concurrency(client, PROD)
        check.check_concurrency(client, PROD)
    assert DEV.runtime.reserved_concurrency == 20
