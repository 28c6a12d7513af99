"""JsonApi answers every request exactly as Chalice does with no binary types, and stands in
for the Chalice code it was written against."""

import hashlib
import inspect
import json

import pytest
from chalice import BadRequestError, Chalice, Response
from chalice.app import BaseLambdaHandler, MiddlewareHandler, RestAPIEventHandler

from chalicelib.json_api import JsonApi
from tests.support.gateway_events import rest_event

# The Chalice methods JsonApi and its handler override or do the work of, as Chalice
# 1.34.0 has them. A new Chalice that changes one fails here: compare it with
# chalicelib/json_api.py, then record its digest.
REPLACED = {
    Chalice.__call__: "3b8045cee6274f9a",
    RestAPIEventHandler.__call__: "e52081c6417e342b",
    RestAPIEventHandler._main_rest_api_handler: "feba752ee543f83b",
    RestAPIEventHandler._global_error_handler: "473fd18b28ba39aa",
    BaseLambdaHandler._build_middleware_handlers: "a58afc014e9d9a09",
    MiddlewareHandler.__call__: "ee360976607bf63e",
}


@pytest.mark.parametrize("method", REPLACED, ids=lambda method: method.__qualname__)
def test_the_chalice_code_it_replaces_is_the_one_it_was_written_against(method):
    digest = hashlib.sha256(inspect.getsource(method).encode()).hexdigest()[:16]
    assert digest == REPLACED[method]


def a_json_app(app):
    """The same small API on either class: JSON, an error, a failure, custom headers."""

    @app.middleware("http")
    def stamp(event, get_response):
        response = get_response(event)
        response.headers["X-Stamp"] = "1"
        response.headers["X-Order"] = response.headers.get("X-Order", "") + "outer"
        return response

    @app.middleware("all")
    def inner(event, get_response):
        if event.uri_params == {"name": "middleware-boom"}:
            raise RuntimeError("a middleware failed")
        response = get_response(event)
        response.headers["X-Order"] = response.headers.get("X-Order", "") + "inner,"
        return response

    @app.middleware("s3")
    def elsewhere(event, get_response):
        raise AssertionError("middleware for S3 events ran on an HTTP request")

    @app.route("/things/{name}", methods=["GET", "PUT"], cors=True)
    def thing(name):
        if name == "bad":
            raise BadRequestError("no such thing")
        if name == "boom":
            raise RuntimeError("internal detail")
        if name == "typed":
            return Response(body="{}", headers={"Content-Type": "application/json"})
        return {"name": name, "body": app.current_request.json_body}

    @app.route("/uncors/{name}", methods=["POST"], content_types=["text/plain"])
    def uncors(name):
        return {"name": name}

    return app


def plain_chalice():
    app = Chalice(app_name="plain")
    app.api.binary_types = []
    return a_json_app(app)


EVENTS = [
    ("GET", "/things/one", {}, None),
    ("POST", "/uncors/one", {"Content-Type": "text/plain"}, "x"),
    ("POST", "/uncors/one", {"Content-Type": "application/json"}, "{}"),
    ("GET", "/uncors/one", {}, None),
    ("GET", "/things/one", {"Accept": "*/*"}, None),
    ("GET", "/things/one", {"Accept": "image/png"}, None),
    ("GET", "/things/typed", {"Accept": "application/octet-stream"}, None),
    ("PUT", "/things/one", {"Content-Type": "application/json"}, '{"a": 1}'),
    ("PUT", "/things/one", {"Content-Type": "image/png"}, "x"),
    ("GET", "/things/bad", {}, None),
    ("GET", "/things/boom", {}, None),
    ("GET", "/things/middleware-boom", {}, None),
    ("DELETE", "/things/one", {}, None),
]


@pytest.mark.parametrize(("method", "path", "headers", "body"), EVENTS)
def test_it_answers_as_chalice_does_without_binary_types(method, path, headers, body):
    resource, name = path.rsplit("/", 1)
    event = rest_event(method, f"{resource}/{{name}}", {"name": name}, headers=headers, body=body)
    expected = plain_chalice()(json.loads(json.dumps(event)), None)
    answered = a_json_app(JsonApi(app_name="plain"))(event, None)
    assert answered == expected
    if name != "middleware-boom":
        assert answered["headers"]["X-Order"] == "inner,outer"


def test_an_event_without_a_resource_path_is_answered_as_chalice_does():
    event = rest_event("GET", "/things/{name}", {"name": "one"})
    del event["requestContext"]["resourcePath"]
    expected = plain_chalice()(json.loads(json.dumps(event)), None)
    answered = a_json_app(JsonApi(app_name="plain"))(event, None)
    assert answered == expected
    assert answered["statusCode"] == 500


def test_it_has_no_binary_types():
    assert JsonApi(app_name="x").api.binary_types == []
