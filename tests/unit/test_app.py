"""The HTTP surface, through Chalice's test client on the local stage, against moto."""

import hashlib
import json
import time

import pytest

from chalicelib import aws
from chalicelib.idempotency import WINDOW_SECONDS
from chalicelib.model import TEXT_MAX_LENGTH
from tests.support.items import ITEM_BEFORE_DUE_DATES


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
    assert set(todo) == {
        "todoId",
        "text",
        "checked",
        "createdAt",
        "updatedAt",
        "version",
        "dueDate",
    }
    assert todo["text"] == "Learn Serverless APIs"
    assert todo["checked"] is False
    assert todo["dueDate"] is None
    assert todo["version"] == 1
    assert todo["createdAt"] == todo["updatedAt"]
    assert response.headers["Location"] == f"/todos/{todo['todoId']}"
    assert response.headers["ETag"] == '"1"'


def test_create_accepts_checked(client, alice):
    response = post_todo(client, alice, {"text": "done already", "checked": True})
    assert response.status_code == 201
    assert response.json_body["checked"] is True


def test_a_due_date_is_created_read_listed_changed_kept_and_cleared(client, alice):
    created = post_todo(client, alice, {"text": "Renew the passport", "dueDate": "2026-12-24"})
    assert (created.status_code, created.json_body["dueDate"]) == (201, "2026-12-24")
    path = f"/todos/{created.json_body['todoId']}"
    assert client.http.get(path, headers=alice).json_body == created.json_body
    assert client.http.get("/todos", headers=alice).json_body == [created.json_body]

    def put(body):
        response = client.http.put(path, headers=alice, body=json.dumps(body))
        assert response.status_code == 200
        assert client.http.get(path, headers=alice).json_body == response.json_body
        return response.json_body

    assert put({"dueDate": "2027-01-31"})["dueDate"] == "2027-01-31"
    assert put({"checked": True})["dueDate"] == "2027-01-31"
    cleared = put({"text": "Renewed", "dueDate": None})
    assert (cleared["text"], cleared["dueDate"], cleared["version"]) == ("Renewed", None, 4)


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
    b'{"text": "ok", "dueDate": "2026-02-30"}',
    b'{"text": "ok", "dueDate": "tomorrow"}',
    b'{"text": "ok", "dueDate": "2026-12-24T10:00:00Z"}',
    b'{"text": "ok", "dueDate": 20261224}',
    b'{"text": "ok", "dueDate": false}',
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
    [
        b"",
        b"{}",
        b"[]",
        b"{bad",
        b'{"text": ""}',
        b'{"checked": "no"}',
        b'{"version": 7}',
        b'{"dueDate": "2026-13-01"}',
        b'{"dueDate": ""}',
        b'{"checked": true, "dueDate": 1}',
    ],
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


def test_a_request_without_a_body_is_answered_whatever_its_content_type(client, alice, alices_todo):
    headers = {**alice, "Content-Type": "text/plain"}
    response = client.http.get(f"/todos/{alices_todo['todoId']}", headers=headers)
    assert (response.status_code, response.json_body) == (200, alices_todo)
    assert client.http.get("/health", headers={"Content-Type": "image/png"}).status_code == 200


@pytest.mark.parametrize(
    ("method", "path"), [("post", "/todos"), ("put", "/todos/{todo_id}")], ids=["POST", "PUT"]
)
def test_a_body_without_content_type_is_415_and_changes_nothing(
    client, alice, alices_todo, dynamodb, method, path
):
    headers = {name: value for name, value in alice.items() if name != "Content-Type"}
    url = path.format(todo_id=alices_todo["todoId"])
    response = getattr(client.http, method)(url, headers=headers, body=b'{"text": "new"}')
    assert_error(response, 415, "UnsupportedMediaType")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert dynamodb.scan(TableName="todo-api-local")["Count"] == 1
    assert client.http.get(f"/todos/{alices_todo['todoId']}", headers=alice).json_body == (
        alices_todo
    )


@pytest.mark.parametrize(
    "query", ["limit=abc&limit=10", "limit=10&limit=10", "checked=true&checked=false"]
)
def test_a_repeated_query_parameter_is_400(client, alice, query):
    response = client.http.get(f"/todos?{query}", headers=alice)
    assert_error(response, 400, "InvalidRequest")
    assert "more than once" in response.json_body["message"]


# One request for each kind of answer the app gives: public, listed, created, refused
# by validation, not found, and Chalice's own 405.
EVERY_KIND_OF_ANSWER = pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/health", b""),
        ("get", "/todos", b""),
        ("post", "/todos", b'{"text": "x"}'),
        ("post", "/todos", b"{bad"),
        ("get", "/todos/nope", b""),
        ("patch", "/todos", b"{}"),
    ],
)


@EVERY_KIND_OF_ANSWER
def test_every_response_forbids_content_sniffing(client, alice, method, path, body):
    response = getattr(client.http, method)(path, headers=alice, body=body)
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_an_unexpected_failure_forbids_content_sniffing_too(client, alice, monkeypatch):
    monkeypatch.setattr("chalicelib.store.todo_store", lambda: 1 / 0)
    response = client.http.get("/todos", headers=alice)
    assert response.status_code == 500
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# Every answer of an authenticated route, whatever its status: one per route and kind.
AUTHENTICATED_ANSWERS = pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("get", "/todos", b"", 200),
        ("get", "/todos?limit=0", b"", 400),
        ("post", "/todos", b'{"text": "x"}', 201),
        ("post", "/todos", b"{bad", 400),
        ("get", "/todos/{id}", b"", 200),
        ("get", "/todos/nope", b"", 404),
        ("put", "/todos/{id}", b'{"checked": true}', 200),
        ("put", "/todos/{id}", b"{}", 400),
        ("delete", "/todos/{id}", b"", 200),
        ("delete", "/todos/nope", b"", 404),
        ("patch", "/todos", b"{}", 405),
    ],
)


@AUTHENTICATED_ANSWERS
def test_every_answer_of_an_authenticated_route_is_kept_by_no_cache(
    client, alice, alices_todo, method, path, body, status
):
    path = path.replace("{id}", alices_todo["todoId"])
    response = getattr(client.http, method)(path, headers=alice, body=body)
    assert response.status_code == status
    assert response.headers["Cache-Control"] == "no-store"


def test_an_unexpected_failure_of_an_authenticated_route_is_kept_by_no_cache(
    client, alice, monkeypatch
):
    monkeypatch.setattr("chalicelib.store.todo_store", lambda: 1 / 0)
    response = client.http.get("/todos", headers=alice)
    assert response.status_code == 500
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/health", "/openapi.json"])
def test_a_public_answer_leaves_caching_to_the_client(client, path):
    """The same for everyone, and nobody's data: no reason to forbid a cache to keep it."""
    response = client.http.get(path)
    assert response.status_code == 200
    assert "Cache-Control" not in response.headers


def test_an_unsupported_method_is_405_in_the_error_shape(client, alice):
    response = client.http.patch("/todos", headers=alice, body=b"{}")
    assert_error(response, 405, "MethodNotAllowedError")
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_an_unexpected_failure_is_a_json_500_without_details(client, alice, monkeypatch):
    def broken_store():
        raise RuntimeError("secret internals: arn:aws:dynamodb:...")

    monkeypatch.setattr("chalicelib.store.todo_store", broken_store)
    response = client.http.get("/todos", headers=alice)
    assert_error(response, 500, "InternalServerError")
    assert b"secret internals" not in response.body
    assert b"Traceback" not in response.body


@EVERY_KIND_OF_ANSWER
def test_responses_carry_cors_headers(client, alice, method, path, body):
    response = getattr(client.http, method)(path, headers=alice, body=body)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]


def next_path(response):
    """The path and query of the Link rel="next", or None."""
    link = response.headers.get("Link")
    if link is None:
        return None
    assert link.startswith("<")
    assert link.endswith('>; rel="next"')
    return link[1 : link.index(">")]


def all_pages(client, headers, path):
    pages = []
    while path is not None:
        response = client.http.get(path, headers=headers)
        assert response.status_code == 200
        pages.append(response.json_body)
        path = next_path(response)
    return pages


class TestPaging:
    def test_paging_returns_every_todo_exactly_once_oldest_first(self, client, alice):
        texts = [f"todo {n}" for n in range(23)]
        for text in texts:
            post_todo(client, alice, {"text": text})
        pages = all_pages(client, alice, "/todos?limit=5")
        assert [len(page) for page in pages] == [5, 5, 5, 5, 3]
        assert [todo["text"] for page in pages for todo in page] == texts

    def test_a_full_last_page_has_no_link(self, client, alice):
        for n in range(4):
            post_todo(client, alice, {"text": f"todo {n}"})
        pages = all_pages(client, alice, "/todos?limit=2")
        assert [len(page) for page in pages] == [2, 2]

    def test_the_link_carries_limit_and_filter(self, client, alice):
        for n in range(3):
            post_todo(client, alice, {"text": f"todo {n}"})
        response = client.http.get("/todos?limit=1&checked=false", headers=alice)
        path = next_path(response)
        assert path.startswith("/todos?limit=1&cursor=")
        assert path.endswith("&checked=false")

    def test_a_filtered_listing_never_skips_a_match(self, client, alice):
        expected = []
        for n in range(17):
            todo = post_todo(client, alice, {"text": f"todo {n}", "checked": n % 3 == 0})
            if n % 3 == 0:
                expected.append(todo.json_body["todoId"])
        pages = all_pages(client, alice, "/todos?limit=4&checked=true")
        assert all(len(page) <= 4 for page in pages)
        assert [todo["todoId"] for page in pages for todo in page] == expected
        unchecked = all_pages(client, alice, "/todos?checked=false")
        assert all(not todo["checked"] for page in unchecked for todo in page)
        assert sum(len(page) for page in unchecked) == 17 - len(expected)

    def test_an_altered_cursor_is_400(self, client, alice):
        for n in range(2):
            post_todo(client, alice, {"text": f"todo {n}"})
        path = next_path(client.http.get("/todos?limit=1", headers=alice))
        cursor = path.split("cursor=")[1]
        altered = cursor[:-2] + ("AA" if cursor[-2:] != "AA" else "BB")
        response = client.http.get(f"/todos?cursor={altered}", headers=alice)
        assert_error(response, 400, "InvalidCursor")

    def test_another_owners_cursor_is_400(self, client, alice, bob):
        for n in range(2):
            post_todo(client, alice, {"text": f"todo {n}"})
        path = next_path(client.http.get("/todos?limit=1", headers=alice))
        assert_error(client.http.get(path, headers=bob), 400, "InvalidCursor")

    @pytest.mark.parametrize("query", ["checked=yes", "checked=", "limt=5", "cursor="])
    def test_bad_query_parameters_are_400(self, client, alice, query):
        assert_error(client.http.get(f"/todos?{query}", headers=alice), 400, "InvalidRequest")


class TestIfMatch:
    def put(self, client, headers, todo_id, if_match, body=None):
        return client.http.put(
            f"/todos/{todo_id}",
            headers={**headers, "If-Match": if_match},
            body=json.dumps(body or {"checked": True}),
        )

    def test_a_matching_version_updates(self, client, alice, alices_todo):
        response = self.put(client, alice, alices_todo["todoId"], '"1"')
        assert response.status_code == 200
        assert response.headers["ETag"] == '"2"'

    def test_a_stale_version_is_412_and_changes_nothing(self, client, alice, alices_todo):
        todo_id = alices_todo["todoId"]
        self.put(client, alice, todo_id, '"1"')
        current = client.http.get(f"/todos/{todo_id}", headers=alice).json_body
        response = self.put(client, alice, todo_id, '"1"', {"text": "lost update"})
        assert_error(response, 412, "PreconditionFailed")
        assert client.http.get(f"/todos/{todo_id}", headers=alice).json_body == current

    def test_any_of_several_versions_may_match(self, client, alice, alices_todo):
        response = self.put(client, alice, alices_todo["todoId"], '"7", "1"')
        assert response.status_code == 200

    def test_a_star_matches_any_existing_version(self, client, alice, alices_todo):
        assert self.put(client, alice, alices_todo["todoId"], "*").status_code == 200

    def test_a_missing_todo_is_404_not_412(self, client, alice, alices_todo):
        todo_id = alices_todo["todoId"]
        client.http.delete(f"/todos/{todo_id}", headers=alice)
        assert_error(self.put(client, alice, todo_id, '"1"'), 404, "TodoNotFound")

    def test_another_owners_todo_is_404_whatever_the_version(self, client, bob, alices_todo):
        response = self.put(client, bob, alices_todo["todoId"], '"2"')
        assert_error(response, 404, "TodoNotFound")

    @pytest.mark.parametrize("if_match", ["1", '"one"', 'W/"1"', ""])
    def test_a_malformed_if_match_is_400(self, client, alice, alices_todo, if_match):
        response = self.put(client, alice, alices_todo["todoId"], if_match)
        assert_error(response, 400, "InvalidRequest")

    def test_delete_with_a_stale_version_is_412_and_keeps_the_todo(
        self, client, alice, alices_todo
    ):
        todo_id = alices_todo["todoId"]
        headers = {**alice, "If-Match": '"2"'}
        assert_error(
            client.http.delete(f"/todos/{todo_id}", headers=headers), 412, "PreconditionFailed"
        )
        assert client.http.get(f"/todos/{todo_id}", headers=alice).status_code == 200

    def test_delete_with_the_current_version_deletes(self, client, alice, alices_todo):
        todo_id = alices_todo["todoId"]
        headers = {**alice, "If-Match": '"1"'}
        assert client.http.delete(f"/todos/{todo_id}", headers=headers).status_code == 200
        assert client.http.get(f"/todos/{todo_id}", headers=alice).status_code == 404


class TestIdempotentCreate:
    def post(self, client, headers, key, body):
        return client.http.post(
            "/todos", headers={**headers, "Idempotency-Key": key}, body=json.dumps(body)
        )

    def test_a_repeat_returns_the_first_response_and_creates_nothing(self, client, alice):
        first = self.post(client, alice, "order-1", {"text": "once"})
        client.http.put(
            f"/todos/{first.json_body['todoId']}", headers=alice, body=b'{"checked": true}'
        )
        repeat = self.post(client, alice, "order-1", {"text": "once"})
        assert repeat.status_code == 201
        assert repeat.json_body == first.json_body
        assert repeat.headers["Location"] == first.headers["Location"]
        assert repeat.headers["ETag"] == first.headers["ETag"]
        assert len(client.http.get("/todos", headers=alice).json_body) == 1

    def test_the_same_key_with_another_body_is_422(self, client, alice):
        self.post(client, alice, "order-1", {"text": "once"})
        response = self.post(client, alice, "order-1", {"text": "twice"})
        assert_error(response, 422, "IdempotencyKeyReused")
        assert len(client.http.get("/todos", headers=alice).json_body) == 1

    def test_keys_are_per_owner(self, client, alice, bob):
        mine = self.post(client, alice, "same-key", {"text": "x"}).json_body
        theirs = self.post(client, bob, "same-key", {"text": "x"}).json_body
        assert mine["todoId"] != theirs["todoId"]

    def test_different_keys_create_different_todos(self, client, alice):
        self.post(client, alice, "k1", {"text": "x"})
        self.post(client, alice, "k2", {"text": "x"})
        assert len(client.http.get("/todos", headers=alice).json_body) == 2

    def test_an_expired_key_creates_anew(self, client, alice, monkeypatch):
        first = self.post(client, alice, "k", {"text": "x"}).json_body
        real_time = time.time
        monkeypatch.setattr(time, "time", lambda: real_time() + WINDOW_SECONDS + 1)
        again = self.post(client, alice, "k", {"text": "x"}).json_body
        assert again["todoId"] != first["todoId"]

    def test_idempotency_records_never_show_in_listings(self, client, alice):
        for n in range(3):
            self.post(client, alice, f"k{n}", {"text": f"t{n}"})
        listed = client.http.get("/todos", headers=alice).json_body
        assert [todo["text"] for todo in listed] == ["t0", "t1", "t2"]

    def test_a_null_due_date_is_the_same_request_as_none_and_a_due_date_another(
        self, client, alice
    ):
        first = self.post(client, alice, "k", {"text": "x"})
        again = self.post(client, alice, "k", {"text": "x", "dueDate": None, "checked": False})
        assert (again.status_code, again.json_body) == (201, first.json_body)
        other = self.post(client, alice, "k", {"text": "x", "dueDate": "2026-12-24"})
        assert_error(other, 422, "IdempotencyKeyReused")
        assert len(client.http.get("/todos", headers=alice).json_body) == 1

    def test_a_record_made_before_due_dates_still_replays(self, client, alice, dynamodb):
        # As the API remembered a create of {"text": ..., "checked": true} with "old-key".
        request = b'{"checked": true, "text": "older than due dates"}'
        dynamodb.put_item(
            TableName="todo-api-local",
            Item={
                "ownerId": {"S": "alice"},
                "todoId": {"S": f"idempotency#{hashlib.sha256(b'old-key').hexdigest()}"},
                "requestDigest": {"S": hashlib.sha256(request).hexdigest()},
                "todo": {"M": ITEM_BEFORE_DUE_DATES},
                "expiresAt": {"N": str(int(time.time()) + 3600)},
            },
        )
        body = {"text": "older than due dates", "checked": True}
        replay = self.post(client, alice, "old-key", body)
        assert replay.status_code == 201
        assert replay.json_body == {
            "todoId": ITEM_BEFORE_DUE_DATES["todoId"]["S"],
            **body,
            "createdAt": "2026-11-24T22:58:30.937Z",
            "updatedAt": "2026-11-24T22:58:30.937Z",
            "version": 3,
            "dueDate": None,
        }
        assert dynamodb.scan(TableName="todo-api-local")["Count"] == 1

    @pytest.mark.parametrize("key", ["", "x" * 129, "has space"])
    def test_a_malformed_key_is_400_and_creates_nothing(self, client, alice, key, dynamodb):
        assert_error(self.post(client, alice, key, {"text": "x"}), 400, "InvalidRequest")
        assert dynamodb.scan(TableName="todo-api-local")["Count"] == 0


@pytest.mark.parametrize("kind", ["throttle", "connection"])
class TestDynamoDbFaults:
    def test_a_create_is_503_with_retry_after_after_bounded_retries(
        self, client, alice, dynamodb, dynamodb_fault, kind
    ):
        attempts = dynamodb_fault(kind)
        response = post_todo(client, alice, {"text": "x"})
        assert_error(response, 503, "ServiceUnavailable")
        assert int(response.headers["Retry-After"]) > 0
        assert len(attempts) == 3
        assert dynamodb.scan(TableName="todo-api-local")["Count"] == 0

    def test_an_update_is_503_and_changes_nothing(
        self, client, alice, alices_todo, dynamodb_fault, kind
    ):
        dynamodb_fault(kind)
        todo_id = alices_todo["todoId"]
        response = client.http.put(f"/todos/{todo_id}", headers=alice, body=b'{"text": "new"}')
        assert_error(response, 503, "ServiceUnavailable")
        aws.client.cache_clear()
        assert client.http.get(f"/todos/{todo_id}", headers=alice).json_body == alices_todo

    def test_an_idempotent_create_is_503(self, client, alice, dynamodb_fault, kind):
        dynamodb_fault(kind)
        headers = {**alice, "Idempotency-Key": "k"}
        response = client.http.post("/todos", headers=headers, body=b'{"text": "x"}')
        assert_error(response, 503, "ServiceUnavailable")

    @pytest.mark.parametrize("path", ["/todos", "/todos/01a20fc8-3d99-7d70-9d88-dcfbbdd3913d"])
    def test_reads_are_503(self, client, alice, dynamodb_fault, kind, path):
        dynamodb_fault(kind)
        assert_error(client.http.get(path, headers=alice), 503, "ServiceUnavailable")
