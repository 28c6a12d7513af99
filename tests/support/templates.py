"""Reading the packaged CloudFormation templates and their API definitions."""

from typing import Any


def of_type(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    """The resources of one type, by logical id."""
    return {name: r for name, r in resources.items() if r.get("Type") == kind}


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    """A policy document's statements: IAM allows one statement without a list."""
    found = document["Statement"]
    return found if isinstance(found, list) else [found]


def operations(definition: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """An OpenAPI definition's operations, by method and path."""
    return {
        (method.upper(), path): operation
        for path, methods in definition["paths"].items()
        for method, operation in methods.items()
    }


def chalice_generated(**authorizer_properties: Any) -> dict[str, Any]:
    """The part of the template `chalice package` generates that the merge template builds
    on: with per-function policy files, a role per function; the REST API's swagger."""
    roles = {"APIHandler": "ApiHandlerRole", "JwtAuth": "JwtAuthRole"}
    resources: dict[str, Any] = {
        function: {
            "Type": "AWS::Serverless::Function",
            "Properties": {"Role": {"Fn::GetAtt": [role, "Arn"]}},
        }
        for function, role in roles.items()
    }
    resources["JwtAuth"]["Properties"].update(authorizer_properties)
    resources["RestAPI"] = {
        "Type": "AWS::Serverless::Api",
        "Properties": {"DefinitionBody": {"swagger": "2.0"}},
    }
    return {"Resources": resources}
