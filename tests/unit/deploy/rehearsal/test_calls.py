"""tools.deploy.rehearsal.calls: recorded calls as IAM actions, and the deployer's policy."""

import json

from tools.deploy.rehearsal import calls


def call(service: str, operation: str, method: str = "POST") -> calls.Call:
    return {"service": service, "operation": operation, "method": method}


def test_a_call_is_authorized_as_its_action():
    assert calls.call_action(call("dynamodb", "CreateTable")) == "dynamodb:CreateTable"
    # API Gateway's management API is authorized by HTTP method.
    assert calls.call_action(call("apigateway", "ImportRestApi", "POST")) == "apigateway:POST"
    assert calls.call_action(call("apigateway", "UpdateRestApi", "PATCH")) == "apigateway:PATCH"
    assert calls.call_action(call("lambda", "GetLayerVersionByArn")) == "lambda:GetLayerVersion"
    assert calls.call_action(call("s3", "HeadObject", "HEAD")) == "s3:GetObject"


def test_handing_a_function_its_role_needs_pass_role_and_who_am_i_needs_nothing():
    needed = calls.needed_actions(["lambda:CreateFunction", "sts:GetCallerIdentity"])
    assert needed == {"lambda:CreateFunction", "iam:PassRole"}
    assert calls.needed_actions(["lambda:GetFunction"]) == {"lambda:GetFunction"}


def test_a_stack_is_handed_its_service_role():
    assert calls.needed_actions(["cloudformation:CreateChangeSet"]) == {
        "cloudformation:CreateChangeSet",
        "iam:PassRole",
    }


def test_the_service_role_may_do_what_each_resource_provider_declares():
    allowed = calls.service_role_actions(["AWS::DynamoDB::Table"])
    assert {"dynamodb:CreateTable", "dynamodb:DeleteTable", "dynamodb:UpdateTable"} <= allowed
    assert "dynamodb:BatchGetItem" not in allowed


def test_the_policy_has_one_statement_per_service_with_its_actions():
    policy = calls.deployer_policy(
        {"ssm:PutParameter", "cognito-idp:CreateUserPool", "ssm:GetParameter"}
    )
    assert policy["Statement"] == [
        {
            "Sid": "CognitoIdp",
            "Effect": "Allow",
            "Action": ["cognito-idp:CreateUserPool"],
            "Resource": "*",
        },
        {
            "Sid": "Ssm",
            "Effect": "Allow",
            "Action": ["ssm:GetParameter", "ssm:PutParameter"],
            "Resource": "*",
        },
    ]


def test_a_rendered_policy_is_the_policy():
    record = {
        path: calls.summary([call("cognito-idp", "CreateUserPoolDomain")]) for path in calls.PATHS
    }
    record["stack"]["resource_types"] = ["AWS::DynamoDB::Table", "AWS::Lambda::Function"]
    for name in calls.POLICIES:
        text = calls.rendered(record, name)
        document = json.loads(text.removeprefix("```json").removesuffix("```\n"))
        assert document == calls.policy(record, name)
        assert max(len(line) for line in text.splitlines()) <= 100


def test_the_docs_show_each_policy_as_a_valid_document():
    for name in calls.POLICIES:
        statements = calls.docs_document(name)["Statement"]
        assert statements
        assert all(statement["Action"] for statement in statements)
