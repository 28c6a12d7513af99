"""Request parsing: every bad input is an InvalidRequest (or, for ids, a TodoNotFound)."""

import pytest

from chalicelib.errors import InvalidRequest, TodoNotFound
from chalicelib.model import NewTodo, TodoChanges
from chalicelib.validation import parse_changes, parse_limit, parse_new_todo, parse_todo_id


def test_a_new_todo_defaults_to_unchecked():
    assert parse_new_todo(b'{"text": "x"}') == NewTodo(text="x", checked=False)


def test_a_new_todo_keeps_its_text_as_given():
    assert parse_new_todo(b'{"text": "  padded  "}').text == "  padded  "


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (None, "must be a JSON object"),
        (b"[]", "must be a JSON object"),
        (b"{x", "not valid JSON"),
        (b'{"text": "x", "a": 1, "b": 2}', "Unknown field(s): a, b"),
        (b"{}", "'text' is required"),
        (b'{"text": 1}', "'text' must be a string"),
        (b'{"text": " "}', "must not be empty"),
        (b'{"text": "x", "checked": "true"}', "'checked' must be true or false"),
    ],
)
def test_invalid_new_todos_say_what_is_wrong(body, message):
    with pytest.raises(InvalidRequest, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_new_todo(body)


def test_changes_hold_only_the_given_fields():
    assert parse_changes(b'{"checked": false}') == TodoChanges(text=None, checked=False)
    assert parse_changes(b'{"text": "t"}') == TodoChanges(text="t", checked=None)


def test_an_empty_update_is_rejected():
    with pytest.raises(InvalidRequest, match="at least one"):
        parse_changes(b"{}")


@pytest.mark.parametrize(
    ("query", "limit"), [(None, 50), ({}, 50), ({"limit": "1"}, 1), ({"limit": "100"}, 100)]
)
def test_limit_defaults_to_50_and_accepts_1_to_100(query, limit):
    assert parse_limit(query) == limit


@pytest.mark.parametrize("raw", ["0", "101", "+5", " 5", "٣", "1e2"])
def test_limit_outside_1_to_100_or_not_a_number_is_rejected(raw):
    with pytest.raises(InvalidRequest):
        parse_limit({"limit": raw})


def test_a_uuid7_is_a_todo_id():
    assert parse_todo_id("01a20fc8-3d99-7d70-9d88-dcfbbdd3913d")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "abc",
        "01a20fc8-3d99-4d70-9d88-dcfbbdd3913d",
        "01A20FC8-3D99-7D70-9D88-DCFBBDD3913D",
        "01a20fc8-3d99-7d70-9d88-dcfbbdd3913d\n",
    ],
)
def test_anything_else_is_not_found(value):
    with pytest.raises(TodoNotFound):
        parse_todo_id(value)
