"""The HTTP API variant of a packaged stage: `make package STAGE=prod API=http`.

Chalice deploys REST APIs only, and `--merge-template` can add to its template but never
remove `RestAPI`: so the variant is a step after packaging. It takes the REST template
tools.deploy.package made (functions, roles, table, data policies, log groups, settings) and
puts an `AWS::Serverless::HttpApi` in the REST API's place:

- one explicit route per route of the app (read from `app.routes`, never a list kept
  here), each a Lambda integration at payload format 1.0, the one Chalice's request
  handler understands (2.0 fails inside it, and a catch-all route answers 405);
- the authorizer: the stage's Lambda authorizer at payload format 1.0, with the
  Authorization header as its one identity source and its policy cached explicitly;
  or, on a stage whose OIDC issuer is an Amazon Cognito user pool (RS256, the only
  algorithm family HTTP APIs' JWT authorizer supports), that native JWT authorizer,
  with per-route scopes when the stage sets REQUIRE_SCOPES, and no authorizer Lambda
  (nor its cryptography layer); on a stage with a user pool of its own (identity
  cognito, tools.deploy.user_pool), its issuer and app client by Fn::Sub and Ref;
- CORS from the app's own CORSConfig and the stage's origin (HTTP APIs answer
  preflights themselves and ignore the backend's CORS headers); default-route
  throttling; JSON access logs with HTTP API context variables; the same stage name, so
  base URLs and `Location` headers stay the same; invoke permissions for this API only.
"""

import importlib
import os
from typing import Any

from chalice.app import Chalice, RouteEntry

from chalicelib import auth
from tools.deploy.package import user_pool
from tools.deploy.stage import AUTHORIZER, DeployedStage

Template = dict[str, Any]

HTTP_API = "HttpAPI"
REST_API = "RestAPI"
API_HANDLER_ID = "APIHandler"
AUTHORIZER_ID = "JwtAuth"
PAYLOAD_FORMAT = "1.0"
# Chalice's default for built-in authorizers, so both gateways cache a policy as long.
AUTHORIZER_CACHE_SECONDS = 300
COGNITO_ISSUER_PREFIX = "https://cognito-idp."
# The REST variant's resources that serve only its API or only the authorizer Lambda.
AUTHORIZER_RESOURCES = ("JwtAuth", "JwtAuthRole", "JwtAuthLogGroup", "JwtAuthInvokePermission")

# One JSON object per request: who called what, and how it went. No headers, no bodies.
ACCESS_LOG_FORMAT = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
    '"requestTime":"$context.requestTime","httpMethod":"$context.httpMethod",'
    '"routeKey":"$context.routeKey","status":"$context.status",'
    '"protocol":"$context.protocol","responseLength":"$context.responseLength",'
    '"responseLatency":"$context.responseLatency",'
    '"integrationLatency":"$context.integrationLatency",'
    '"integrationError":"$context.integrationErrorMessage",'
    '"authorizerError":"$context.authorizer.error"}'
)


def load_app(stage: DeployedStage) -> Chalice:
    """The app's routes, as the stage's functions import them.

    app.py reads its CORS origin at import; the origin the variant allows is the stage's
    own (cors_configuration), whichever one this process imported app.py with.
    """
    os.environ.setdefault("CORS_ALLOW_ORIGIN", stage.environment["CORS_ALLOW_ORIGIN"])
    app: Chalice = importlib.import_module("app").app
    return app


def uses_jwt_authorizer(stage: DeployedStage) -> bool:
    """Whether API Gateway's own JWT authorizer can stand in for the authorizer Lambda.

    Only for an issuer known to sign RS256 (HTTP APIs verify RSA only) whose tokens are
    all this stage accepts: a Cognito user pool, without ACCEPT_HS256_WITH_OIDC.
    """
    env = stage.function_environment(AUTHORIZER)
    issuer = env.get("OIDC_ISSUER", "")
    pool = stage.identity == "cognito" or issuer.startswith(COGNITO_ISSUER_PREFIX)
    accepts_hs256 = env.get("ACCEPT_HS256_WITH_OIDC", "false").lower() == "true"
    return pool and not accepts_hs256


def _lambda_uri(function: str) -> dict[str, str]:
    return {
        "Fn::Sub": (
            "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31"
            f"/functions/${{{function}.Arn}}/invocations"
        )
    }


def _route_scopes(path: str, method: str) -> list[str]:
    """The scopes whose policy routes (chalicelib.auth.SCOPE_ROUTES) open this route."""
    concrete = "/".join("*" if part.startswith("{") else part for part in path.split("/"))
    return sorted(
        scope
        for scope, routes in auth.SCOPE_ROUTES.items()
        if any(route.path == concrete and method in route.methods for route in routes)
    )


def _operation(path: str, method: str, route: RouteEntry, scoped: bool) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "x-amazon-apigateway-integration": {
            "type": "aws_proxy",
            "httpMethod": "POST",
            "uri": _lambda_uri(API_HANDLER_ID),
            "payloadFormatVersion": PAYLOAD_FORMAT,
        },
        "responses": {"default": {"description": "the API handler's answer"}},
    }
    if route.authorizer is not None:
        scopes = _route_scopes(path, method) if scoped else []
        operation["security"] = [{route.authorizer.name: scopes}]
    return operation


def _security_scheme(stage: DeployedStage, jwt: bool) -> dict[str, Any]:
    identity = "$request.header.Authorization"
    if not jwt:
        return {
            "type": "apiKey",
            "name": "Authorization",
            "in": "header",
            "x-amazon-apigateway-authorizer": {
                "type": "request",
                "identitySource": identity,
                "authorizerUri": _lambda_uri(AUTHORIZER_ID),
                "authorizerPayloadFormatVersion": PAYLOAD_FORMAT,
                "authorizerResultTtlInSeconds": AUTHORIZER_CACHE_SECONDS,
            },
        }
    env = stage.function_environment(AUTHORIZER)
    # Cognito access tokens carry no aud: the JWT authorizer then matches client_id.
    issuer: Any = env.get("OIDC_ISSUER")
    audience: Any = env.get("OIDC_CLIENT_ID") or env.get("OIDC_AUDIENCE")
    if stage.identity == "cognito":
        issuer, audience = user_pool.ISSUER_SUB, {"Ref": user_pool.CLIENT}
    return {
        "type": "oauth2",
        "flows": {},
        "x-amazon-apigateway-authorizer": {
            "type": "jwt",
            "identitySource": identity,
            "jwtConfiguration": {"issuer": issuer, "audience": [audience]},
        },
    }


def definition(stage: DeployedStage, app: Chalice) -> dict[str, Any]:
    """The OpenAPI 3.0 body: every route of the app, and its authorizer."""
    jwt = uses_jwt_authorizer(stage)
    env = stage.function_environment(AUTHORIZER)
    scoped = jwt and env.get("REQUIRE_SCOPES", "false").lower() == "true"
    paths: dict[str, Any] = {}
    authorizers = set()
    for path, methods in sorted(app.routes.items()):
        for method, route in sorted(methods.items()):
            paths.setdefault(path, {})[method.lower()] = _operation(path, method, route, scoped)
            if route.authorizer is not None:
                authorizers.add(route.authorizer.name)
    return {
        "openapi": "3.0.1",
        "info": {"title": stage.prefix, "version": "1.0"},
        "paths": paths,
        "components": {
            "securitySchemes": {name: _security_scheme(stage, jwt) for name in sorted(authorizers)}
        },
    }


def cors_configuration(stage: DeployedStage, app: Chalice) -> dict[str, Any]:
    """The app's CORSConfig for the stage's origin: HTTP APIs answer preflights and add
    CORS headers themselves."""
    configs = {
        id(route.cors): route.cors
        for methods in app.routes.values()
        for route in methods.values()
        if route.cors is not None
    }
    if len(configs) != 1:
        raise SystemExit("an HTTP API has one CORS configuration; the app's routes have many")
    # The headers the app itself answers with: the one public view of its CORSConfig.
    (headers,) = (cors.get_access_control_headers() for cors in configs.values())

    def listed(name: str) -> list[str]:
        return sorted(item for item in headers.get(name, "").split(",") if item)

    methods = sorted({method for methods in app.routes.values() for method in methods})
    configuration: dict[str, Any] = {
        "AllowOrigins": [stage.environment["CORS_ALLOW_ORIGIN"]],
        "AllowHeaders": listed("Access-Control-Allow-Headers"),
        "AllowMethods": [*methods, "OPTIONS"],
        "ExposeHeaders": listed("Access-Control-Expose-Headers"),
        "AllowCredentials": headers.get("Access-Control-Allow-Credentials") == "true",
    }
    if "Access-Control-Max-Age" in headers:
        configuration["MaxAge"] = int(headers["Access-Control-Max-Age"])
    return configuration


def _permission_source(api: str) -> dict[str, Any]:
    return {
        "Fn::Sub": [
            "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${ApiId}/*",
            {"ApiId": {"Ref": api}},
        ]
    }


def http_variant(stage: DeployedStage, rest: Template) -> Template:
    """The REST template with an HTTP API in place of the REST API."""
    resources = dict(rest["Resources"])
    rest_api = resources.pop(REST_API, None)
    if rest_api is None or rest_api["Type"] != "AWS::Serverless::Api":
        raise SystemExit(f"the REST template has no AWS::Serverless::Api {REST_API}")
    app = load_app(stage)
    jwt = uses_jwt_authorizer(stage)
    parameters = dict(rest.get("Parameters", {}))
    if jwt:
        for name in (*AUTHORIZER_RESOURCES, f"{AUTHORIZER_ID}RoleDataPolicy"):
            resources.pop(name, None)
        parameters.pop(user_pool.LAYER_PARAMETER, None)
    rest_properties = rest_api["Properties"]
    throttle = rest_properties["MethodSettings"][0]
    resources[HTTP_API] = {
        "Type": "AWS::Serverless::HttpApi",
        "DependsOn": [name for name in rest_api.get("DependsOn", []) if name in resources],
        "Metadata": rest_api.get("Metadata", {}),
        "Properties": {
            "StageName": rest_properties["StageName"],
            "DefinitionBody": definition(stage, app),
            "CorsConfiguration": cors_configuration(stage, app),
            "DefaultRouteSettings": {
                "ThrottlingRateLimit": throttle["ThrottlingRateLimit"],
                "ThrottlingBurstLimit": throttle["ThrottlingBurstLimit"],
                "DetailedMetricsEnabled": False,
            },
            "AccessLogSettings": {
                "DestinationArn": rest_properties["AccessLogSetting"]["DestinationArn"],
                "Format": ACCESS_LOG_FORMAT,
            },
            "FailOnWarnings": True,
            "Tags": rest_properties.get("Tags", {}),
        },
    }
    for name, resource in resources.items():
        if resource["Type"] == "AWS::Lambda::Permission":
            properties = {**resource["Properties"], "SourceArn": _permission_source(HTTP_API)}
            resources[name] = {**resource, "Properties": properties}
    outputs = {
        name: value for name, value in rest.get("Outputs", {}).items() if name != "RestAPIId"
    }
    outputs["HttpAPIId"] = {"Value": {"Ref": HTTP_API}}
    outputs["EndpointURL"] = {
        "Value": {
            "Fn::Sub": "https://${HttpAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}/"
            + rest_properties["StageName"]
            + "/"
        }
    }
    variant = {**rest, "Resources": resources, "Outputs": outputs, "Parameters": parameters}
    if not parameters:
        # No empty Parameters section once the layer's parameter is gone.
        del variant["Parameters"]
    return variant
