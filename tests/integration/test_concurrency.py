"""Races against the real local stack: the API's conditional writes hold under contention.

`chalice local` serves each request on a thread of its own, and the embedded emulator applies
one DynamoDB request at a time, as DynamoDB applies each conditional write atomically. Each
test releases N requests at once (a barrier), then checks that exactly the outcomes the
contract allows happened, and what is stored afterwards. Every test acts as an owner of its
own, so the tests share one stack without seeing each other's todos.
"""

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

from tests.support.stack import loopback_session

# Against the local stack: emulator and chalice local.
N = 12
# Generous: N requests queue behind one another in the emulator on a slow machine.
REQUEST_TIMEOUT_SECONDS = 30
BARRIER_TIMEOUT_SECONDS = 30


def race(stack, requests_to_send):
    """Sends every (method, path, token, kwargs) at once, each on its own thread and its own
    connection; the responses, in the order given.

    The connections are opened one by one beforehand (chalice local keeps them alive): a burst
    of connects would overflow its listen backlog of 5, and the kernel would retry the
    dropped ones a second later, after the race.
    """
    sessions = [loopback_session() for _ in requests_to_send]
    with contextlib.ExitStack() as cleanup:
        for session in sessions:
            cleanup.enter_context(session)
            warm = stack.request("GET", "/health", timeout=REQUEST_TIMEOUT_SECONDS, session=session)
            assert warm.status_code == 200, warm.text
        barrier = threading.Barrier(len(requests_to_send))

        def send(request, session):
            method, path, token, kwargs = request
            # Each thread its own headers: the token is added to them.
            kwargs = {**kwargs, "headers": dict(kwargs.get("headers", {}))}
            barrier.wait(timeout=BARRIER_TIMEOUT_SECONDS)
            return stack.request(
                method, path, token, timeout=REQUEST_TIMEOUT_SECONDS, session=session, **kwargs
            )

        with ThreadPoolExecutor(max_workers=len(requests_to_send)) as pool:
            return list(pool.map(send, requests_to_send, sessions))


def statuses(responses):
    return [response.status_code for response in responses]


def summary(responses):
    return "\n".join(f"{r.status_code} {r.text}" for r in responses)


def create(stack, token, body, **kwargs):
    response = stack.request(
        "POST", "/todos", token, json=body, timeout=REQUEST_TIMEOUT_SECONDS, **kwargs
    )
    assert response.status_code == 201, response.text
    return response.json()


def listed(stack, token):
    response = stack.request("GET", "/todos", token, timeout=REQUEST_TIMEOUT_SECONDS)
    assert response.status_code == 200, response.text
    return response.json()


def test_concurrent_puts_with_the_same_if_match_let_exactly_one_win(local_stack, token):
    owner = token("racing-writers")
    todo = create(local_stack, owner, {"text": "Written once"})
    path = f"/todos/{todo['todoId']}"

    responses = race(
        local_stack,
        [
            ("PUT", path, owner, {"json": {"text": f"writer {n}"}, "headers": {"If-Match": '"1"'}})
            for n in range(N)
        ],
    )

    assert sorted(statuses(responses)) == [200] + [412] * (N - 1), summary(responses)
    [winner] = [r for r in responses if r.status_code == 200]
    assert winner.json()["version"] == 2
    assert winner.headers["ETag"] == '"2"'
    for loser in (r for r in responses if r.status_code == 412):
        assert loser.headers["Content-Type"] == "application/json"
        assert loser.json()["code"] == "PreconditionFailed"

    stored = local_stack.request("GET", path, owner, timeout=REQUEST_TIMEOUT_SECONDS)
    assert stored.status_code == 200, stored.text
    assert stored.json() == winner.json(), (
        "the one success is what is stored; the 412s changed nothing"
    )
    assert stored.headers["ETag"] == '"2"'


def test_concurrent_creates_with_the_same_idempotency_key_make_one_todo(local_stack, token):
    owner = token("racing-retries")
    body = {"text": "Created once", "checked": True}

    responses = race(
        local_stack,
        [("POST", "/todos", owner, {"json": body, "headers": {"Idempotency-Key": "retry-1"}})] * N,
    )

    # The contract allows 409 IdempotencyConflict while the first request is in flight; the
    # emulator serves one request at a time, so every repeat finds the first one done.
    assert statuses(responses) == [201] * N, summary(responses)
    first = responses[0].json()
    assert first["text"] == body["text"]
    assert first["checked"] is True
    assert first["version"] == 1
    for response in responses:
        assert response.json() == first, "every repeat returns the todo the first one created"
        assert response.headers["Location"] == f"/todos/{first['todoId']}"
        assert response.headers["ETag"] == '"1"'
    assert listed(local_stack, owner) == [first]


def test_reusing_an_idempotency_key_with_another_body_is_refused_and_creates_nothing(
    local_stack, token
):
    owner = token("key-reusers")
    key = {"Idempotency-Key": "reused-key"}
    first = create(local_stack, owner, {"text": "The first body"}, headers=dict(key))

    responses = race(
        local_stack,
        [
            ("POST", "/todos", owner, {"json": {"text": f"another body {n}"}, "headers": dict(key)})
            for n in range(N)
        ],
    )

    assert statuses(responses) == [422] * N, summary(responses)
    for response in responses:
        assert response.headers["Content-Type"] == "application/json"
        assert response.json()["code"] == "IdempotencyKeyReused"
    assert listed(local_stack, owner) == [first]


def test_concurrent_creates_of_two_bodies_under_one_key_create_only_the_first_processed(
    local_stack, token
):
    owner = token("key-racers")
    key = {"Idempotency-Key": "contested-key"}
    bodies = [{"text": "body A"}, {"text": "body B"}]

    responses = race(
        local_stack,
        [
            ("POST", "/todos", owner, {"json": bodies[n % 2], "headers": dict(key)})
            for n in range(N)
        ],
    )

    by_body = [[r for n, r in enumerate(responses) if n % 2 == side] for side in range(len(bodies))]
    outcomes = sorted({tuple(statuses(group)) for group in by_body})
    assert outcomes == [(201,) * (N // 2), (422,) * (N // 2)], summary(responses)
    [winners] = [group for group in by_body if group[0].status_code == 201]
    [losers] = [group for group in by_body if group[0].status_code == 422]
    todo = winners[0].json()
    assert all(response.json() == todo for response in winners), summary(winners)
    assert all(response.json()["code"] == "IdempotencyKeyReused" for response in losers)
    assert listed(local_stack, owner) == [todo]


def test_concurrent_deletes_of_one_todo_succeed_exactly_once(local_stack, token):
    owner = token("racing-deleters")
    todo = create(local_stack, owner, {"text": "Deleted once"})
    path = f"/todos/{todo['todoId']}"

    responses = race(local_stack, [("DELETE", path, owner, {})] * N)

    assert sorted(statuses(responses)) == [200] + [404] * (N - 1), summary(responses)
    [deleted] = [r for r in responses if r.status_code == 200]
    assert deleted.json() == {"message": f"Todo with ID {todo['todoId']} deleted successfully"}
    for missing in (r for r in responses if r.status_code == 404):
        assert missing.headers["Content-Type"] == "application/json"
        assert missing.json()["code"] == "TodoNotFound"
    gone = local_stack.request("GET", path, owner, timeout=REQUEST_TIMEOUT_SECONDS)
    assert gone.status_code == 404, gone.text
    assert listed(local_stack, owner) == []
