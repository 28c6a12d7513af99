"""TodoStore directly against moto: keys, conditions and owner partitions."""

import json

import pytest

from chalicelib.errors import (
    IdempotencyKeyReused,
    PreconditionFailed,
    ServiceUnavailable,
    TodoNotFound,
)
from chalicelib.idempotency import idempotency_record
from chalicelib.model import NewTodo, TodoChanges, create_todo
from chalicelib.store import TTL_ATTRIBUTE, TodoStore
from tests.support.items import ITEM_BEFORE_DUE_DATES
from tests.support.stages import LOCAL

TABLE = LOCAL["TABLE_NAME"]


@pytest.fixture
def store(dynamodb):
    return TodoStore(dynamodb, TABLE)


def stored(store, owner, text="a todo"):
    todo = create_todo(NewTodo(text=text))
    store.add(owner, todo)
    return todo


def item_count(dynamodb):
    return dynamodb.scan(TableName=TABLE)["Count"]


def test_a_stored_todo_reads_back_equal(store):
    todo = stored(store, "alice")
    assert store.get("alice", todo.todo_id) == todo


def test_items_are_keyed_by_owner_and_todo_id(store, dynamodb):
    todo = stored(store, "alice")
    key = {"ownerId": {"S": "alice"}, "todoId": {"S": todo.todo_id}}
    assert dynamodb.get_item(TableName=TABLE, Key=key)["Item"]["text"] == {"S": "a todo"}


def test_an_item_holds_each_field_under_its_json_name_in_its_dynamodb_type(store, dynamodb):
    todo = stored(store, "alice")
    key = {"ownerId": {"S": "alice"}, "todoId": {"S": todo.todo_id}}
    assert dynamodb.get_item(TableName=TABLE, Key=key)["Item"] == {
        **key,
        "text": {"S": "a todo"},
        "checked": {"BOOL": False},
        "createdAt": {"S": todo.created_at},
        "updatedAt": {"S": todo.updated_at},
        "version": {"N": "1"},
    }


def test_a_due_date_is_a_string_attribute_and_none_is_no_attribute(store, dynamodb):
    due = store.add("alice", create_todo(NewTodo(text="t", due_date="2026-12-24")))
    key = {"ownerId": {"S": "alice"}, "todoId": {"S": due.todo_id}}
    assert dynamodb.get_item(TableName=TABLE, Key=key)["Item"]["dueDate"] == {"S": "2026-12-24"}
    assert store.get("alice", due.todo_id) == due


def test_an_item_stored_before_due_dates_reads_without_one(store, dynamodb):
    dynamodb.put_item(TableName=TABLE, Item=ITEM_BEFORE_DUE_DATES)
    todo = store.get("alice", ITEM_BEFORE_DUE_DATES["todoId"]["S"])
    assert todo.due_date is None
    assert todo.to_json()["dueDate"] is None
    assert store.page("alice", limit=10).todos == [todo]


def update_requests(dynamodb):
    """The parameters of each UpdateItem the client sends from now on."""
    sent = []
    dynamodb.meta.events.register(
        "before-call.dynamodb.UpdateItem",
        lambda params, **_: sent.append(json.loads(params["body"])),
    )
    return sent


def test_a_due_date_is_set_kept_and_removed_each_in_one_request(store, dynamodb):
    todo = stored(store, "alice")
    sent = update_requests(dynamodb)
    assert store.update(
        "alice", todo.todo_id, TodoChanges(due_date="2026-12-24")
    ).todo.due_date == ("2026-12-24")
    kept = store.update("alice", todo.todo_id, TodoChanges(checked=True)).todo
    assert (kept.due_date, kept.checked) == ("2026-12-24", True)
    cleared = store.update("alice", todo.todo_id, TodoChanges(text="u", due_date=None)).todo
    assert (cleared.text, cleared.due_date, cleared.version) == ("u", None, 4)
    key = {"ownerId": {"S": "alice"}, "todoId": {"S": todo.todo_id}}
    assert "dueDate" not in dynamodb.get_item(TableName=TABLE, Key=key)["Item"]
    assert len(sent) == 3
    assert sent[2]["UpdateExpression"] == (
        "SET #updatedAt = :updatedAt, #version = #version + :one, #text = :text REMOVE #dueDate"
    )
    assert ":dueDate" not in sent[2]["ExpressionAttributeValues"]


def test_removing_a_due_date_that_is_not_there_still_bumps_the_version(store):
    todo = stored(store, "alice")
    updated = store.update("alice", todo.todo_id, TodoChanges(due_date=None), frozenset({1})).todo
    assert (updated.due_date, updated.version) == (None, 2)


def test_add_never_overwrites_an_existing_todo(store, dynamodb):
    # Another todo's id can only be one made twice: a retry, which makes a new id, is safe.
    todo = stored(store, "alice", "original")
    clash = create_todo(NewTodo(text="impostor"))
    with pytest.raises(ServiceUnavailable):
        store.add(
            "alice", clash._replace(todo_id=todo.todo_id, created_at="2026-01-01T00:00:00.000Z")
        )
    assert store.get("alice", todo.todo_id).text == "original"


def test_get_of_another_owners_todo_is_not_found(store):
    todo = stored(store, "alice")
    with pytest.raises(TodoNotFound):
        store.get("bob", todo.todo_id)


def test_list_reads_only_the_owners_partition_oldest_first(store):
    alices = [stored(store, "alice", f"a{n}") for n in range(4)]
    stored(store, "bob", "b0")
    assert store.page("alice", limit=10).todos == alices
    assert [todo.text for todo in store.page("bob", limit=10).todos] == ["b0"]


def test_list_returns_at_most_limit_items(store):
    todos = [stored(store, "alice", f"a{n}") for n in range(5)]
    page = store.page("alice", limit=2)
    assert page.todos == todos[:2]
    assert page.last_todo_id == todos[1].todo_id


def test_update_applies_only_the_given_fields_and_bumps_version(store):
    todo = stored(store, "alice", "text")
    updated = store.update("alice", todo.todo_id, TodoChanges(checked=True)).todo
    assert (updated.text, updated.checked, updated.version) == ("text", True, 2)
    assert updated.created_at == todo.created_at
    assert store.get("alice", todo.todo_id) == updated


def test_update_never_creates_a_todo(store, dynamodb):
    ghost = create_todo(NewTodo(text="ghost"))
    with pytest.raises(TodoNotFound):
        store.update("alice", ghost.todo_id, TodoChanges(text="boo"))
    assert item_count(dynamodb) == 0


def test_update_of_another_owners_todo_is_not_found_and_creates_nothing(store, dynamodb):
    todo = stored(store, "alice")
    with pytest.raises(TodoNotFound):
        store.update("bob", todo.todo_id, TodoChanges(text="mine"))
    assert item_count(dynamodb) == 1
    assert store.get("alice", todo.todo_id) == todo


def test_delete_removes_the_item(store, dynamodb):
    todo = stored(store, "alice")
    store.delete("alice", todo.todo_id)
    assert item_count(dynamodb) == 0


def test_delete_of_nothing_is_not_found(store):
    with pytest.raises(TodoNotFound):
        store.delete("alice", create_todo(NewTodo(text="never stored")).todo_id)


def test_delete_of_another_owners_todo_is_not_found_and_keeps_it(store):
    todo = stored(store, "alice")
    with pytest.raises(TodoNotFound):
        store.delete("bob", todo.todo_id)
    assert store.get("alice", todo.todo_id) == todo


def test_list_continues_after_the_given_id(store):
    todos = [stored(store, "alice", f"a{n}") for n in range(5)]
    page = store.page("alice", limit=2, after=todos[1].todo_id)
    assert page.todos == todos[2:4]
    assert page.last_todo_id == todos[3].todo_id


def test_the_last_page_has_no_position(store):
    todos = [stored(store, "alice", f"a{n}") for n in range(3)]
    assert store.page("alice", limit=3).last_todo_id is None
    assert store.page("alice", limit=2, after=todos[0].todo_id).last_todo_id is None


def test_a_list_query_reads_limit_plus_one_items_whatever_the_table_size(store, dynamodb):
    for n in range(30):
        stored(store, "alice", f"a{n}")
    calls = []
    dynamodb.meta.events.register(
        "before-call.dynamodb.Query", lambda params, **_: calls.append(params)
    )
    store.page("alice", limit=5)
    assert len(calls) == 1
    assert json.loads(calls[0]["body"])["Limit"] == 6


def test_filtered_pages_hold_every_match_once_and_never_more_than_limit(store):
    # DynamoDB applies Limit before the filter (moto after it): either way, following
    # the positions must give every match exactly once.
    todos = [stored(store, "alice", f"a{n}") for n in range(11)]
    for todo in todos[::4]:
        store.update("alice", todo.todo_id, TodoChanges(checked=True))
    found, after = [], None
    for _ in range(len(todos) + 1):
        page = store.page("alice", limit=2, after=after, checked=True)
        assert len(page.todos) <= 2
        found += [todo.todo_id for todo in page.todos]
        after = page.last_todo_id
        if after is None:
            break
    assert found == [todo.todo_id for todo in todos[::4]]


def test_update_with_a_matching_version_applies(store):
    todo = stored(store, "alice")
    written = store.update("alice", todo.todo_id, TodoChanges(text="t"), frozenset({1}))
    assert written.todo.version == 2


def test_update_with_a_stale_version_is_a_precondition_failure(store):
    todo = stored(store, "alice")
    store.update("alice", todo.todo_id, TodoChanges(text="t"))
    with pytest.raises(PreconditionFailed):
        store.update("alice", todo.todo_id, TodoChanges(text="u"), frozenset({1}))
    assert store.get("alice", todo.todo_id).text == "t"


def test_update_of_a_missing_todo_with_a_version_is_not_found(store, dynamodb):
    ghost = create_todo(NewTodo(text="ghost"))
    with pytest.raises(TodoNotFound):
        store.update("alice", ghost.todo_id, TodoChanges(text="boo"), frozenset({1}))
    assert item_count(dynamodb) == 0


def test_delete_with_a_stale_version_keeps_the_todo(store):
    todo = stored(store, "alice")
    with pytest.raises(PreconditionFailed):
        store.delete("alice", todo.todo_id, frozenset({2, 3}))
    assert store.get("alice", todo.todo_id) == todo


class TestAddOnce:
    def test_a_new_key_stores_the_todo_and_its_record(self, store, dynamodb):
        todo = create_todo(NewTodo(text="x"))
        assert store.add("alice", todo, idempotency_record("k", NewTodo(text="x"))) == todo
        assert item_count(dynamodb) == 2
        assert store.page("alice", limit=10).todos == [todo]

    def test_a_repeat_returns_the_first_todo_and_stores_nothing(self, store, dynamodb):
        first = create_todo(NewTodo(text="x"))
        store.add("alice", first, idempotency_record("k", NewTodo(text="x")))
        second = create_todo(NewTodo(text="x"))
        assert store.add("alice", second, idempotency_record("k", NewTodo(text="x"))) == first
        assert item_count(dynamodb) == 2

    def test_the_same_key_for_another_request_is_refused(self, store, dynamodb):
        store.add(
            "alice", create_todo(NewTodo(text="x")), idempotency_record("k", NewTodo(text="x"))
        )
        with pytest.raises(IdempotencyKeyReused):
            store.add(
                "alice", create_todo(NewTodo(text="y")), idempotency_record("k", NewTodo(text="y"))
            )
        assert item_count(dynamodb) == 2

    def test_a_record_made_before_due_dates_replays_its_todo_without_one(self, store, dynamodb):
        record = idempotency_record("k", NewTodo(text="older than due dates", checked=True))
        dynamodb.put_item(
            TableName=TABLE,
            Item={
                "ownerId": {"S": "alice"},
                "todoId": {"S": f"idempotency#{record.key_digest}"},
                "requestDigest": {"S": record.request_digest},
                "todo": {"M": ITEM_BEFORE_DUE_DATES},
                TTL_ATTRIBUTE: {"N": str(record.expires_at)},
            },
        )
        replayed = store.add("alice", create_todo(NewTodo(text="ignored")), record)
        assert (replayed.todo_id, replayed.version, replayed.due_date) == (
            ITEM_BEFORE_DUE_DATES["todoId"]["S"],
            3,
            None,
        )
        assert item_count(dynamodb) == 1

    def test_records_carry_the_ttl_attribute(self, store, dynamodb):
        record = idempotency_record("k", NewTodo(text="x"))
        store.add("alice", create_todo(NewTodo(text="x")), record)
        items = dynamodb.scan(TableName=TABLE)["Items"]
        (stored_record,) = [item for item in items if TTL_ATTRIBUTE in item]
        assert stored_record[TTL_ATTRIBUTE] == {"N": str(record.expires_at)}
        assert stored_record["todoId"]["S"] == f"idempotency#{record.key_digest}"


def test_the_table_expires_idempotency_records_through_ttl(dynamodb):
    ttl = dynamodb.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": TTL_ATTRIBUTE}
