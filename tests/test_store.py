"""TodoStore directly against moto: keys, conditions and owner partitions."""

import pytest

from chalicelib.errors import TodoNotFound
from chalicelib.model import NewTodo, TodoChanges, create_todo
from chalicelib.store import TodoStore
from tests.conftest import LOCAL

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


def test_add_never_overwrites_an_existing_todo(store, dynamodb):
    todo = stored(store, "alice", "original")
    clash = create_todo(NewTodo(text="impostor"))
    with pytest.raises(dynamodb.exceptions.ConditionalCheckFailedException):
        store.add("alice", type(clash)(**{**clash.__dict__, "todo_id": todo.todo_id}))
    assert store.get("alice", todo.todo_id).text == "original"


def test_get_of_another_owners_todo_is_not_found(store):
    todo = stored(store, "alice")
    with pytest.raises(TodoNotFound):
        store.get("bob", todo.todo_id)


def test_list_reads_only_the_owners_partition_oldest_first(store):
    alices = [stored(store, "alice", f"a{n}") for n in range(4)]
    stored(store, "bob", "b0")
    assert store.list("alice", limit=10).todos == alices
    assert [todo.text for todo in store.list("bob", limit=10).todos] == ["b0"]


def test_list_returns_at_most_limit_items(store):
    todos = [stored(store, "alice", f"a{n}") for n in range(5)]
    page = store.list("alice", limit=2)
    assert page.todos == todos[:2]
    assert page.last_todo_id == todos[1].todo_id


def test_update_applies_only_the_given_fields_and_bumps_version(store):
    todo = stored(store, "alice", "text")
    updated = store.update("alice", todo.todo_id, TodoChanges(checked=True))
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
