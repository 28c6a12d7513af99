"""todo-api: a Todo REST API on API Gateway, Lambda and DynamoDB.

This module is the API's table of contents. Each route reads its input through
chalicelib.validation, works through chalicelib.store and answers with JSON; every
domain error becomes an HTTP response in one place, `todo_route`. What a route knows of
the gateway's event (the caller, the path as called) it reads through chalicelib.gateway.

The authorizer is a Blueprint in chalicelib.authorizer, so its Lambda function never loads
this file. The modules only some routes use (validation, deadline, store, model, paging,
idempotency, openapi) are still imported inside the views, so that a cold start loads what its first
request needs and no more (make bench; tests/integration/chalicelib/test_cold_imports.py
holds this file's import-time modules to a fixed set).
"""

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalice import Chalice, Response
from chalice.app import Request

from chalicelib import compact_json, gateway, settings, telemetry
from chalicelib.authorizer import blueprint, jwt_auth
from chalicelib.cors import FixedCORSConfig
from chalicelib.errors import MalformedEvent, NoUsableCaller, TodoApiError

if TYPE_CHECKING:
    from chalicelib.model import Todo


class TodoApi(Chalice):
    """Chalice, with each event checked before Chalice reads it: one it cannot read
    (chalicelib.gateway.event_problem) is the API's JSON 400, never an exception. Only the
    public `__call__`, Lambda's entry point, is overridden."""

    def __call__(self, event: Any, context: Any) -> dict[str, Any]:
        problem = gateway.event_problem(event, self.routes)
        if problem is None:
            answer: dict[str, Any] = super().__call__(event, context)
        else:
            # What Chalice's __call__ sets for every event; telemetry reads the context.
            self.lambda_context = context
            self.current_request = None
            refused = api_edge(None, lambda _request: unreadable(MalformedEvent(problem)))
            answer = refused.to_dict(self.api.binary_types)
        return answer


app = TodoApi(app_name="todo-api")
# A JSON API: Chalice's default binary types (images, audio, archives) would have API
# Gateway base64-encode request bodies of those types, which no route accepts.
app.api.binary_types = []
app.register_blueprint(blueprint)

CORS = FixedCORSConfig(
    allow_origin=settings.cors_allow_origin(),
    allow_headers=["Authorization", "Content-Type", "If-Match", "Idempotency-Key"],
    expose_headers=["ETag", "Location", "Link", "Retry-After", "X-Request-Id"],
    max_age=600,
)
JSON = {"Content-Type": "application/json"}
# On every response the app makes: a browser must never guess a JSON body's type.
NOSNIFF = {"X-Content-Type-Options": "nosniff"}
# On every answer of an authenticated route, errors included: no cache, shared or the
# browser's, may keep one owner's todos (or what their absence says).
PRIVATE = {**NOSNIFF, "Cache-Control": "no-store"}
# The routes' paths that todo_route registers: those whose answers are PRIVATE.
PRIVATE_PATHS: set[str] = set()
# The methods whose requests carry a body, which must be JSON.
BODY_METHODS = frozenset({"POST", "PUT"})
# Chalice's check of a request's Content-Type, off: it would run on every request, GETs
# included (12,000 instructions each, make bench-instructions), and answer for bodies
# with its own message. The routes that take a body check it themselves (validation.require_json).
NO_CONTENT_TYPE_CHECK: list[str] = []

View = Callable[..., Response]


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    # Encoded here, with the app's one encoder: given a dict, Chalice would build a new
    # encoder for every response (make bench-instructions).
    return Response(
        body=compact_json.encode(body), status_code=status, headers={**JSON, **(headers or {})}
    )


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    return json_response({"message": message, "code": code}, status, headers)


def failure_response(error: TodoApiError, headers: dict[str, str] | None = None) -> Response:
    """A domain error's answer, noted for telemetry."""
    telemetry.record_error(error)
    return error_response(
        error.status, error.code, error.message, {**error.headers, **(headers or {})}
    )


def unreadable(error: MalformedEvent) -> Response:
    # No route is sure to have run: the CORS headers every route has.
    return failure_response(error, CORS.get_access_control_headers())


def todo_response(
    todo: "Todo", status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return json_response(todo.to_json(), status, {"ETag": f'"{todo.version}"', **(headers or {})})


def todo_route(path: str, method: str) -> Callable[[View], View]:
    """Registers an authenticated, CORS-enabled route whose domain errors become JSON."""

    def register(view: View) -> View:
        @functools.wraps(view)
        def handle(**path_params: str) -> Response:
            try:
                if method in BODY_METHODS:
                    from chalicelib import validation

                    validation.require_json(current_request().headers.get("Content-Type"))
                from chalicelib import deadline

                return deadline.within(current_request().lambda_context, view, **path_params)
            except TodoApiError as error:
                return failure_response(error)

        PRIVATE_PATHS.add(path)
        route = app.route(
            path,
            methods=[method],
            authorizer=jwt_auth,
            cors=CORS,
            content_types=NO_CONTENT_TYPE_CHECK,
        )
        registered: View = route(handle)
        return registered

    return register


request_telemetry = telemetry.instrument(app)


@app.middleware("http")
def api_edge(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """Every answer passes here, once: telemetry around the request, then Chalice's own
    errors (405, 415, 500, and telemetry's) get the API's error shape and CORS headers,
    and every response X-Content-Type-Options, an authenticated route's Cache-Control too.
    One middleware, not one per concern: each costs Chalice a layer on every request
    (make bench)."""
    response = request_telemetry(event, get_response)
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and set(body) == {"Code", "Message"}:
        response.body = {"message": body["Message"], "code": body["Code"]}
        response.headers = {**CORS.get_access_control_headers(), **response.headers, **JSON}
    private = event is not None and event.path in PRIVATE_PATHS
    # In place: telemetry has just made this dict, for this response alone.
    response.headers.update(PRIVATE if private else NOSNIFF)
    return response


def current_request() -> Request:
    request = app.current_request
    if request is None:
        raise RuntimeError("a view ran outside of a request")
    return request


def caller() -> str:
    """The authorizer's principal: the verified token's subject owns what it touches."""
    principal = gateway.caller(current_request())
    if principal is None:
        raise NoUsableCaller
    return principal


def called_path() -> str:
    return gateway.called_path(current_request())


@app.route("/health", methods=["GET"], cors=CORS, content_types=NO_CONTENT_TYPE_CHECK)
def health() -> Response:
    return json_response({"status": "ok"})


@app.route("/openapi.json", methods=["GET"], cors=CORS, content_types=NO_CONTENT_TYPE_CHECK)
def openapi_document() -> Response:
    from chalicelib import openapi

    return json_response(openapi.document())


@todo_route("/todos", "POST")
def create() -> Response:
    from chalicelib import idempotency, model, store, validation

    owner, request = caller(), current_request()
    draft = validation.parse_new_todo(request.raw_body)
    key = validation.parse_idempotency_key(request.headers.get("Idempotency-Key"))
    record = idempotency.idempotency_record(key, draft) if key is not None else None
    todo = store.todo_store().add(owner, model.create_todo(draft), record)
    return todo_response(todo, 201, {"Location": f"{called_path()}/{todo.todo_id}"})


@todo_route("/todos", "GET")
def list_todos() -> Response:
    from chalicelib import paging, store, validation

    owner = caller()
    query = validation.parse_list_query(gateway.query_parameters(current_request()))
    codec = paging.cursor_codec()
    after = codec.decode(owner, query.cursor) if query.cursor is not None else None
    page = store.todo_store().page(owner, query.limit, after, query.checked)
    headers = {}
    if page.last_todo_id is not None:
        cursor = codec.encode(owner, page.last_todo_id)
        headers["Link"] = paging.next_link(called_path(), query.limit, cursor, query.checked)
    return json_response([todo.to_json() for todo in page.todos], headers=headers)


@todo_route("/todos/{todo_id}", "GET")
def get(todo_id: str) -> Response:
    from chalicelib import store, validation

    owner = caller()
    return todo_response(store.todo_store().get(owner, validation.parse_todo_id(todo_id)))


@todo_route("/todos/{todo_id}", "PUT")
def update(todo_id: str) -> Response:
    from chalicelib import store, validation

    owner, request = caller(), current_request()
    todo_id = validation.parse_todo_id(todo_id)
    changes = validation.parse_changes(request.raw_body)
    versions = validation.parse_if_match(request.headers.get("If-Match"))
    written = store.todo_store().update(owner, todo_id, changes, versions)
    # Another client's equal change answers 200 too, but its ETag is not this request's.
    return todo_response(written.todo) if written.own else json_response(written.todo.to_json())


@todo_route("/todos/{todo_id}", "DELETE")
def delete(todo_id: str) -> Response:
    from chalicelib import store, validation

    owner = caller()
    todo_id = validation.parse_todo_id(todo_id)
    versions = validation.parse_if_match(current_request().headers.get("If-Match"))
    store.todo_store().delete(owner, todo_id, versions)
    return json_response({"message": f"Todo with ID {todo_id} deleted successfully"})
