"""tools.deploy.package.rest_methods: a method a path lacks is a 405 on the packaged REST API."""

import json

from tools.deploy.package import rest_methods

ORIGIN = "https://todo.example.com"


def definition():
    return {
        "paths": {
            "/todos": {"get": {}, "post": {}, "options": {}},
            "/health": {"get": {}},
        }
    }


def integration_response(operations):
    any_method = operations[rest_methods.ANY_METHOD]
    return any_method["x-amazon-apigateway-integration"]["responses"]["default"]


def test_every_path_answers_other_methods_with_a_405_naming_its_own():
    paths = definition()
    rest_methods.answer_other_methods(paths, ORIGIN)
    allowed = {
        path: integration_response(ops)["responseParameters"]["method.response.header.Allow"]
        for path, ops in paths["paths"].items()
    }
    assert allowed == {"/todos": "'GET, POST'", "/health": "'GET'"}


def test_the_405_is_json_in_the_error_shape_with_cors_and_nosniff():
    paths = definition()
    rest_methods.answer_other_methods(paths, ORIGIN)
    response = integration_response(paths["paths"]["/todos"])
    assert response["statusCode"] == "405"
    body = json.loads(response["responseTemplates"]["application/json"])
    assert body == {
        "message": "This path does not take that method",
        "code": "MethodNotAllowedError",
    }
    parameters = response["responseParameters"]
    assert parameters["method.response.header.Access-Control-Allow-Origin"] == f"'{ORIGIN}'"
    assert parameters["method.response.header.X-Content-Type-Options"] == "'nosniff'"


def test_the_any_method_runs_no_lambda_and_no_authorizer():
    paths = definition()
    rest_methods.answer_other_methods(paths, ORIGIN)
    any_method = paths["paths"]["/todos"][rest_methods.ANY_METHOD]
    assert any_method["x-amazon-apigateway-integration"]["type"] == "mock"
    assert "security" not in any_method
    # The methods the path has are left as they were.
    assert paths["paths"]["/todos"]["get"] == {}
