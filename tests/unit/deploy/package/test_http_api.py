"""The HTTP API variant's definition and template, made in process from the app's routes:
prod (a user pool of its own, identity cognito), and prod's model made an HS256 stage,
then given an issuer in its environment."""

import dataclasses

from app import app
from chalicelib import auth
from tests.support.http_stages import (
    CHALICE_ROUTES,
    COGNITO,
    COGNITO_ISSUER,
    PROD,
    STAGE,
    with_environment,
)
from tests.support.templates import operations
from tools.deploy.package import http_api
from tools.deploy.package import user_pool as pool_template
from tools.deploy.stage import deployed_stage

COGNITO_SCOPED = with_environment(
    OIDC_ISSUER=COGNITO_ISSUER, OIDC_CLIENT_ID="example-client", REQUIRE_SCOPES="true"
)


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
