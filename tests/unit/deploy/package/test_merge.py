"""The merge template (tools.deploy.package.merge) on a template Chalice might generate,
and what packaging refuses before it runs Chalice."""

from pathlib import Path

import pytest

from tests.support.templates import of_type, statements
from tools.deploy.package import build, merge
from tools.deploy.stage import StageError, deployed_stage

STAGE = "prod"
RUNTIME = deployed_stage(STAGE).runtime


# Without a stage-level iam_policy_file Chalice gives every function one DefaultRole, and
# without log_retention_in_days it makes no log groups.
_ROLE = {"Fn::GetAtt": ["DefaultRole", "Arn"]}
SHARED_ROLE = {
    "Resources": {
        "DefaultRole": {"Type": "AWS::IAM::Role", "Properties": {}},
        "APIHandler": {"Type": "AWS::Serverless::Function", "Properties": {"Role": _ROLE}},
        "JwtAuth": {"Type": "AWS::Serverless::Function", "Properties": {"Role": _ROLE}},
        "RestAPI": {
            "Type": "AWS::Serverless::Api",
            "Properties": {"DefinitionBody": {"swagger": "2.0"}},
        },
    }
}


def test_a_shared_role_gets_one_policy_and_missing_log_groups_are_added() -> None:
    merged = merge.merge_template(STAGE, SHARED_ROLE)["Resources"]
    policies = of_type(merged, "AWS::IAM::Policy")
    assert list(policies) == ["DefaultRoleDataPolicy"]
    document = policies["DefaultRoleDataPolicy"]["Properties"]["PolicyDocument"]
    assert {s["Sid"] for s in statements(document)} == {
        "TodoTable",
        "SigningSecret",
        "FunctionLogs",
    }
    for function in ("APIHandler", "JwtAuth"):
        group = merged[f"{function}LogGroup"]["Properties"]
        assert group["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/${{{function}}}"}
        assert group["RetentionInDays"] == RUNTIME.log_retention_days


def test_the_table_outlives_the_stack_but_not_its_failed_first_create() -> None:
    """RetainExceptOnCreate: a stack whose first create fails leaves no table behind to make
    the retry fail with "already exists"; deleting or replacing a created stack keeps it."""
    table = merge.merge_template(STAGE, SHARED_ROLE)["Resources"][merge.TABLE]
    assert table["DeletionPolicy"] == "RetainExceptOnCreate"
    assert table["UpdateReplacePolicy"] == "Retain"


def test_local_stage_is_not_packaged(tmp_path: Path) -> None:
    with pytest.raises(StageError, match="not a deployed stage"):
        build.build("local", tmp_path)
