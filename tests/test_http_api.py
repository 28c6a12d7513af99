"""The HTTP API variant (`make package STAGE=prod API=http`): its template, and what it
makes of a Cognito stage. The package is built once for the module. prod has a user pool
of its own (identity cognito); the other shapes are checked on prod's model made an
HS256 stage, then given an issuer in its environment.
"""

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from app import app
from chalicelib import auth
from tools.deploy import lint
from tools.deploy.package import build, http_api
from tools.deploy.package import user_pool as pool_template
from tools.deploy.stage import deployed_stage

PROD = deployed_stage("prod")
# prod as it would be without its pool: HS256 tokens signed with the stage secret.
STAGE = dataclasses.replace(PROD, identity="secret", function_variables={})
COGNITO_ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example1"
CHALICE_ROUTES = {(method, path) for path, methods in app.routes.items() for method in methods}


def with_environment(**changes: str):
    return dataclasses.replace(STAGE, environment={**STAGE.environment, **changes})


COGNITO = with_environment(OIDC_ISSUER=COGNITO_ISSUER, OIDC_CLIENT_ID="example-client")
COGNITO_SCOPED = with_environment(
    OIDC_ISSUER=COGNITO_ISSUER, OIDC_CLIENT_ID="example-client", REQUIRE_SCOPES="true"
)


def operations(definition: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): operation
        for path, methods in definition["paths"].items()
        for method, operation in methods.items()
    }


# --- the definition, from the app's routes (no package needed) ---------------------------


def test_every_route_of_the_app_is_an_explicit_route_at_payload_1_0():
    routes = operations(http_api.definition(STAGE, app))
    assert set(routes) == CHALICE_ROUTES
    for operation in routes.values():
        integration = operation["x-amazon-apigateway-integration"]
        assert integration["payloadFormatVersion"] == "1.0"
        assert integration["type"] == "aws_proxy"
        assert "APIHandler.Arn" in integration["uri"]["Fn::Sub"]


def test_no_catch_all_route_and_no_preflight_route_reach_the_app():
    paths = http_api.definition(STAGE, app)["paths"]
    assert not [path for path in paths if "+" in path or path == "$default"]
    assert not [path for path, methods in paths.items() if "options" in methods]


def test_the_routes_the_app_guards_are_guarded_the_others_are_public():
    routes = operations(http_api.definition(STAGE, app))
    for (method, path), operation in routes.items():
        guarded = app.routes[path][method].authorizer is not None
        assert ("security" in operation) is guarded, (method, path)


def test_an_hs256_stage_keeps_the_lambda_authorizer_at_payload_1_0_with_one_identity():
    scheme = http_api.definition(STAGE, app)["components"]["securitySchemes"]["jwt_auth"]
    authorizer = scheme["x-amazon-apigateway-authorizer"]
    assert authorizer["type"] == "request"
    assert authorizer["authorizerPayloadFormatVersion"] == "1.0"
    # One identity source: 1.0 would join several into authorizationToken with commas.
    assert authorizer["identitySource"] == "$request.header.Authorization"
    assert authorizer["authorizerResultTtlInSeconds"] == http_api.AUTHORIZER_CACHE_SECONDS
    assert "JwtAuth.Arn" in authorizer["authorizerUri"]["Fn::Sub"]


def test_prods_own_pool_is_the_jwt_authorizers_issuer_by_sub_and_its_client_by_ref():
    assert http_api.uses_jwt_authorizer(PROD)
    scheme = http_api.definition(PROD, app)["components"]["securitySchemes"]["jwt_auth"]
    assert scheme["x-amazon-apigateway-authorizer"]["jwtConfiguration"] == {
        "issuer": {
            "Fn::Sub": "https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}",
        },
        "audience": [{"Ref": pool_template.CLIENT}],
    }


def test_prod_requires_each_routes_scope_from_its_pools_tokens():
    routes = operations(http_api.definition(PROD, app))
    scopes = {key: op["security"] for key, op in routes.items() if "security" in op}
    assert scopes[("GET", "/todos")] == [{"jwt_auth": [auth.READ_SCOPE]}]
    assert scopes[("DELETE", "/todos/{todo_id}")] == [{"jwt_auth": [auth.WRITE_SCOPE]}]


def test_a_pool_stage_that_also_accepts_hs256_keeps_the_lambda_authorizer():
    both = dataclasses.replace(
        PROD,
        function_variables={"jwt_auth": {"ACCEPT_HS256_WITH_OIDC": "true"}},
    )
    assert not http_api.uses_jwt_authorizer(both)
    assert not http_api.uses_jwt_authorizer(deployed_stage("dev"))


def test_a_cognito_stage_uses_the_native_jwt_authorizer_for_its_app_client():
    assert http_api.uses_jwt_authorizer(COGNITO)
    scheme = http_api.definition(COGNITO, app)["components"]["securitySchemes"]["jwt_auth"]
    assert scheme["x-amazon-apigateway-authorizer"] == {
        "type": "jwt",
        "identitySource": "$request.header.Authorization",
        "jwtConfiguration": {"issuer": COGNITO_ISSUER, "audience": ["example-client"]},
    }


def test_a_cognito_stage_that_also_accepts_hs256_keeps_the_lambda_authorizer():
    assert not http_api.uses_jwt_authorizer(
        dataclasses.replace(
            COGNITO, environment={**COGNITO.environment, "ACCEPT_HS256_WITH_OIDC": "true"}
        )
    )
    assert not http_api.uses_jwt_authorizer(
        with_environment(OIDC_ISSUER="https://issuer.example.com/", OIDC_AUDIENCE="todo-api")
    )


def test_with_require_scopes_each_route_needs_the_scope_the_authorizer_grants_it_for():
    routes = operations(http_api.definition(COGNITO_SCOPED, app))
    for (method, path), operation in routes.items():
        if "security" not in operation:
            continue
        (requirement,) = operation["security"]
        wanted = auth.READ_SCOPE if method == "GET" else auth.WRITE_SCOPE
        assert requirement == {"jwt_auth": [wanted]}, (method, path)


def test_without_require_scopes_no_route_asks_for_a_scope():
    for operation in operations(http_api.definition(COGNITO, app)).values():
        for requirement in operation.get("security", []):
            assert requirement == {"jwt_auth": []}


def test_cors_is_the_apps_own_configuration_for_the_stages_origin():
    cors = http_api.cors_configuration(STAGE, app)
    headers = app.routes["/todos"]["GET"].cors.get_access_control_headers()
    # Not the origin this test process imported app.py with ("*", the local stage's).
    assert cors["AllowOrigins"] == ["https://todo.example.com"]
    assert ",".join(cors["AllowHeaders"]) == headers["Access-Control-Allow-Headers"]
    assert set(cors["ExposeHeaders"]) == set(headers["Access-Control-Expose-Headers"].split(","))
    assert cors["MaxAge"] == int(headers["Access-Control-Max-Age"])
    assert {"GET", "POST", "PUT", "DELETE", "OPTIONS"} == set(cors["AllowMethods"])


# --- the packaged variant ------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build.build("prod", tmp_path_factory.mktemp("package") / "prod-http", "http")


@pytest.fixture(scope="module")
def template(built: Path) -> dict[str, Any]:
    return json.loads((built / "sam.json").read_text())


@pytest.fixture(scope="module")
def rest_template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return build.chalice_template("prod", tmp_path_factory.mktemp("package") / "prod")


def of_type(template: dict[str, Any], kind: str) -> dict[str, Any]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


@pytest.mark.integration
def test_the_package_holds_the_template_and_the_zip(built: Path):
    assert (built / "sam.json").is_file()
    assert (built / "deployment.zip").is_file()


@pytest.mark.integration
def test_nothing_of_the_rest_api_is_left(template: dict[str, Any]):
    assert not of_type(template, "AWS::Serverless::Api")
    assert "RestAPI" not in json.dumps(template)
    assert set(of_type(template, "AWS::Serverless::HttpApi")) == {http_api.HTTP_API}


@pytest.mark.integration
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


@pytest.mark.integration
def test_invoke_permissions_name_this_api_only(template: dict[str, Any]):
    permissions = of_type(template, "AWS::Lambda::Permission")
    # prod's JWT authorizer is API Gateway's own: no authorizer Lambda to invoke.
    assert set(permissions) == {"APIHandlerInvokePermission"}
    for permission in permissions.values():
        text, variables = permission["Properties"]["SourceArn"]["Fn::Sub"]
        assert text.endswith(":${ApiId}/*")
        assert variables == {"ApiId": {"Ref": http_api.HTTP_API}}


@pytest.mark.integration
def test_everything_else_is_the_rest_templates(rest_template):
    # Before tools.deploy.package.release, which adds to both variants alike
    # (tests/test_release.py).
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


@pytest.mark.integration
def test_the_endpoint_output_points_at_the_http_api_stage(template: dict[str, Any]):
    url = template["Outputs"]["EndpointURL"]["Value"]["Fn::Sub"]
    assert url == "https://${HttpAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}/api/"


@pytest.mark.integration
def test_on_a_cognito_stage_the_authorizer_lambda_and_its_layer_are_gone(rest_template):
    assert pool_template.LAYER_PARAMETER in rest_template["Parameters"]
    variant = http_api.http_variant(COGNITO, rest_template)
    assert "JwtAuth" not in variant["Resources"]
    assert not [name for name in variant["Resources"] if name.startswith("JwtAuth")]
    assert "JwtAuth" not in json.dumps(variant)
    assert pool_template.LAYER_PARAMETER not in json.dumps(variant)
    translated = lint.translate(variant)
    assert not [r for r in translated["Resources"].values() if "Serverless" in r["Type"]]


@pytest.mark.integration
def test_the_transform_makes_one_stage_and_no_routes_of_its_own(template: dict[str, Any]):
    translated = lint.translate(template)
    kinds = [resource["Type"] for resource in translated["Resources"].values()]
    assert kinds.count("AWS::ApiGatewayV2::Api") == 1
    assert kinds.count("AWS::ApiGatewayV2::Stage") == 1
    assert "AWS::ApiGatewayV2::Route" not in kinds
    api = next(r for r in translated["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Api")
    assert set(operations(api["Properties"]["Body"])) == CHALICE_ROUTES


@pytest.mark.integration
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
