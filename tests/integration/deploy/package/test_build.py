"""The packaged prod stage (`make package STAGE=prod`): its SAM template and its zip.

The package is built once for the module (two `chalice package` runs, a few seconds
with pip's cache warm), then only read; so is its translation by the SAM transform, the
CloudFormation template that is deployed from it.
"""

import json
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from bench import zipsize
from chalicelib import signing, store
from tests.support.templates import of_type, statements
from tools import PROJECT_DIR
from tools.deploy import lint
from tools.deploy.package import build, bytecode, gateway, merge
from tools.deploy.rehearsal import stack_path
from tools.deploy.stage import deployed_stage
from tools.deploy.table import KEY_SCHEMA

STAGE = "prod"
DEPLOY_DOC = PROJECT_DIR / "docs" / "deploy.md"


DEPLOYED = deployed_stage(STAGE)


ENV = DEPLOYED.environment


RUNTIME = DEPLOYED.runtime


ORIGIN = f"'{ENV['CORS_ALLOW_ORIGIN']}'"


PSEUDO_PARAMETERS = {
    "AWS::AccountId",
    "AWS::NoValue",
    "AWS::NotificationARNs",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build.build(STAGE, tmp_path_factory.mktemp("package") / STAGE)


@pytest.fixture(scope="module")
def template(built: Path) -> dict[str, Any]:
    return json.loads((built / "sam.json").read_text())


@pytest.fixture(scope="module")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    return template["Resources"]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def all_policy_documents(resources: dict[str, Any]) -> list[dict[str, Any]]:
    """Every identity policy in the template: roles' inline policies and IAM::Policy."""
    documents = [
        p["Properties"]["PolicyDocument"] for p in of_type(resources, "AWS::IAM::Policy").values()
    ]
    for role in of_type(resources, "AWS::IAM::Role").values():
        documents += [p["PolicyDocument"] for p in role["Properties"].get("Policies", [])]
    return documents


def references(node: Any) -> set[str]:
    """The logical ids that Ref, Fn::GetAtt and Fn::Sub name anywhere under node."""
    found: set[str] = set()
    if isinstance(node, list):
        for item in node:
            found |= references(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref":
                found.add(value)
            elif key == "Fn::GetAtt":
                found.add(value[0] if isinstance(value, list) else value.split(".")[0])
            elif key == "Fn::Sub":
                text, variables = (value, {}) if isinstance(value, str) else value
                for name in re.findall(r"\$\{([^!}][^}]*)\}", text):
                    if name not in variables:
                        found.add(name.split(".")[0] if "::" not in name else name)
                found |= references(variables)
            else:
                found |= references(value)
    return found


def test_package_leaves_template_zip_and_merge_template(built: Path) -> None:
    for name in ("sam.json", "deployment.zip", build.MERGE_TEMPLATE):
        assert (built / name).is_file(), name


def test_every_reference_names_a_resource(template: dict[str, Any]) -> None:
    # Chalice 1.34 alone names the API handler's log group after a missing `ApiHandler`.
    resources = template["Resources"]
    # SAM's own: a function's alias where it publishes one, and an API's stage.
    sam_references = {
        f"{name}.{suffix}"
        for name, resource in resources.items()
        for suffix, present in (
            ("Alias", "AutoPublishAlias" in resource.get("Properties", {})),
            ("Stage", resource["Type"] == "AWS::Serverless::Api"),
        )
        if present
    }
    known = (
        set(resources) | sam_references | set(template.get("Parameters", {})) | PSEUDO_PARAMETERS
    )
    assert references(template["Resources"]) | references(template["Outputs"]) <= known


def test_table_is_retained_recoverable_protected_and_expires_records(
    resources: dict[str, Any],
) -> None:
    table = resources[merge.TABLE]
    assert table["Type"] == "AWS::DynamoDB::Table"
    assert table["DeletionPolicy"] == "RetainExceptOnCreate"
    assert table["UpdateReplacePolicy"] == "Retain"
    properties = table["Properties"]
    assert properties["TableName"] == ENV["TABLE_NAME"]
    assert properties["KeySchema"] == KEY_SCHEMA
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["SSESpecification"]["SSEEnabled"] is True
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["DeletionProtectionEnabled"] is True
    assert properties["TimeToLiveSpecification"] == {
        "AttributeName": store.TTL_ATTRIBUTE,
        "Enabled": True,
    }


def test_api_handler_role_gets_the_table_by_its_arn(resources: dict[str, Any]) -> None:
    role = resources["APIHandler"]["Properties"]["Role"]["Fn::GetAtt"][0]
    policies = [
        p["Properties"]
        for p in of_type(resources, "AWS::IAM::Policy").values()
        if {"Ref": role} in p["Properties"]["Roles"]
    ]
    table_statements = [
        s
        for p in policies
        for s in statements(p["PolicyDocument"])
        if any(a.startswith("dynamodb:") for a in as_list(s["Action"]))
    ]
    assert table_statements
    for statement in table_statements:
        assert set(as_list(statement["Action"])) == store.IAM_ACTIONS
        assert statement["Resource"] == {"Fn::GetAtt": [merge.TABLE, "Arn"]}


def test_the_api_handler_alone_may_read_the_signing_secret(resources: dict[str, Any]) -> None:
    # prod's authorizer verifies its user pool's tokens only (tools.deploy.user_pool): no secret.
    parameter = ENV["JWT_SECRET_PARAMETER"]
    readers = {}
    for name, function in of_type(resources, "AWS::Serverless::Function").items():
        role = function["Properties"]["Role"]["Fn::GetAtt"][0]
        readers[name] = [
            s
            for p in of_type(resources, "AWS::IAM::Policy").values()
            if {"Ref": role} in p["Properties"]["Roles"]
            for s in statements(p["Properties"]["PolicyDocument"])
            if set(as_list(s["Action"])) == signing.IAM_ACTIONS
        ]
    assert {name for name, granted in readers.items() if granted} == {"APIHandler"}
    for granted in readers["APIHandler"]:
        assert granted["Resource"]["Fn::Sub"].endswith(f":parameter{parameter}")


def test_authorizer_gets_no_table_access_of_its_own(resources: dict[str, Any]) -> None:
    role = resources["JwtAuth"]["Properties"]["Role"]["Fn::GetAtt"][0]
    actions = {
        action
        for p in of_type(resources, "AWS::IAM::Policy").values()
        if {"Ref": role} in p["Properties"]["Roles"]
        for s in statements(p["Properties"]["PolicyDocument"])
        for action in as_list(s["Action"])
    }
    assert not {a for a in actions if a.startswith("dynamodb:")}


def test_no_data_action_on_every_resource(resources: dict[str, Any]) -> None:
    for document in all_policy_documents(resources):
        for statement in statements(document):
            data_actions = [
                a for a in as_list(statement["Action"]) if a.startswith(("dynamodb:", "ssm:"))
            ]
            if data_actions:
                assert "*" not in as_list(statement["Resource"]), statement
                assert all("*" not in a for a in data_actions), statement


def test_gateway_errors_carry_the_stage_origin(resources: dict[str, Any]) -> None:
    # In the API definition, so that each new deployment keeps them (standalone
    # AWS::ApiGateway::GatewayResponse resources are dropped by the next deployment).
    body = resources["RestAPI"]["Properties"]["DefinitionBody"]
    responses = body["x-amazon-apigateway-gateway-responses"]
    for response_type in ("DEFAULT_4XX", "DEFAULT_5XX"):
        headers = responses[response_type]["responseParameters"]
        assert headers["gatewayresponse.header.Access-Control-Allow-Origin"] == ORIGIN


def test_the_gateway_hands_every_body_over_as_it_came(resources: dict[str, Any]) -> None:
    # With Chalice's default binary types, API Gateway would base64-encode bodies sent as
    # images, audio or archives: no route takes one.
    body = resources["RestAPI"]["Properties"]["DefinitionBody"]
    assert body["x-amazon-apigateway-binary-media-types"] == []


def test_an_unknown_path_is_the_json_404_make_run_answers_with_cors(
    resources: dict[str, Any],
) -> None:
    # API Gateway's default is a 403 that quotes the Authorization header back.
    body = resources["RestAPI"]["Properties"]["DefinitionBody"]
    missing = body["x-amazon-apigateway-gateway-responses"]["MISSING_AUTHENTICATION_TOKEN"]
    assert missing["statusCode"] == 404
    assert missing["responseParameters"] == {
        "gatewayresponse.header.Access-Control-Allow-Origin": ORIGIN,
        "gatewayresponse.header.X-Content-Type-Options": "'nosniff'",
    }
    (template,) = missing["responseTemplates"].values()
    assert list(missing["responseTemplates"]) == ["application/json"]
    assert json.loads(template) == gateway.NOT_FOUND
    assert set(gateway.NOT_FOUND) == {"message", "code"}
    # A mapping template: "$" and "#" would be read as its code, not sent as they are.
    assert not {"$", "#"} & set(template)


def test_preflight_answers_with_the_stage_origin_not_the_callers_environment(
    resources: dict[str, Any],
) -> None:
    # conftest puts the local stage's "*" in os.environ; chalice must apply prod's.
    paths = resources["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    origins = {
        response.get("responseParameters", {}).get(
            "method.response.header.Access-Control-Allow-Origin"
        )
        for path in paths.values()
        for operation in path.values()
        for response in operation["x-amazon-apigateway-integration"]["responses"].values()
    }
    assert origins - {None} == {ORIGIN}


def test_stage_is_traced_logged_and_throttled(resources: dict[str, Any]) -> None:
    api = resources["RestAPI"]
    assert api["Type"] == "AWS::Serverless::Api"
    properties = api["Properties"]
    assert properties["TracingEnabled"] is True

    access_log = properties["AccessLogSetting"]
    group = access_log["DestinationArn"]["Fn::GetAtt"]
    assert group[1] == "Arn"
    assert resources[group[0]]["Type"] == "AWS::Logs::LogGroup"
    assert resources[group[0]]["Properties"]["RetentionInDays"] == RUNTIME.log_retention_days
    fields = json.loads(access_log["Format"])
    assert {
        "requestId",
        "ip",
        "caller",
        "requestTime",
        "httpMethod",
        "resourcePath",
        "status",
        "protocol",
        "responseLength",
    } <= set(fields)
    assert all(value.startswith("$context.") for value in fields.values())

    [settings] = properties["MethodSettings"]
    assert (settings["ResourcePath"], settings["HttpMethod"]) == ("/*", "*")
    assert settings["ThrottlingRateLimit"] > 0
    assert 0 < settings["ThrottlingBurstLimit"] <= RUNTIME.reserved_concurrency
    assert settings["DataTraceEnabled"] is False


def test_every_function_logs_to_a_group_with_the_stage_retention(
    resources: dict[str, Any],
) -> None:
    groups = {
        r["Properties"]["LogGroupName"]["Fn::Sub"]: r["Properties"]["RetentionInDays"]
        for r in of_type(resources, "AWS::Logs::LogGroup").values()
        if isinstance(r["Properties"]["LogGroupName"], dict)
    }
    for name in of_type(resources, "AWS::Serverless::Function"):
        assert groups.get(f"/aws/lambda/${{{name}}}") == RUNTIME.log_retention_days, name


def test_zip_holds_the_app_and_its_runtime_requirements_only(built: Path) -> None:
    archive = built / "deployment.zip"
    with zipfile.ZipFile(archive) as zipped:
        names = zipped.namelist()
    top = {name.split("/")[0] for name in names}
    assert "app.py" in names
    assert {"chalicelib", "jwt"} <= top
    assert "chalicelib/openapi.json" in names
    assert not top & {"boto3", "botocore", "s3transfer", "moto", "tests", "tools", "web"}
    # Bytecode only as tools.deploy.package.bytecode adds it: one file per module shipped,
    # none stale.
    compiled = {name for name in names if name.endswith(".pyc")}
    sources = {name for name in names if name.endswith(".py")}
    assert compiled == {bytecode.pyc_name(name) for name in sources}
    assert archive.stat().st_size < zipsize.BUDGET_BYTES


def test_the_zip_is_the_size_docs_deploy_md_says_within_a_tenth(built: Path) -> None:
    stated = re.search(r"with their bytecode \(about (\d+) KiB\)", DEPLOY_DOC.read_text())
    assert stated is not None, "docs/deploy.md says what deployment.zip holds, and its size"
    size = (built / "deployment.zip").stat().st_size / 1024
    assert abs(int(stated[1]) - size) <= size / 10, f"deployment.zip is {size:.0f} KiB"


def test_the_template_is_too_large_to_deploy_without_s3_as_docs_deploy_md_says(
    built: Path,
) -> None:
    assert (built / "sam.json").stat().st_size > stack_path.INLINE_TEMPLATE_BYTES


def test_template_passes_cfn_lint_which_fails_chalices_own(
    built: Path, template: dict[str, Any], tmp_path: Path
) -> None:
    assert lint.cfn_lint(built / "sam.json")
    # Undo the fix of Chalice 1.34's log group name: cfn-lint must fail the template.
    broken = json.loads(json.dumps(template))
    broken["Resources"]["ApiHandlerLogGroup"]["Properties"]["LogGroupName"] = {
        "Fn::Sub": "/aws/lambda/${ApiHandler}"
    }
    (tmp_path / "sam.json").write_text(json.dumps(broken))
    assert not lint.cfn_lint(tmp_path / "sam.json")


def test_packaged_functions_run_with_the_stage_runtime_and_tags(resources: dict[str, Any]) -> None:
    for name, function in of_type(resources, "AWS::Serverless::Function").items():
        properties = function["Properties"]
        assert properties["MemorySize"] == RUNTIME.memory_mb, name
        assert properties["Timeout"] == RUNTIME.timeout_seconds, name
        assert properties["Architectures"] == [RUNTIME.architecture], name
        assert properties.get("Tracing") == ("Active" if RUNTIME.xray else None), name
        assert properties["ReservedConcurrentExecutions"] == RUNTIME.reserved_concurrency, name
        assert DEPLOYED.tags.items() <= properties["Tags"].items(), name


def test_each_function_runs_python_313_from_its_own_module(resources: dict[str, Any]) -> None:
    """The authorizer's handler is its Blueprint's module: its Lambda never loads app.py."""
    functions = of_type(resources, "AWS::Serverless::Function")
    handlers = {name: function["Properties"]["Handler"] for name, function in functions.items()}
    assert handlers == {"APIHandler": "app.app", "JwtAuth": "chalicelib.authorizer.jwt_auth"}
    assert {function["Properties"]["Runtime"] for function in functions.values()} == {"python3.13"}


@pytest.fixture(scope="module")
def translated(template: dict[str, Any]) -> dict[str, Any]:
    return lint.translate(template)


def test_the_sam_transform_leaves_plain_cloudformation(translated: dict[str, Any]) -> None:
    assert "Transform" not in translated
    kinds = {resource["Type"] for resource in translated["Resources"].values()}
    assert not [kind for kind in kinds if kind.startswith("AWS::Serverless::")]
    assert {"AWS::ApiGateway::RestApi", "AWS::ApiGateway::Stage", "AWS::Lambda::Function"} <= kinds


def test_the_api_deploys_one_stage_traced_logged_throttled_and_with_the_apis_skips(
    resources: dict[str, Any], translated: dict[str, Any]
) -> None:
    api = resources["RestAPI"]
    deployed = translated["Resources"]
    [stage] = of_type(deployed, "AWS::ApiGateway::Stage").values()
    properties = stage["Properties"]
    assert properties["StageName"] == api["Properties"]["StageName"]
    assert properties["TracingEnabled"] is True
    assert properties["AccessLogSetting"] == api["Properties"]["AccessLogSetting"]
    assert properties["MethodSettings"] == api["Properties"]["MethodSettings"]
    # checkov reads its skips (the stage cache's, with the reason) on what is deployed.
    assert stage["Metadata"] == api["Metadata"]
    # A deployment that names a stage makes that one too ("Stage"), with none of the above.
    for deployment in of_type(deployed, "AWS::ApiGateway::Deployment").values():
        assert "StageName" not in deployment["Properties"]


def test_the_deployed_functions_keep_their_skips_and_tracing(
    resources: dict[str, Any], translated: dict[str, Any]
) -> None:
    functions = of_type(translated["Resources"], "AWS::Lambda::Function")
    assert set(functions) == set(of_type(resources, "AWS::Serverless::Function"))
    for name, function in functions.items():
        assert function["Metadata"] == resources[name]["Metadata"], name
        assert function["Properties"]["TracingConfig"] == {"Mode": "Active"}, name


def test_the_translation_is_written_beside_the_template_and_passes_cfn_lint(
    built: Path, tmp_path: Path
) -> None:
    sam = tmp_path / "sam.json"
    shutil.copyfile(built / "sam.json", sam)
    targets = [path for path, _kind in lint.lint_targets(sam)]
    assert targets == [sam, tmp_path / lint.TRANSLATED]
    assert lint.cfn_lint(tmp_path / lint.TRANSLATED)
