"""todo-api: a Todo REST API on API Gateway, Lambda and DynamoDB.

This module is the API's table of contents. Each route reads its input through
chalicelib.validation, works through chalicelib.store and answers with JSON; every
domain error becomes an HTTP response in one place, `todo_route`.
"""

import functools
from collections.abc import Callable
from typing import Any

from chalice import AuthResponse, Chalice, CORSConfig, Response
from chalice.app import AuthRequest

from chalicelib import auth, settings
from chalicelib.errors import TodoApiError
from chalicelib.model import Todo, create_todo
from chalicelib.store import todo_store
from chalicelib.validation import parse_changes, parse_limit, parse_new_todo, parse_todo_id

app = Chalice(app_name="todo-api")

CORS = CORSConfig(
    allow_origin=settings.cors_allow_origin(),
    allow_headers=["Authorization", "Content-Type"],
    expose_headers=["ETag", "Location"],
    max_age=600,
)
JSON = {"Content-Type": "application/json"}

View = Callable[..., Response]


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body=body, status_code=status, headers={**JSON, **(headers or {})})


def error_response(status: int, code: str, message: str) -> Response:
    return json_response({"message": message, "code": code}, status)


def todo_response(todo: Todo, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return json_response(todo.to_json(), status, {"ETag": f'"{todo.version}"', **(headers or {})})


@app.authorizer()
def jwt_auth(auth_request: AuthRequest) -> AuthResponse:
    return auth.authorize(auth_request)


def todo_route(path: str, method: str) -> Callable[[View], View]:
    """Registers an authenticated, CORS-enabled route whose domain errors become JSON."""

    def register(view: View) -> View:
        @functools.wraps(view)
        def handle(**path_params: str) -> Response:
            try:
                return view(**path_params)
            except TodoApiError as error:
                return error_response(error.status, error.code, error.message)

        return app.route(path, methods=[method], authorizer=jwt_auth, cors=CORS)(handle)

    return register


@app.middleware("http")
def chalice_errors_as_json(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """Gives Chalice's own errors (405, 415, 500) the API's error shape and CORS headers."""
    response = get_response(event)
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and set(body) == {"Code", "Message"}:
        response.body = {"message": body["Message"], "code": body["Code"]}
        response.headers = {**CORS.get_access_control_headers(), **response.headers, **JSON}
    return response


def caller() -> str:
    """The authorizer's principal: the verified token's subject owns what it touches."""
    return app.current_request.context["authorizer"]["principalId"]


@app.route("/health", methods=["GET"], cors=CORS)
def health() -> Response:
    return json_response({"status": "ok"})


@todo_route("/todos", "POST")
def create() -> Response:
    todo = create_todo(parse_new_todo(app.current_request.raw_body))
    todo_store().add(caller(), todo)
    location = f"{app.current_request.context['path'].rstrip('/')}/{todo.todo_id}"
    return todo_response(todo, 201, {"Location": location})


@todo_route("/todos", "GET")
def list_todos() -> Response:
    todos = todo_store().list(caller(), parse_limit(app.current_request.query_params))
    return json_response([todo.to_json() for todo in todos])


@todo_route("/todos/{todo_id}", "GET")
def get(todo_id: str) -> Response:
    return todo_response(todo_store().get(caller(), parse_todo_id(todo_id)))


@todo_route("/todos/{todo_id}", "PUT")
def update(todo_id: str) -> Response:
    todo_id = parse_todo_id(todo_id)
    changes = parse_changes(app.current_request.raw_body)
    return todo_response(todo_store().update(caller(), todo_id, changes))


@todo_route("/todos/{todo_id}", "DELETE")
def delete(todo_id: str) -> Response:
    todo_store().delete(caller(), parse_todo_id(todo_id))
    return json_response({"message": f"Todo with ID {todo_id} deleted successfully"})
