"""A method a path does not have is a 405 on the packaged REST API, as under `make run`.

API Gateway answers a method that a resource lacks as it answers a path that does not exist:
with its MISSING_AUTHENTICATION_TOKEN response, which the template makes a 404
(tools.deploy.package.gateway). DESIGN.md wants a 405, JSON, with the path's methods in
`Allow`, as the app answers. Each path of the definition gets `x-amazon-apigateway-any-method`,
which API Gateway uses only for the methods the path does not define: a mock
integration whose every answer is that 405. It needs no authorizer and invokes no Lambda, so
a wrong method costs the caller a request and the stack nothing.
"""

import json
from typing import Any

ANY_METHOD = "x-amazon-apigateway-any-method"
# Swagger's names for operations; anything else under a path is an extension.
OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch")
# No "$" or "#": a response template is Velocity.
BODY = {"message": "This path does not take that method", "code": "MethodNotAllowedError"}
HEADERS = ("Allow", "Access-Control-Allow-Origin", "X-Content-Type-Options")


def _quoted(value: str) -> str:
    return f"'{value}'"


def method_not_allowed(allowed: list[str], origin: str) -> dict[str, Any]:
    """The ANY method of a path whose methods are `allowed`: always 405."""
    values = (", ".join(allowed), origin, "nosniff")
    return {
        "produces": ["application/json"],
        "responses": {
            "405": {
                "description": "a method this path does not have",
                "headers": {name: {"type": "string"} for name in HEADERS},
            }
        },
        "x-amazon-apigateway-integration": {
            "type": "mock",
            "requestTemplates": {"application/json": '{"statusCode": 405}'},
            "passthroughBehavior": "when_no_match",
            # "default": whatever the mock answers, the client gets this.
            "responses": {
                "default": {
                    "statusCode": "405",
                    "responseParameters": {
                        f"method.response.header.{name}": _quoted(value)
                        for name, value in zip(HEADERS, values, strict=True)
                    },
                    "responseTemplates": {
                        "application/json": json.dumps(BODY, separators=(",", ":"))
                    },
                }
            },
        },
    }


def answer_other_methods(definition: dict[str, Any], origin: str) -> None:
    """Gives every path of a Swagger definition its 405 for the methods it lacks."""
    for operations in definition["paths"].values():
        allowed = [m.upper() for m in OPERATIONS if m in operations and m != "options"]
        operations[ANY_METHOD] = method_not_allowed(allowed, origin)
