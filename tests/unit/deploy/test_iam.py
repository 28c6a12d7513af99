"""tools.deploy.iam: one set of statements for every deploy path, each naming the resources."""

import dataclasses
from collections.abc import Sequence

from chalicelib import identity, signing, store
from tests.support.templates import chalice_generated
from tools.deploy import iam
from tools.deploy.package import merge
from tools.deploy.policy import function_policy
from tools.deploy.stage import API_HANDLER, deployed_stage

PROD = deployed_stage("prod")
# prod as an HS256 stage: its authorizer verifies with the secret, not a user pool's keys.
HS256_PROD = dataclasses.replace(PROD, identity="secret", function_variables={})


class Labels(iam.Target):
    """Names each resource by a label, to show where the statements put what."""

    api_handler = "handler"
    creates_log_groups = False
    grants_tracing = True

    def table(self) -> str:
        return "the table"

    def secret(self) -> str:
        return f"the secret {self.parameter_path}"

    def log_groups(self, functions: Sequence[str]) -> list[str]:
        return [f"the logs of {function}" for function in functions]


def sids(target: iam.Target, functions: Sequence[str]) -> list[str]:
    return [statement["Sid"] for statement in iam.statements(target, functions)]


class PublishedPool(Labels):
    """A deploy path that hands the authorizer the user pool through SSM (chalice deploy)."""

    def identity_settings(self) -> str:
        return f"the pool's parameter {self.identity_parameter}"


def test_the_api_handler_alone_gets_the_table():
    assert sids(Labels(HS256_PROD), ["handler"]) == [
        "TodoTable",
        "SigningSecret",
        "FunctionLogs",
        "Tracing",
    ]
    assert sids(Labels(HS256_PROD), ["authorizer"]) == ["SigningSecret", "FunctionLogs", "Tracing"]


def test_a_pool_only_authorizer_reads_no_secret_and_the_pool_where_it_is_published():
    assert sids(Labels(PROD), ["handler"])[:2] == ["TodoTable", "SigningSecret"]
    assert sids(Labels(PROD), ["authorizer"]) == ["FunctionLogs", "Tracing"]
    granted = {s["Sid"]: s for s in iam.statements(PublishedPool(PROD), ["authorizer"])}
    assert list(granted) == ["UserPoolSettings", "FunctionLogs", "Tracing"]
    assert granted["UserPoolSettings"]["Action"] == sorted(identity.IAM_ACTIONS)
    assert granted["UserPoolSettings"]["Resource"] == "the pool's parameter todo-api/prod/oidc"


def test_an_authorizer_that_also_accepts_hs256_reads_the_secret_and_the_pool():
    dev = deployed_stage("dev")
    assert sids(PublishedPool(dev), ["authorizer"])[:2] == ["SigningSecret", "UserPoolSettings"]
    assert "UserPoolSettings" not in sids(PublishedPool(dev), ["handler"])


def test_each_statement_grants_what_chalicelib_declares_on_the_targets_resource():
    granted = {s["Sid"]: s for s in iam.statements(Labels(HS256_PROD), ["handler", "authorizer"])}
    assert granted["TodoTable"] == {
        "Sid": "TodoTable",
        "Effect": "Allow",
        "Action": sorted(store.IAM_ACTIONS),
        "Resource": "the table",
    }
    assert granted["SigningSecret"]["Action"] == sorted(signing.IAM_ACTIONS)
    assert granted["SigningSecret"]["Resource"] == "the secret todo-api/prod/jwt-secret"
    assert granted["FunctionLogs"]["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert granted["FunctionLogs"]["Resource"] == ["the logs of handler", "the logs of authorizer"]


def test_creating_log_groups_is_granted_where_lambda_creates_them():
    class LambdaCreatesLogGroups(Labels):
        creates_log_groups = True

    granted = {s["Sid"]: s for s in iam.statements(LambdaCreatesLogGroups(PROD), ["handler"])}
    assert granted["FunctionLogs"]["Action"] == [
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    ]


def test_tracing_is_granted_on_traced_stages_only():
    untraced = dataclasses.replace(PROD, runtime=dataclasses.replace(PROD.runtime, xray=False))
    assert "Tracing" not in sids(Labels(untraced), ["handler"])


def test_no_tracing_where_the_target_has_it_granted_otherwise():
    class TracingGrantedElsewhere(Labels):
        grants_tracing = False

    assert "Tracing" not in sids(TracingGrantedElsewhere(PROD), ["handler"])


def test_the_policy_files_and_the_template_grant_alike_but_for_what_the_template_does():
    merged = merge.merge_template("prod", chalice_generated())["Resources"]
    for function, role in ((API_HANDLER, "ApiHandlerRole"), ("jwt_auth", "JwtAuthRole")):
        in_file = function_policy("prod", function)["Statement"]
        in_template = merged[f"{role}DataPolicy"]["Properties"]["PolicyDocument"]["Statement"]
        # The template makes the log groups; Chalice adds the policy file, X-Ray and all;
        # the authorizer gets the user pool's ids by Ref, not from a parameter.
        expected = [
            (s["Sid"], [a for a in s["Action"] if a != iam.CREATE_LOG_GROUP])
            for s in in_file
            if s["Sid"] not in ("Tracing", "UserPoolSettings")
        ]
        assert [(s["Sid"], s["Action"]) for s in in_template] == expected, function
