"""The HTTP API variant as packaged (`make package STAGE=prod API=http`), built once for
the module: its template before and after the SAM transform, and what it makes of prod's
user pool."""

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.http_stages import (
    CHALICE_ROUTES,
    COGNITO,
    PROD,
    STAGE,
)
from tests.support.templates import of_type, operations
from tools.deploy import lint
from tools.deploy.package import build, http_api
from tools.deploy.package import user_pool as pool_template


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build.build("prod", tmp_path_factory.mktemp("package") / "prod-http", "http")


@pytest.fixture(scope="module")
def template(built: Path) -> dict[str, Any]:
    return json.loads((built / "sam.json").read_text())


@pytest.fixture(scope="module")
def rest_template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return build.chalice_template("prod", tmp_path_factory.mktemp("package") / "prod")


def test_the_package_holds_the_template_and_the_zip(built: Path):
    assert (built / "sam.json").is_file()
    assert (built / "deployment.zip").is_file()


def test_nothing_of_the_rest_api_is_left(template: dict[str, Any]):
    assert not of_type(template["Resources"], "AWS::Serverless::Api")
    assert "RestAPI" not in json.dumps(template)
    assert set(of_type(template["Resources"], "AWS::Serverless::HttpApi")) == {http_api.HTTP_API}


def test_the_stage_name_throttling_and_access_logs_are_kept(template, rest_template):
    properties = template["Resources"][http_api.HTTP_API]["Properties"]
    rest = rest_template["Resources"]["RestAPI"]["Properties"]
    assert properties["StageName"] == rest["StageName"] == "api"
    throttle = rest["MethodSettings"][0]
    assert (
        properties["DefaultRouteSettings"]["ThrottlingRateLimit"]
        == (throttle["ThrottlingRateLimit"])
    )
    assert (
        properties["DefaultRouteSettings"]["ThrottlingBurstLimit"]
        == (throttle["ThrottlingBurstLimit"])
    )
    log = properties["AccessLogSettings"]
    assert log["DestinationArn"] == rest["AccessLogSetting"]["DestinationArn"]
    fields = json.loads(log["Format"])
    assert fields["requestId"] == "$context.requestId"
    assert fields["routeKey"] == "$context.routeKey"
    assert properties["CorsConfiguration"]["AllowOrigins"] == [
        STAGE.environment["CORS_ALLOW_ORIGIN"]
    ]


def test_invoke_permissions_name_this_api_only(template: dict[str, Any]):
    permissions = of_type(template["Resources"], "AWS::Lambda::Permission")
    # prod's JWT authorizer is API Gateway's own: no authorizer Lambda to invoke.
    assert set(permissions) == {"APIHandlerInvokePermission"}
    for permission in permissions.values():
        text, variables = permission["Properties"]["SourceArn"]["Fn::Sub"]
        assert text.endswith(":${ApiId}/*")
        assert variables == {"ApiId": {"Ref": http_api.HTTP_API}}


def test_everything_else_is_the_rest_templates(rest_template):
    # Before tools.deploy.package.release, which adds to both variants alike
    # (tests/integration/deploy/package/test_release.py).
    variant = http_api.http_variant(PROD, rest_template)
    rest = {
        n: r
        for n, r in rest_template["Resources"].items()
        if n != "RestAPI" and not n.startswith(http_api.AUTHORIZER_ID)
    }
    http = {n: r for n, r in variant["Resources"].items() if n != http_api.HTTP_API}
    assert set(http) == set(rest)
    for name, resource in rest.items():
        if resource["Type"] != "AWS::Lambda::Permission":
            assert http[name] == resource, name


def test_the_endpoint_output_points_at_the_http_api_stage(template: dict[str, Any]):
    url = template["Outputs"]["EndpointURL"]["Value"]["Fn::Sub"]
    assert url == "https://${HttpAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}/api/"


def test_on_a_cognito_stage_the_authorizer_lambda_and_its_layer_are_gone(rest_template):
    assert pool_template.LAYER_PARAMETER in rest_template["Parameters"]
    variant = http_api.http_variant(COGNITO, rest_template)
    assert "JwtAuth" not in variant["Resources"]
    assert not [name for name in variant["Resources"] if name.startswith("JwtAuth")]
    assert "JwtAuth" not in json.dumps(variant)
    assert pool_template.LAYER_PARAMETER not in json.dumps(variant)
    translated = lint.translate(variant)
    assert not [r for r in translated["Resources"].values() if "Serverless" in r["Type"]]


def test_the_transform_makes_one_stage_and_no_routes_of_its_own(template: dict[str, Any]):
    translated = lint.translate(template)
    kinds = [resource["Type"] for resource in translated["Resources"].values()]
    assert kinds.count("AWS::ApiGatewayV2::Api") == 1
    assert kinds.count("AWS::ApiGatewayV2::Stage") == 1
    assert "AWS::ApiGatewayV2::Route" not in kinds
    api = next(r for r in translated["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Api")
    assert set(operations(api["Properties"]["Body"])) == CHALICE_ROUTES


def test_prods_pool_stays_and_its_jwt_authorizer_names_it_by_sub_and_ref(template):
    for name in (
        pool_template.USER_POOL,
        pool_template.RESOURCE_SERVER,
        pool_template.CLIENT,
        pool_template.DOMAIN,
    ):
        assert name in template["Resources"], name
    body = template["Resources"][http_api.HTTP_API]["Properties"]["DefinitionBody"]
    scheme = body["components"]["securitySchemes"]["jwt_auth"]["x-amazon-apigateway-authorizer"]
    assert scheme["jwtConfiguration"] == {
        "issuer": pool_template.ISSUER_SUB,
        "audience": [{"Ref": pool_template.CLIENT}],
    }
    assert "Parameters" not in template
    translated = lint.translate(template)
    (api,) = [r for r in translated["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Api"]
    text = json.dumps(api)
    assert '"Ref": "UserPoolClient"' in text
    assert "${UserPool}" in text
