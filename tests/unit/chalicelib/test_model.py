"""The todo resource: ids ordered by creation, timestamps in UTC with milliseconds."""

import re
import time
import uuid
from datetime import UTC, datetime

import pytest

from chalicelib import model
from chalicelib.model import (
    NewTodo,
    TodoChanges,
    create_todo,
    is_todo_id,
    new_todo_id,
    utc_timestamp,
)

# 2026-12-01T00:00:00.123456789Z
NOW_NS = 1_796_083_200_123_456_789
# Where a UUIDv7 keeps its random bits: all but the time, the version and the variant.
RANDOM_BITS = [*range(62), *range(64, 76)]


def test_new_todos_start_at_version_1_with_equal_timestamps():
    todo = create_todo(NewTodo(text="x", checked=True))
    assert (todo.text, todo.checked, todo.version) == ("x", True, 1)
    assert todo.created_at == todo.updated_at


def test_a_draft_holds_the_defaults_of_the_fields_it_leaves_out():
    assert NewTodo(text="x") == {"text": "x", "checked": False, "due_date": None}
    assert create_todo(NewTodo(text="x")).checked is False


@pytest.mark.parametrize("values", [NewTodo, TodoChanges])
def test_a_name_no_field_has_is_refused(values):
    with pytest.raises(TypeError, match="chekced"):
        values(text="x", chekced=True)


def test_only_fields_an_update_may_change_are_changes():
    with pytest.raises(TypeError, match="version"):
        TodoChanges(version=7)


def test_a_new_todo_keeps_its_due_date():
    assert create_todo(NewTodo(text="x", due_date="2026-12-24")).due_date == "2026-12-24"


def test_a_field_whose_type_allows_none_is_nullable():
    nullable = {field.json_name: field.nullable for field in model.FIELDS}
    assert nullable == {name: name == "dueDate" for name in model.JSON_NAMES}
    assert {field.json_name: field.json_type for field in model.FIELDS}["dueDate"] == "string"


def test_ids_sort_in_creation_order():
    ids = [create_todo(NewTodo(text="x")).todo_id for _ in range(500)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_ids_are_url_safe_todo_ids():
    todo_id = create_todo(NewTodo(text="x")).todo_id
    assert is_todo_id(todo_id)
    assert re.fullmatch(r"[0-9a-f-]{36}", todo_id)


def _millisecond(todo_id: str) -> int:
    return uuid.UUID(todo_id).int >> 80


def test_an_id_is_a_canonical_uuid_of_version_7_and_the_rfc_variant():
    for _ in range(200):
        todo_id = new_todo_id()
        parsed = uuid.UUID(todo_id)
        assert (parsed.version, parsed.variant) == (7, uuid.RFC_4122)
        assert str(parsed) == todo_id


def test_an_id_holds_the_clocks_millisecond(monkeypatch):
    monkeypatch.setattr(model, "_last_id_millisecond", 0)
    monkeypatch.setattr(time, "time_ns", lambda: NOW_NS)
    assert _millisecond(new_todo_id()) == NOW_NS // 1_000_000


def test_ids_made_in_one_millisecond_or_after_the_clock_went_back_still_sort_in_order(
    monkeypatch,
):
    clock = [NOW_NS]
    monkeypatch.setattr(model, "_last_id_millisecond", 0)
    monkeypatch.setattr(time, "time_ns", lambda: clock[0])
    first, second = new_todo_id(), new_todo_id()
    clock[0] -= 5_000_000_000
    third = new_todo_id()
    assert first < second < third
    start = NOW_NS // 1_000_000
    assert [_millisecond(i) for i in (first, second, third)] == [start, start + 1, start + 2]


def test_every_random_bit_of_an_id_takes_both_values():
    values = [uuid.UUID(new_todo_id()).int for _ in range(400)]
    for bit in RANDOM_BITS:
        assert {value >> bit & 1 for value in values} == {0, 1}, bit


def test_timestamps_are_utc_iso8601_with_milliseconds():
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", utc_timestamp())


@pytest.mark.parametrize(
    "now_ns",
    [
        1_796_083_200_000_000_000,  # 2026-12-01 at midnight
        1_796_083_200_999_999_999,  # its last nanosecond: still .999
        1_796_083_201_000_123_456,  # the next second, as the kept text changes
        951_782_400_007_000_000,  # 2000-02-29
    ],
)
def test_a_timestamp_is_the_clocks_time_to_the_millisecond(monkeypatch, now_ns):
    monkeypatch.setattr(time, "time_ns", lambda: now_ns)
    expected = datetime.fromtimestamp(now_ns // 1_000_000 / 1000, UTC)
    assert utc_timestamp() == expected.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_the_json_form_uses_the_original_field_names():
    todo = create_todo(NewTodo(text="x"))
    assert todo.to_json() == {
        "todoId": todo.todo_id,
        "text": "x",
        "checked": False,
        "createdAt": todo.created_at,
        "updatedAt": todo.updated_at,
        "version": 1,
        "dueDate": None,
    }
