"""tools.deploy.log_groups: every function's real log group gets the stage's retention, where
Chalice's own log group has another name (aws/chalice#2079)."""

import boto3
import pytest
from botocore.stub import Stubber
from chalice.cli.factory import CLIFactory
from chalice.deploy import models
from chalice.deploy.appgraph import ApplicationGraphBuilder, DependencyBuilder

from tools import PROJECT_DIR
from tools.deploy.log_groups import ensure_retention
from tools.deploy.stage import FUNCTIONS, deployed_stage


def chalice_plan(stage: str) -> list[models.Model]:
    """The resources `chalice deploy --stage` would make, as Chalice itself plans them."""
    config = CLIFactory(str(PROJECT_DIR)).create_config_obj(chalice_stage_name=stage)
    return DependencyBuilder().build_dependencies(ApplicationGraphBuilder().build(config, stage))


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_each_functions_log_group_keeps_logs_for_the_stages_retention(name):
    stage = deployed_stage(name)
    plan = chalice_plan(name)
    functions = {
        m.resource_name: m.function_name for m in plan if isinstance(m, models.LambdaFunction)
    }
    chalice_groups = {
        m.log_group_name: m.retention_in_days for m in plan if isinstance(m, models.LogGroup)
    }
    # The names the tools use are Chalice's.
    assert functions == {f: stage.function_name(f) for f in FUNCTIONS}
    assert set(chalice_groups) == {stage.chalice_log_group(f) for f in FUNCTIONS}
    logs = boto3.client("logs", region_name="eu-west-1")
    stubber = Stubber(logs)
    fixed = set()
    for function in FUNCTIONS:
        group = stage.log_group(function)
        if group in chalice_groups:
            continue
        fixed.add(group)
        stubber.add_response("create_log_group", {}, {"logGroupName": group, "tags": stage.tags})
        days = stage.runtime.log_retention_days
        stubber.add_response(
            "put_retention_policy", {}, {"logGroupName": group, "retentionInDays": days}
        )
    with stubber:
        lines = list(ensure_retention(logs, stage))
    stubber.assert_no_pending_responses()
    # Chalice 1.34 misnames the API handler's group: this is the one the fix covers.
    assert fixed == {f"/aws/lambda/todo-api-{name}"}
    assert lines == [
        f"log group /aws/lambda/todo-api-{name}: retention {stage.runtime.log_retention_days} days"
    ]
    real = {stage.log_group(f) for f in FUNCTIONS}
    assert real <= set(chalice_groups) | fixed


def test_a_group_lambda_already_made_gets_its_retention():
    stage = deployed_stage("dev")
    logs = boto3.client("logs", region_name="eu-west-1")
    stubber = Stubber(logs)
    stubber.add_client_error("create_log_group", "ResourceAlreadyExistsException")
    stubber.add_response("put_retention_policy", {})
    with stubber:
        assert len(list(ensure_retention(logs, stage))) == 1
