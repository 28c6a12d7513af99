"""The OpenAPI document (chalicelib/openapi.json): valid OpenAPI 3.1, and true to the app.

The document is hand-written but for the todo's schemas, which `make openapi` writes from
the todo's declaration (tests/unit/test_openapi_schema.py). These tests hold it to the code: the
same operations as app.py's routes, bearer auth exactly where the authorizer guards a
route, the shared error schemas, constraints that the request parsers really enforce (a
request the document calls invalid must be a 4xx), and real responses that match the
declared statuses, headers and bodies.
"""

import json
import re
from pathlib import Path
from urllib.parse import urljoin

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from app import app
from chalicelib import openapi
from chalicelib.errors import InvalidRequest
from chalicelib.model import TEXT_MAX_LENGTH
from chalicelib.validation import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    parse_idempotency_key,
    parse_if_match,
    parse_new_todo,
)

DOCUMENT = openapi.document()
DOCUMENT_FILE = Path(openapi.__file__).with_name("openapi.json")
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
ERROR = {"$ref": "#/components/schemas/Error"}
GATEWAY_ERROR = {"$ref": "#/components/schemas/GatewayError"}
BEARER = [{"bearerAuth": []}]


def app_operations():
    """(METHOD, path) of every route in app.py; Chalice adds OPTIONS itself, for CORS."""
    return {
        (method, path)
        for path, methods in app.routes.items()
        for method in methods
        if method != "OPTIONS"
    }


def document_operations():
    return {
        (method.upper(), path)
        for path, item in DOCUMENT["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def operation(method, path):
    return DOCUMENT["paths"][path][method.lower()]


def resolve(node):
    """A Response, Parameter or Header object, its $ref (if any) followed."""
    while "$ref" in node:
        target = DOCUMENT
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def validator(schema):
    """A validator of schema, whose #/components/... references resolve in the document."""
    return Draft202012Validator(
        {**schema, "components": DOCUMENT["components"]},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def component(kind, name):
    return DOCUMENT["components"][kind][name]


def test_the_document_describes_exactly_the_routes_of_the_app():
    # A route added to app.py and not to the document, or the other way round, fails here.
    assert document_operations() == app_operations()


def test_the_document_is_valid_openapi_3_1():
    assert DOCUMENT["openapi"] == "3.1.0"
    validate(DOCUMENT, cls=OpenAPIV31SpecValidator)


def test_the_file_is_pretty_printed_in_a_stable_order():
    text = DOCUMENT_FILE.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"


def test_the_document_is_read_once():
    assert openapi.document() is openapi.document()


def test_the_bearer_scheme_is_a_jwt():
    scheme = component("securitySchemes", "bearerAuth")
    assert (scheme["type"], scheme["scheme"], scheme["bearerFormat"]) == ("http", "bearer", "JWT")


@pytest.mark.parametrize(("method", "path"), sorted(document_operations()))
def test_bearer_auth_is_declared_exactly_where_the_authorizer_guards_the_route(method, path):
    route = app.routes.get(path, {}).get(method)
    assert route is not None, f"{method} {path} is in the document but not in app.py"
    declared = operation(method, path)
    security = declared.get("security", DOCUMENT.get("security", []))
    responses = declared["responses"]
    if route.authorizer is not None:
        assert security == BEARER
        assert resolve(responses["401"])["content"] == {
            "application/json": {"schema": GATEWAY_ERROR}
        }
        # The authorizer's denial, or the app's own for a caller it cannot serve.
        assert resolve(responses["403"])["content"] == {
            "application/json": {"schema": {"oneOf": [GATEWAY_ERROR, ERROR]}}
        }
    else:
        assert security == []
        assert not {"401", "403"} & set(responses)


@pytest.mark.parametrize(("method", "path"), sorted(document_operations()))
def test_every_error_response_is_json_in_a_shared_error_schema(method, path):
    for status, response in operation(method, path)["responses"].items():
        if int(status) < 400:
            continue
        schema = {"401": GATEWAY_ERROR, "403": {"oneOf": [GATEWAY_ERROR, ERROR]}}.get(status, ERROR)
        assert resolve(response)["content"] == {"application/json": {"schema": schema}}, status


def test_the_error_schemas_have_the_shapes_the_api_and_the_gateway_produce():
    error = validator(ERROR)
    assert error.is_valid({"message": "Todo with ID x not found", "code": "TodoNotFound"})
    assert not error.is_valid({"message": "no code"})
    assert not error.is_valid({"message": "m", "code": "C", "stack": "..."})
    gateway = validator(GATEWAY_ERROR)
    assert gateway.is_valid({"message": "Unauthorized"})
    assert gateway.is_valid({"Message": "User is not authorized to access this resource"})
    assert not gateway.is_valid({})


@pytest.mark.parametrize(("method", "path"), sorted(document_operations()))
def test_responses_declare_the_headers_they_carry(method, path):
    todo = {"$ref": "#/components/schemas/Todo"}
    for status, response in operation(method, path)["responses"].items():
        response = resolve(response)
        headers = response.get("headers", {})
        if response.get("content", {}).get("application/json", {}).get("schema") == todo:
            assert "ETag" in headers, status
        if status == "201":
            assert "Location" in headers
        if status in ("409", "503"):
            assert "Retry-After" in headers, status
    if (method, path) == ("GET", "/todos"):
        assert "Link" in operation(method, path)["responses"]["200"]["headers"]


def parameter(name):
    matches = [p for p in DOCUMENT["components"]["parameters"].values() if p["name"] == name]
    assert len(matches) == 1, name
    return matches[0]


def test_declared_limits_are_the_ones_the_code_enforces():
    limit = parameter("limit")["schema"]
    assert (limit["minimum"], limit["maximum"], limit["default"]) == (
        1,
        MAX_PAGE_SIZE,
        DEFAULT_PAGE_SIZE,
    )
    for schema in ("Todo", "NewTodo", "TodoChanges"):
        assert component("schemas", schema)["properties"]["text"]["maxLength"] == TEXT_MAX_LENGTH


def accepts(parse, value):
    try:
        parse(value)
    except InvalidRequest:
        return False
    return True


IF_MATCH_SAMPLES = [
    "*",
    " * ",
    '"1"',
    '"3", "4"',
    '"3","4"',
    '"3" ,\t"4"',
    ", ".join(f'"{n}"' for n in range(1, 21)),
    ", ".join(f'"{n}"' for n in range(1, 22)),
    '"' + "9" * 18 + '"',
    '"' + "9" * 19 + '"',
    "",
    "3",
    '"0"',
    '"03"',
    '"abc"',
    'W/"3"',
    '"3",',
    '"3",,"4"',
    '*, "3"',
    "**",
]
IDEMPOTENCY_KEY_SAMPLES = [
    "a",
    "0f8fad5b-d9cb-469f-a165-70867728950e",
    "!~" * 64,
    "k" * 129,
    "",
    "with space",
    " lead",
    "tab\t",
    "caf\u00e9",
    "\x7f",
]


@pytest.mark.parametrize(
    ("name", "parse", "samples"),
    [
        ("If-Match", parse_if_match, IF_MATCH_SAMPLES),
        ("Idempotency-Key", parse_idempotency_key, IDEMPOTENCY_KEY_SAMPLES),
    ],
)
def test_header_patterns_accept_what_the_parser_accepts(name, parse, samples):
    # A JSON Schema pattern matches anywhere unless anchored; both patterns are anchored.
    pattern = re.compile(parameter(name)["schema"]["pattern"])
    for sample in samples:
        assert (pattern.search(sample) is not None) == accepts(parse, sample), repr(sample)


DUE_DATE_SAMPLES = [
    "2026-12-24",
    "2028-02-29",
    "0001-01-01",
    None,
    "2026-02-30",
    "2025-02-29",
    "0000-01-01",
    "20261224",
    "2026-W52-4",
    "2026-12-24T00:00:00Z",
    " 2026-12-24",
    "\u0662\u0660\u0662\u0666-12-24",
    "",
    20261224,
    False,
]


def test_the_due_date_schema_accepts_what_the_parser_accepts():
    new_todo = validator(component("schemas", "NewTodo"))
    for due in DUE_DATE_SAMPLES:
        body = {"text": "x", "dueDate": due}
        assert new_todo.is_valid(body) == accepts(parse_new_todo, json.dumps(body)), repr(due)


def request_examples():
    for item in DOCUMENT["paths"].values():
        for method, declared in item.items():
            if method in HTTP_METHODS and "requestBody" in declared:
                media_type = declared["requestBody"]["content"]["application/json"]
                for example in media_type.get("examples", {}).values():
                    yield media_type["schema"], example["value"]


def test_every_example_is_valid_against_its_schema():
    # The examples are hand-written; the schemas follow the declaration.
    examples = list(request_examples())
    for schema in DOCUMENT["components"]["schemas"].values():
        examples += [(schema, example) for example in schema.get("examples", [])]
    assert len(examples) > 5
    for schema, example in examples:
        validator(schema).validate(example)


class TestRealResponsesMatchTheDocument:
    """Requests through Chalice's test client; each response checked against its operation."""

    @pytest.fixture
    def alice(self, auth_headers):
        return auth_headers("alice")

    def check(self, response, method, path):
        declared = operation(method, path)["responses"]
        status = str(response.status_code)
        assert status in declared, f"{method} {path} answered an undeclared {status}"
        declared = resolve(declared[status])
        for name, header in declared.get("headers", {}).items():
            header = resolve(header)
            value = response.headers.get(name)
            if value is None:
                assert not header.get("required", False), f"{name} is missing"
                continue
            validator(header["schema"]).validate(value)
        media_type = response.headers["Content-Type"].split(";")[0].strip()
        assert media_type in declared["content"]
        validator(declared["content"][media_type]["schema"]).validate(response.json_body)
        return response

    def send(self, client, method, path, template, headers=None, body=None):
        response = client.http.request(
            method, path, headers=headers or {}, body=b"" if body is None else json.dumps(body)
        )
        return self.check(response, method, template)

    def test_public_operations(self, client):
        self.send(client, "GET", "/health", "/health")
        served = self.send(client, "GET", "/openapi.json", "/openapi.json")
        assert served.json_body == DOCUMENT

    def test_a_todo_through_its_life(self, client, alice):
        created = self.send(client, "POST", "/todos", "/todos", alice, {"text": "Learn"})
        todo_path = f"/todos/{created.json_body['todoId']}"
        item = "/todos/{todo_id}"
        self.send(client, "GET", todo_path, item, alice)
        changed = self.send(client, "PUT", todo_path, item, alice, {"checked": True})
        stale = {**alice, "If-Match": created.headers["ETag"]}
        assert self.send(client, "PUT", todo_path, item, stale, {"text": "x"}).status_code == 412
        assert self.send(client, "DELETE", todo_path, item, stale).status_code == 412
        current = {**alice, "If-Match": changed.headers["ETag"]}
        assert self.send(client, "DELETE", todo_path, item, current).status_code == 200
        assert self.send(client, "GET", todo_path, item, alice).status_code == 404

    def test_an_equal_change_found_made_answers_without_an_etag(self, client, alice):
        created = self.send(client, "POST", "/todos", "/todos", alice, {"text": "Learn"})
        todo_path, item = f"/todos/{created.json_body['todoId']}", "/todos/{todo_id}"
        versioned = {**alice, "If-Match": created.headers["ETag"]}
        self.send(client, "PUT", todo_path, item, versioned, {"checked": True})
        again = self.send(client, "PUT", todo_path, item, versioned, {"checked": True})
        assert (again.status_code, again.headers.get("ETag")) == (200, None)

    def test_a_due_date_set_and_cleared(self, client, alice):
        body = {"text": "Renew the passport", "dueDate": "2026-12-24"}
        created = self.send(client, "POST", "/todos", "/todos", alice, body)
        todo_path = f"/todos/{created.json_body['todoId']}"
        item = "/todos/{todo_id}"
        assert self.send(client, "GET", todo_path, item, alice).json_body["dueDate"] == "2026-12-24"
        cleared = self.send(client, "PUT", todo_path, item, alice, {"dueDate": None})
        assert cleared.json_body["dueDate"] is None

    def test_paging(self, client, alice):
        for n in range(3):
            self.send(client, "POST", "/todos", "/todos", alice, {"text": f"todo {n}"})
        first = self.send(client, "GET", "/todos?limit=2&checked=false", "/todos", alice)
        assert "Link" in first.headers
        next_path = first.headers["Link"][1 : first.headers["Link"].index(">")]
        assert "Link" not in self.send(client, "GET", next_path, "/todos", alice).headers
        bad_cursor = self.send(client, "GET", "/todos?cursor=forged", "/todos", alice)
        assert bad_cursor.json_body["code"] == "InvalidCursor"

    def test_idempotent_create(self, client, alice):
        keyed = {**alice, "Idempotency-Key": "key-1"}
        first = self.send(client, "POST", "/todos", "/todos", keyed, {"text": "once"})
        again = self.send(client, "POST", "/todos", "/todos", keyed, {"text": "once"})
        assert again.json_body == first.json_body
        other = self.send(client, "POST", "/todos", "/todos", keyed, {"text": "twice"})
        assert other.status_code == 422

    @pytest.mark.parametrize(
        ("method", "path", "template", "headers", "body"),
        [
            ("POST", "/todos", "/todos", {}, {"text": " "}),
            ("POST", "/todos", "/todos", {"Idempotency-Key": "with space"}, {"text": "x"}),
            ("POST", "/todos", "/todos", {"Content-Type": "text/plain"}, {"text": "x"}),
            ("GET", "/todos?limit=0", "/todos", {}, None),
            ("GET", "/todos?sort=desc", "/todos", {}, None),
            ("GET", "/todos/nope", "/todos/{todo_id}", {}, None),
            ("PUT", "/todos/nope", "/todos/{todo_id}", {}, {}),
            ("DELETE", "/todos/nope", "/todos/{todo_id}", {"If-Match": "3"}, None),
        ],
    )
    def test_app_errors(self, client, alice, method, path, template, headers, body):
        response = self.send(client, method, path, template, {**alice, **headers}, body)
        assert 400 <= response.status_code < 500

    @pytest.mark.parametrize("authorization", [None, "Bearer not-a-jwt"])
    def test_gateway_errors(self, client, authorization):
        headers = {} if authorization is None else {"Authorization": authorization}
        response = client.http.get("/todos", headers=headers)
        assert response.status_code == (401 if authorization is None else 403)
        assert validator(GATEWAY_ERROR).is_valid(response.json_body)


def test_the_text_pattern_calls_blank_exactly_what_the_app_calls_blank():
    # JSON Schema's \s (ECMA-262) and Python's str.strip() disagree on a few characters
    # (U+FEFF, U+001C-U+001F, U+0085); the document spells out the app's own set.
    text = Draft202012Validator(component("schemas", "NewTodo")["properties"]["text"])
    for code_point in [*range(0x3100), 0xFEFF, 0x1D00, 0x10FFFF]:
        character = chr(code_point)
        if 0xD800 <= code_point <= 0xDFFF:
            continue
        body = json.dumps({"text": character}).encode()
        try:
            parse_new_todo(body)
            accepted = True
        except InvalidRequest:
            accepted = False
        assert text.is_valid(character) == accepted, hex(code_point)


@pytest.mark.parametrize(
    ("document_url", "api_url"),
    [
        ("http://127.0.0.1:49152/openapi.json", "http://127.0.0.1:49152/"),
        (
            "https://abc123.execute-api.eu-west-1.amazonaws.com/api/openapi.json",
            "https://abc123.execute-api.eu-west-1.amazonaws.com/api/",
        ),
        ("https://todo.example.com/v1/openapi.json", "https://todo.example.com/v1/"),
    ],
)
def test_the_first_server_is_the_api_that_serves_the_document(document_url, api_url):
    """Whatever port `make run` serves on, whatever stage path or custom domain a gateway
    has: the API is where the document came from."""
    assert urljoin(document_url, DOCUMENT["servers"][0]["url"]) == api_url
