"""Releases and the edge in the packaged templates (tools.deploy.package: release, alarms, edge).

Each variant is packaged once for the module, then read as it is and as the SAM
transform turns it into the CloudFormation that is deployed.
"""

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.templates import of_type
from tools.deploy import lint
from tools.deploy.package import alarms, build, edge, release
from tools.deploy.stage import Release, StageError, deployed_stage

PROD = deployed_stage("prod")
DEV = deployed_stage("dev")
FUNCTIONS = {"APIHandler", "JwtAuth"}


def packaged(tmp_path_factory: pytest.TempPathFactory, stage: str, **options: Any) -> Any:
    out = tmp_path_factory.mktemp("release") / stage
    template = json.loads((build.build(stage, out, **options) / "sam.json").read_text())
    return template, lint.translate(template)


@pytest.fixture(scope="module")
def prod(tmp_path_factory):
    return packaged(tmp_path_factory, "prod")


@pytest.fixture(scope="module")
def prod_http(tmp_path_factory):
    return packaged(tmp_path_factory, "prod", api="http")


@pytest.fixture(scope="module")
def prod_keys(tmp_path_factory):
    return packaged(tmp_path_factory, "prod", api_keys=True)


@pytest.fixture(scope="module")
def dev(tmp_path_factory):
    return packaged(tmp_path_factory, "dev")


def functions(template: dict[str, Any]) -> dict[str, Any]:
    return of_type(template["Resources"], "AWS::Serverless::Function")


def api_body(translated: dict[str, Any]) -> dict[str, Any]:
    resources = translated["Resources"]
    apis = of_type(resources, "AWS::ApiGateway::RestApi") or of_type(
        resources, "AWS::ApiGatewayV2::Api"
    )
    (api,) = apis.values()
    body: dict[str, Any] = api["Properties"]["Body"]
    return body


def lambda_uris(body: Any) -> list[Any]:
    """Every Fn::Sub in the API definition that names a Lambda function to invoke."""
    found = []
    if isinstance(body, dict):
        sub = body.get("Fn::Sub")
        text = sub if isinstance(sub, str) else sub[0] if isinstance(sub, list) else ""
        if ":lambda:path/" in text:
            found.append(sub)
        for value in body.values():
            found += lambda_uris(value)
    elif isinstance(body, list):
        for value in body:
            found += lambda_uris(value)
    return found


@pytest.mark.parametrize("variant", ["prod", "prod_http", "dev"])
def test_each_function_publishes_versions_behind_the_alias_live(variant, request):
    template, translated = request.getfixturevalue(variant)
    for name, function in functions(template).items():
        assert function["Properties"]["AutoPublishAlias"] == release.ALIAS, name
    aliases = of_type(translated["Resources"], "AWS::Lambda::Alias")
    assert {a["Properties"]["Name"] for a in aliases.values()} == {release.ALIAS}
    assert {a["Properties"]["FunctionName"]["Ref"] for a in aliases.values()} == set(
        functions(template)
    )


@pytest.mark.parametrize("variant", ["prod", "prod_http", "dev"])
def test_the_api_and_its_permissions_invoke_the_alias_never_latest(variant, request):
    _, translated = request.getfixturevalue(variant)
    aliases = set(of_type(translated["Resources"], "AWS::Lambda::Alias"))
    uris = lambda_uris(api_body(translated))
    assert uris
    for text, variables in uris:
        assert ".Arn}" not in text
        (function,) = re.findall(r"/functions/\$\{(\w+)\}/invocations", text)
        assert variables[function]["Ref"] in aliases
    permissions = of_type(translated["Resources"], "AWS::Lambda::Permission")
    assert permissions
    for name, permission in permissions.items():
        assert permission["Properties"]["FunctionName"]["Ref"] in aliases, name


def test_prod_rolls_out_by_canary_watching_the_alarms(prod):
    template, translated = prod
    alarm_ids = set(of_type(template["Resources"], "AWS::CloudWatch::Alarm"))
    for name, function in functions(template).items():
        preference = function["Properties"]["DeploymentPreference"]
        assert preference["Type"] == "Canary10Percent5Minutes", name
        assert {a["Ref"] for a in preference["Alarms"]} == alarm_ids
    groups = of_type(translated["Resources"], "AWS::CodeDeploy::DeploymentGroup")
    assert len(groups) == len(FUNCTIONS)
    for group in groups.values():
        configuration = group["Properties"]["AlarmConfiguration"]
        assert configuration["Enabled"] is True
        assert {a["Name"]["Ref"] for a in configuration["Alarms"]} == alarm_ids
        assert (
            "DEPLOYMENT_STOP_ON_ALARM" in group["Properties"]["AutoRollbackConfiguration"]["Events"]
        )


def test_dev_moves_the_alias_at_once_without_codedeploy(dev):
    template, translated = dev
    for function in functions(template).values():
        assert "DeploymentPreference" not in function["Properties"]
    assert not [r for r in translated["Resources"].values() if "CodeDeploy" in r["Type"]]


def test_provisioned_concurrency_is_on_the_prod_aliases_only(prod, dev):
    _, translated = prod
    for alias in of_type(translated["Resources"], "AWS::Lambda::Alias").values():
        config = alias["Properties"]["ProvisionedConcurrencyConfig"]
        assert config == {"ProvisionedConcurrentExecutions": PROD.release.provisioned_concurrency}
    assert PROD.release.provisioned_concurrency >= 1
    assert "ProvisionedConcurrencyConfig" not in json.dumps(dev[1])


def test_one_topic_receives_every_alarm_and_its_return_to_ok(prod):
    template, _ = prod
    (topic,) = of_type(template["Resources"], "AWS::SNS::Topic")
    for name, alarm in of_type(template["Resources"], "AWS::CloudWatch::Alarm").items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic}], name
        assert alarm["Properties"]["OKActions"] == [{"Ref": topic}], name


def test_the_alarms_cover_the_app_the_gateway_and_both_functions(prod):
    template, _ = prod
    watched = {
        (a["Properties"]["Namespace"], a["Properties"]["MetricName"])
        for a in of_type(template["Resources"], "AWS::CloudWatch::Alarm").values()
    }
    assert watched == {
        ("TodoApi", "Errors"),
        ("TodoApi", "Latency"),
        ("TodoApi", "DynamoDbThrottles"),
        ("TodoApi", "AuthorizerFailures"),
        ("AWS/ApiGateway", "5XXError"),
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Throttles"),
    }
    lambda_alarms = [
        a["Properties"]["Dimensions"][0]["Value"]["Ref"]
        for a in of_type(template["Resources"], "AWS::CloudWatch::Alarm").values()
        if a["Properties"]["Namespace"] == "AWS/Lambda"
    ]
    assert sorted(lambda_alarms) == sorted([*FUNCTIONS, *FUNCTIONS])


def test_the_dashboard_graphs_every_alarms_metric(prod):
    template, _ = prod
    (dashboard,) = of_type(template["Resources"], "AWS::CloudWatch::Dashboard").values()
    body = json.loads(dashboard["Properties"]["DashboardBody"]["Fn::Sub"])
    graphed = {tuple(w["properties"]["metrics"][0][:2]) for w in body["widgets"]}
    alarmed = {
        (a["Properties"]["Namespace"], a["Properties"]["MetricName"])
        for a in of_type(template["Resources"], "AWS::CloudWatch::Alarm").values()
    }
    assert graphed == alarmed


def test_the_http_variant_canary_skips_the_gateway_alarm_that_names_the_api(prod_http):
    template, _ = prod_http
    gateway = [
        name
        for name, a in of_type(template["Resources"], "AWS::CloudWatch::Alarm").items()
        if a["Properties"]["Namespace"] == "AWS/ApiGateway"
    ]
    assert gateway
    for function in functions(template).values():
        watched = {a["Ref"] for a in function["Properties"]["DeploymentPreference"]["Alarms"]}
        assert watched
        assert not watched & set(gateway)


def test_prod_rest_has_a_web_acl_on_its_stage(prod):
    template, translated = prod
    (acl,) = of_type(template["Resources"], "AWS::WAFv2::WebACL").values()
    rules = {rule["Name"]: rule for rule in acl["Properties"]["Rules"]}
    rate = rules["PerAddressRate"]["Statement"]["RateBasedStatement"]
    assert rate == {"Limit": PROD.release.waf_rate_limit, "AggregateKeyType": "IP"}
    assert rules["PerAddressRate"]["Action"] == {"Block": {}}
    assert {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"} <= set(rules)
    (association,) = of_type(translated["Resources"], "AWS::WAFv2::WebACLAssociation").values()
    stage_arn = association["Properties"]["ResourceArn"]["Fn::Sub"]
    assert stage_arn.endswith("/restapis/${RestAPI}/stages/${RestAPIapiStage}")
    assert "RestAPIapiStage" in of_type(translated["Resources"], "AWS::ApiGateway::Stage")


def test_the_waf_log_never_holds_a_token_or_an_api_key(prod):
    template, _ = prod
    (logging,) = of_type(template["Resources"], "AWS::WAFv2::LoggingConfiguration").values()
    redacted = {f["SingleHeader"]["Name"] for f in logging["Properties"]["RedactedFields"]}
    assert redacted == {"authorization", "x-api-key"}


def test_no_web_acl_on_dev_or_on_the_http_variant(dev, prod_http):
    for template, _ in (dev, prod_http):
        assert not of_type(template["Resources"], "AWS::WAFv2::WebACL")


def test_api_keys_are_off_by_default(prod):
    template, _ = prod
    assert not of_type(template["Resources"], "AWS::ApiGateway::UsagePlan")
    assert edge.API_KEY_SCHEME not in json.dumps(template)


def test_with_api_keys_the_todos_routes_need_a_key_and_a_token(prod_keys):
    _, translated = prod_keys
    body = api_body(translated)
    assert body["x-amazon-apigateway-api-key-source"] == "HEADER"
    assert body["securityDefinitions"][edge.API_KEY_SCHEME]["name"] == "x-api-key"
    for path, operations in body["paths"].items():
        for method, operation in operations.items():
            if method in ("options", "x-amazon-apigateway-any-method"):
                continue
            security = operation.get("security", [])
            if path.startswith("/todos"):
                assert security == [{"jwt_auth": [], edge.API_KEY_SCHEME: []}], (path, method)
            else:
                assert edge.API_KEY_SCHEME not in json.dumps(security), (path, method)


def test_with_api_keys_a_usage_plan_throttles_each_key_and_no_key_is_made(prod_keys):
    _, translated = prod_keys
    (plan,) = of_type(translated["Resources"], "AWS::ApiGateway::UsagePlan").values()
    properties = plan["Properties"]
    assert properties["Throttle"] == {
        "RateLimit": PROD.release.api_key_rate,
        "BurstLimit": PROD.release.api_key_burst,
    }
    assert properties["Quota"] == {"Limit": PROD.release.api_key_daily_quota, "Period": "DAY"}
    assert properties["ApiStages"] == [
        {"ApiId": {"Ref": "RestAPI"}, "Stage": {"Ref": "RestAPIapiStage"}}
    ]
    assert not of_type(translated["Resources"], "AWS::ApiGateway::ApiKey")


def test_an_http_api_refuses_api_keys(tmp_path: Path):
    with pytest.raises(SystemExit, match="only for the REST API"):
        build.build("prod", tmp_path / "out", api="http", api_keys=True)


def test_a_release_setting_out_of_its_values_is_refused():
    with pytest.raises(StageError, match="deployment"):
        Release(deployment="Canary50Percent1Minute")
    with pytest.raises(StageError, match="unknown release settings"):
        Release.from_config({"provisioned": 1})
    with pytest.raises(StageError):
        Release(provisioned_concurrency=-1)


def test_the_app_alarms_name_the_namespace_and_dimensions_of_the_stage():
    for alarm in alarms.alarms(PROD, {"Resources": {}}, "rest"):
        if alarm.namespace.startswith("AWS/"):
            continue
        assert alarm.namespace == PROD.environment["METRICS_NAMESPACE"]
        assert {k: alarm.dimensions[k] for k in ("Service", "Stage")} == {
            "Service": "todo-api",
            "Stage": "prod",
        }


def test_the_rest_api_answers_a_method_a_path_lacks_with_405(prod):
    _, translated = prod
    for path, operations in api_body(translated)["paths"].items():
        own = sorted(m.upper() for m in operations if m in ("get", "put", "post", "delete"))
        any_method = operations["x-amazon-apigateway-any-method"]
        response = any_method["x-amazon-apigateway-integration"]["responses"]["default"]
        assert response["statusCode"] == "405", path
        allow = response["responseParameters"]["method.response.header.Allow"]
        assert sorted(allow.strip("'").split(", ")) == own, path
