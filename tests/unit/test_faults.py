"""The fault tier: DynamoDB misbehaving under the API, stubbed at botocore's HTTP layer.

Each case makes DynamoDB's answers fail one way (tests/conftest.py's dynamodb_fault: a lost
answer after the write, a bare 5xx, a trickling answer, a throttle, an outage), sends one
request through Chalice's test client on the local stage, and checks both the API's answer
and what the table holds afterwards (moto, read directly).
"""

import json

import pytest
from chalice.local import LambdaContext

from chalicelib import aws, deadline

TABLE = "todo-api-local"


@pytest.fixture
def alice(auth_headers):
    return auth_headers("alice")


@pytest.fixture
def alices_todo(client, alice):
    return client.http.post("/todos", headers=alice, body=b'{"text": "before"}').json_body


def stored(dynamodb):
    """The table's items, as {todoId: item} (idempotency records included)."""
    items = dynamodb.scan(TableName=TABLE, ConsistentRead=True)["Items"]
    return {item["todoId"]["S"]: item for item in items}


def assert_503(response):
    assert response.status_code == 503
    assert response.json_body["code"] == "ServiceUnavailable"
    assert int(response.headers["Retry-After"]) > 0


class TestLostAnswers:
    """DynamoDB applies the write, its answer is lost, botocore sends the request again."""

    def test_a_create_without_a_key_is_201_and_stores_one_todo(
        self, client, alice, dynamodb, dynamodb_fault
    ):
        attempts = dynamodb_fault("lost", times=1)
        response = client.http.post("/todos", headers=alice, body=b'{"text": "once"}')
        assert response.status_code == 201, response.json_body
        assert response.headers["ETag"] == '"1"'
        assert len(attempts) == 2
        (item,) = stored(dynamodb).values()
        assert item["todoId"]["S"] == response.json_body["todoId"]
        assert item["text"] == {"S": "once"}

    def test_a_create_with_a_key_is_201_and_stores_one_todo(
        self, client, alice, dynamodb, dynamodb_fault
    ):
        dynamodb_fault("lost", times=1)
        headers = {**alice, "Idempotency-Key": "k1"}
        response = client.http.post("/todos", headers=headers, body=b'{"text": "once"}')
        assert response.status_code == 201, response.json_body
        assert response.headers["ETag"] == '"1"'
        items = stored(dynamodb)
        assert len(items) == 2  # the todo and its idempotency record
        assert items[response.json_body["todoId"]]["text"] == {"S": "once"}

    def test_an_update_with_if_match_is_200_with_the_etag_of_its_own_write(
        self, client, alice, alices_todo, dynamodb, dynamodb_fault
    ):
        todo_id = alices_todo["todoId"]
        dynamodb_fault("lost", times=1)
        response = client.http.put(
            f"/todos/{todo_id}", headers={**alice, "If-Match": '"1"'}, body=b'{"text": "after"}'
        )
        assert response.status_code == 200, response.json_body
        assert response.headers["ETag"] == '"2"'
        item = stored(dynamodb)[todo_id]
        assert (item["text"], item["version"]) == ({"S": "after"}, {"N": "2"})
        assert response.json_body["updatedAt"] == item["updatedAt"]["S"]

    def test_an_update_without_if_match_is_200_and_applied_again(
        self, client, alice, alices_todo, dynamodb, dynamodb_fault
    ):
        # Last write wins: botocore's retry is one more write of the same values.
        todo_id = alices_todo["todoId"]
        dynamodb_fault("lost", times=1)
        response = client.http.put(f"/todos/{todo_id}", headers=alice, body=b'{"text": "after"}')
        assert response.status_code == 200, response.json_body
        item = stored(dynamodb)[todo_id]
        assert (item["text"], item["version"]) == ({"S": "after"}, {"N": "3"})
        assert response.headers["ETag"] == '"3"'

    @pytest.mark.parametrize("if_match", [{"If-Match": '"1"'}, {}])
    def test_a_delete_is_200_and_the_todo_is_gone(
        self, client, alice, alices_todo, dynamodb, dynamodb_fault, if_match
    ):
        todo_id = alices_todo["todoId"]
        dynamodb_fault("lost", times=1)
        response = client.http.delete(f"/todos/{todo_id}", headers={**alice, **if_match})
        assert response.status_code == 200, response.json_body
        assert response.json_body == {"message": f"Todo with ID {todo_id} deleted successfully"}
        assert stored(dynamodb) == {}


class TestChangesAlreadyApplied:
    """RFC 9110 §13.1.1: a conditional change found applied answers 2xx, not 412."""

    def test_another_clients_equal_change_is_200_without_an_etag(self, client, alice, alices_todo):
        path = f"/todos/{alices_todo['todoId']}"
        body = b'{"checked": true}'
        client.http.put(path, headers={**alice, "If-Match": '"1"'}, body=body)
        response = client.http.put(path, headers={**alice, "If-Match": '"1"'}, body=body)
        assert response.status_code == 200, response.json_body
        assert "ETag" not in response.headers
        assert (response.json_body["checked"], response.json_body["version"]) == (True, 2)

    def test_a_different_change_from_the_same_version_is_still_412(
        self, client, alice, alices_todo, dynamodb
    ):
        path = f"/todos/{alices_todo['todoId']}"
        client.http.put(path, headers={**alice, "If-Match": '"1"'}, body=b'{"checked": true}')
        response = client.http.put(
            path, headers={**alice, "If-Match": '"1"'}, body=b'{"text": "mine"}'
        )
        assert response.status_code == 412
        assert stored(dynamodb)[alices_todo["todoId"]]["text"] == {"S": "before"}

    def test_a_delete_of_a_missing_todo_without_a_retry_is_still_404(self, client, alice):
        missing = "01a20fc8-3d99-7d70-9d88-dcfbbdd3913d"
        assert client.http.delete(f"/todos/{missing}", headers=alice).status_code == 404


# Each route with a body that would change the table, and whether it needs a todo first.
WRITES = [
    ("POST", "/todos", b'{"text": "new"}', {}),
    ("POST", "/todos", b'{"text": "new"}', {"Idempotency-Key": "k2"}),
    ("PUT", "/todos/{id}", b'{"text": "new"}', {"If-Match": '"1"'}),
    ("PUT", "/todos/{id}", b'{"text": "new"}', {}),
    ("DELETE", "/todos/{id}", b"", {"If-Match": '"1"'}),
    ("DELETE", "/todos/{id}", b"", {}),
    ("GET", "/todos/{id}", b"", {}),
    ("GET", "/todos", b"", {}),
]


@pytest.mark.parametrize(("method", "path", "body", "headers"), WRITES)
@pytest.mark.parametrize("kind", ["bare-503", "throttle", "connection"])
def test_a_failing_dynamodb_is_503_with_retry_after_and_changes_nothing(
    client, alice, alices_todo, dynamodb, dynamodb_fault, kind, method, path, body, headers
):
    before = stored(dynamodb)
    dynamodb_fault(kind)
    response = client.http.request(
        method, path.format(id=alices_todo["todoId"]), headers={**alice, **headers}, body=body
    )
    assert_503(response)
    assert stored(dynamodb) == before


@pytest.mark.parametrize(("method", "path", "body", "headers"), WRITES)
def test_a_trickling_answer_is_503_before_the_functions_timeout(
    client, alice, alices_todo, dynamodb, dynamodb_fault, monkeypatch, method, path, body, headers
):
    # The function has 0.2 s left when the request starts: its deadline passes mid-answer.
    monkeypatch.setattr(
        LambdaContext,
        "get_remaining_time_in_millis",
        lambda _: deadline.MARGIN_SECONDS * 1000 + 200,
    )
    before = stored(dynamodb)
    dynamodb_fault("trickle")
    response = client.http.request(
        method, path.format(id=alices_todo["todoId"]), headers={**alice, **headers}, body=body
    )
    assert_503(response)
    assert stored(dynamodb) == before


def test_answers_lost_on_every_attempt_are_503_and_a_keyed_retry_gets_the_todo(
    client, alice, dynamodb, dynamodb_fault
):
    """A lost answer that botocore cannot retry away reaches the client as a 503; the
    client's retry with the same key gets the todo the first attempt created."""
    dynamodb_fault("lost")
    headers = {**alice, "Idempotency-Key": "k3"}
    assert_503(client.http.post("/todos", headers=headers, body=b'{"text": "x"}'))
    assert len(stored(dynamodb)) == 2
    aws.client.cache_clear()  # DynamoDB answers again
    retried = client.http.post("/todos", headers=headers, body=b'{"text": "x"}')
    assert retried.status_code == 201
    assert stored(dynamodb)[retried.json_body["todoId"]]["text"] == {"S": "x"}
    assert len(stored(dynamodb)) == 2


def test_the_fault_stub_reaches_moto_after_the_faults(client, alice, dynamodb, dynamodb_fault):
    attempts = dynamodb_fault("throttle", times=1)
    response = client.http.post("/todos", headers=alice, body=json.dumps({"text": "x"}))
    assert response.status_code == 201
    assert len(attempts) == 2


def test_once_the_retry_quota_is_spent_a_fault_is_503_at_once_until_successes_refill_it(
    client, alice, dynamodb, dynamodb_fault
):
    """botocore's standard retry quota, kept as the container's circuit breaker
    (docs/operations.md): retries that end in failure spend it; successes refill it."""
    attempts = dynamodb_fault("connection")
    for _ in range(50):
        sent = len(attempts)
        assert_503(client.http.get("/todos", headers=alice))
        if len(attempts) - sent == 1:
            break
    assert len(attempts) - sent == 1, "retries never stopped"
    assert_503(client.http.get("/todos", headers=alice))
    assert len(attempts) - sent == 2

    dynamodb_fault("lost", times=0)  # DynamoDB answers again
    for _ in range(28):  # each first-try success gives back 1 of the 14 a retry costs
        assert client.http.get("/todos", headers=alice).status_code == 200
    dynamodb_fault("lost", times=1)
    sent = len(attempts)
    response = client.http.post("/todos", headers=alice, body=b'{"text": "x"}')
    assert response.status_code == 201, response.json_body
    assert len(attempts) - sent == 2
    assert len(stored(dynamodb)) == 1
