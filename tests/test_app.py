"""The HTTP surface, through Chalice's test client on the local stage, against moto."""

import json

import pytest

import app as app_module
from chalicelib.model import TEXT_MAX_LENGTH


def post_todo(client, headers, body):
    return client.http.post("/todos", headers=headers, body=json.dumps(body))


@pytest.fixture
def alice(auth_headers):
    return auth_headers("alice")


@pytest.fixture
def bob(auth_headers):
    return auth_headers("bob")


@pytest.fixture
def alices_todo(client, alice):
    return post_todo(client, alice, {"text": "Learn Serverless APIs"}).json_body


def assert_error(response, status, code):
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    assert response.json_body["code"] == code
    assert response.json_body["message"]
    assert set(response.json_body) == {"message", "code"}


def test_health_needs_no_token(client):
    response = client.http.get("/health")
    assert response.status_code == 200
    assert response.json_body == {"status": "ok"}


def test_create_returns_the_todo_with_location_and_etag(client, alice):
    response = post_todo(client, alice, {"text": "Learn Serverless APIs"})
    assert response.status_code == 201
    todo = response.json_body
    assert set(todo) == {"todoId", "text", "checked", "createdAt", "updatedAt", "version"}
    assert todo["text"] == "Learn Serverless APIs"
    assert todo["checked"] is False
    assert todo["version"] == 1
    assert todo["createdAt"] == todo["updatedAt"]
    assert response.headers["Location"] == f"/todos/{todo['todoId']}"
    assert response.headers["ETag"] == '"1"'


def test_create_accepts_checked(client, alice):
    response = post_todo(client, alice, {"text": "done already", "checked": True})
    assert response.status_code == 201
    assert response.json_body["checked"] is True


def test_created_todo_can_be_read_back(client, alice, alices_todo):
    response = client.http.get(f"/todos/{alices_todo['todoId']}", headers=alice)
    assert response.status_code == 200
    assert response.json_body == alices_todo
    assert response.headers["ETag"] == '"1"'


def test_list_returns_the_callers_todos_oldest_first(client, alice):
    texts = [f"todo {n}" for n in range(5)]
    for text in texts:
        post_todo(client, alice, {"text": text})
    response = client.http.get("/todos", headers=alice)
    assert response.status_code == 200
    assert [todo["text"] for todo in response.json_body] == texts


def test_list_is_empty_for_a_new_owner(client, alice):
    response = client.http.get("/todos", headers=alice)
    assert response.status_code == 200
    assert response.json_body == []


def test_list_honours_limit(client, alice):
    for n in range(3):
        post_todo(client, alice, {"text": f"todo {n}"})
    response = client.http.get("/todos?limit=2", headers=alice)
    assert [todo["text"] for todo in response.json_body] == ["todo 0", "todo 1"]


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "1.5", ""])
def test_list_rejects_a_bad_limit(client, alice, limit):
    assert_error(client.http.get(f"/todos?limit={limit}", headers=alice), 400, "InvalidRequest")


def test_update_changes_fields_and_bumps_version(client, alice, alices_todo):
    todo_id = alices_todo["todoId"]
    response = client.http.put(
        f"/todos/{todo_id}", headers=alice, body=json.dumps({"checked": True})
    )
    assert response.status_code == 200
    updated = response.json_body
    assert updated["checked"] is True
    assert updated["text"] == alices_todo["text"]
    assert updated["version"] == 2
    assert updated["createdAt"] == alices_todo["createdAt"]
    assert updated["updatedAt"] >= alices_todo["updatedAt"]
    assert response.headers["ETag"] == '"2"'
    again = client.http.put(f"/todos/{todo_id}", headers=alice, body=json.dumps({"text": "new"}))
    assert again.json_body["version"] == 3
    assert again.json_body["text"] == "new"
    assert again.json_body["checked"] is True


def test_delete_removes_the_todo(client, alice, alices_todo):
    todo_id = alices_todo["todoId"]
    response = client.http.delete(f"/todos/{todo_id}", headers=alice)
    assert response.status_code == 200
    assert response.json_body == {"message": f"Todo with ID {todo_id} deleted successfully"}
    assert_error(client.http.get(f"/todos/{todo_id}", headers=alice), 404, "TodoNotFound")


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_a_missing_todo_is_404(client, alice, alices_todo, method):
    client.http.delete(f"/todos/{alices_todo['todoId']}", headers=alice)
    body = json.dumps({"checked": True}) if method == "put" else b""
    response = getattr(client.http, method)(
        f"/todos/{alices_todo['todoId']}", headers=alice, body=body
    )
    assert_error(response, 404, "TodoNotFound")


@pytest.mark.parametrize("todo_id", ["nope", "1" * 2000, "01a20fc8-3d99-7d70-9d88-DCFBBDD3913D"])
@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_an_id_no_todo_can_have_is_404(client, alice, method, todo_id):
    body = json.dumps({"checked": True}) if method == "put" else b""
    response = getattr(client.http, method)(f"/todos/{todo_id}", headers=alice, body=body)
    assert_error(response, 404, "TodoNotFound")


def test_update_of_a_missing_todo_creates_nothing(client, alice, alices_todo, dynamodb):
    todo_id = alices_todo["todoId"]
    client.http.delete(f"/todos/{todo_id}", headers=alice)
    client.http.put(f"/todos/{todo_id}", headers=alice, body=json.dumps({"text": "zombie"}))
    assert dynamodb.scan(TableName="todo-api-local")["Count"] == 0


class TestOwnersAreIsolated:
    def test_another_owner_cannot_read(self, client, bob, alices_todo):
        response = client.http.get(f"/todos/{alices_todo['todoId']}", headers=bob)
        assert_error(response, 404, "TodoNotFound")

    def test_another_owner_cannot_list(self, client, bob, alices_todo):
        assert client.http.get("/todos", headers=bob).json_body == []

    def test_another_owner_cannot_update(self, client, alice, bob, alices_todo):
        todo_id = alices_todo["todoId"]
        response = client.http.put(
            f"/todos/{todo_id}", headers=bob, body=json.dumps({"text": "mine now"})
        )
        assert_error(response, 404, "TodoNotFound")
        assert client.http.get(f"/todos/{todo_id}", headers=alice).json_body == alices_todo

    def test_another_owner_cannot_delete(self, client, alice, bob, alices_todo):
        todo_id = alices_todo["todoId"]
        assert_error(client.http.delete(f"/todos/{todo_id}", headers=bob), 404, "TodoNotFound")
        assert client.http.get(f"/todos/{todo_id}", headers=alice).status_code == 200


INVALID_CREATE_BODIES = [
    b"",
    b"{not json",
    b"\xff\xfe",
    b"[" * 100_000,
    b'["a list"]',
    b'"a string"',
    b"null",
    b"{}",
    b'{"checked": true}',
    b'{"text": ""}',
    b'{"text": "   \\n\\t"}',
    b'{"text": null}',
    b'{"text": 42}',
    b'{"text": "ok", "checked": "yes"}',
    b'{"text": "ok", "checked": 1}',
    b'{"text": "ok", "checked": null}',
    b'{"text": "ok", "owner": "mallory"}',
    b'{"text": "ok", "todoId": "01a20fc8-3d99-7d70-9d88-dcfbbdd3913d"}',
    b'{"text": "\\ud800"}',
    json.dumps({"text": "x" * (TEXT_MAX_LENGTH + 1)}).encode(),
]


@pytest.mark.parametrize("body", INVALID_CREATE_BODIES)
def test_create_rejects_invalid_bodies_and_stores_nothing(client, alice, dynamodb, body):
    assert_error(client.http.post("/todos", headers=alice, body=body), 400, "InvalidRequest")
    assert dynamodb.scan(TableName="todo-api-local")["Count"] == 0


def test_create_accepts_text_of_the_maximum_length(client, alice):
    response = post_todo(client, alice, {"text": "é" * TEXT_MAX_LENGTH})
    assert response.status_code == 201


@pytest.mark.parametrize(
    "body",
    [b"", b"{}", b"[]", b"{bad", b'{"text": ""}', b'{"checked": "no"}', b'{"version": 7}'],
)
def test_update_rejects_invalid_bodies_and_changes_nothing(client, alice, alices_todo, body):
    todo_id = alices_todo["todoId"]
    response = client.http.put(f"/todos/{todo_id}", headers=alice, body=body)
    assert_error(response, 400, "InvalidRequest")
    assert client.http.get(f"/todos/{todo_id}", headers=alice).json_body == alices_todo


def test_a_non_json_content_type_is_415_in_the_error_shape(client, alice):
    headers = {**alice, "Content-Type": "text/plain"}
    response = client.http.post("/todos", headers=headers, body=b"text")
    assert_error(response, 415, "UnsupportedMediaType")
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_an_unsupported_method_is_405_in_the_error_shape(client, alice):
    response = client.http.patch("/todos", headers=alice, body=b"{}")
    assert_error(response, 405, "MethodNotAllowedError")
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_an_unexpected_failure_is_a_json_500_without_details(client, alice, monkeypatch):
    def broken_store():
        raise RuntimeError("secret internals: arn:aws:dynamodb:...")

    monkeypatch.setattr(app_module, "todo_store", broken_store)
    response = client.http.get("/todos", headers=alice)
    assert_error(response, 500, "InternalServerError")
    assert b"secret internals" not in response.body
    assert b"Traceback" not in response.body


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/todos", b""),
        ("post", "/todos", b'{"text": "x"}'),
        ("post", "/todos", b"{bad"),
        ("get", "/todos/nope", b""),
    ],
)
def test_responses_carry_cors_headers(client, alice, method, path, body):
    response = getattr(client.http, method)(path, headers=alice, body=body)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
