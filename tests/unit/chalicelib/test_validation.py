"""Request parsing: every bad input is an InvalidRequest (or, for ids, a TodoNotFound)."""

import json

import pytest

from chalicelib.errors import InvalidRequest, TodoNotFound, UnsupportedMediaType
from chalicelib.model import NewTodo, TodoChanges
from chalicelib.validation import (
    ListQuery,
    parse_changes,
    parse_idempotency_key,
    parse_if_match,
    parse_list_query,
    parse_new_todo,
    parse_todo_id,
    require_json,
)


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON"]
)
def test_a_body_sent_as_json_is_accepted(content_type):
    require_json(content_type)


@pytest.mark.parametrize("content_type", [None, "", "text/plain", "application/jsonp"])
def test_a_body_not_sent_as_json_is_an_unsupported_media_type(content_type):
    with pytest.raises(UnsupportedMediaType):
        require_json(content_type)


def test_a_new_todo_defaults_to_unchecked():
    assert parse_new_todo(b'{"text": "x"}') == NewTodo(text="x", checked=False)


def test_a_new_todo_keeps_its_text_as_given():
    assert parse_new_todo(b'{"text": "  padded  "}')["text"] == "  padded  "


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
    assert parse_changes(b'{"checked": false}') == TodoChanges(checked=False)
    assert parse_changes(b'{"text": "t"}') == TodoChanges(text="t")


def test_an_empty_update_is_rejected():
    with pytest.raises(InvalidRequest, match="at least one of 'text', 'checked' and 'dueDate'"):
        parse_changes(b"{}")


@pytest.mark.parametrize("due", ["2026-12-24", "2028-02-29", "0001-01-01", "9999-12-31", None])
def test_a_due_date_is_a_calendar_date_or_null(due):
    body = json.dumps({"text": "x", "dueDate": due}).encode()
    assert parse_new_todo(body)["due_date"] == due
    assert parse_changes(json.dumps({"dueDate": due}).encode()) == TodoChanges(due_date=due)


def test_a_due_date_left_out_is_none_on_create_and_no_change_on_update():
    assert parse_new_todo(b'{"text": "x"}')["due_date"] is None
    assert "due_date" not in parse_changes(b'{"text": "x"}')


NOT_A_DATE = "'dueDate' must be a date as YYYY-MM-DD, or null"


@pytest.mark.parametrize(
    ("due", "message"),
    [
        ("2026-02-30", "'dueDate' must be a real date; 2026-02-30 is not one"),
        ("2025-02-29", "'dueDate' must be a real date; 2025-02-29 is not one"),
        ("2026-13-01", "'dueDate' must be a real date; 2026-13-01 is not one"),
        ("2026-00-10", "'dueDate' must be a real date; 2026-00-10 is not one"),
        ("0000-01-01", "'dueDate' must be a real date; 0000-01-01 is not one"),
        ("", NOT_A_DATE),
        ("2026-2-3", NOT_A_DATE),
        ("26-12-24", NOT_A_DATE),
        ("20261224", NOT_A_DATE),
        ("2026-W52-4", NOT_A_DATE),
        ("2026-12-24T00:00:00Z", NOT_A_DATE),
        (" 2026-12-24", NOT_A_DATE),
        ("2026-12-24\n", NOT_A_DATE),
        ("\uff12\uff10\uff12\uff16-12-24", NOT_A_DATE),  # full-width digits
        ("24/12/2026", NOT_A_DATE),
        (20261224, NOT_A_DATE),
        (True, NOT_A_DATE),
        (["2026-12-24"], NOT_A_DATE),
        ({"date": "2026-12-24"}, NOT_A_DATE),
    ],
)
def test_anything_else_as_a_due_date_says_what_is_wrong(due, message):
    for parse, body in (
        (parse_new_todo, {"text": "x", "dueDate": due}),
        (parse_changes, {"dueDate": due}),
    ):
        with pytest.raises(InvalidRequest) as refused:
            parse(json.dumps(body).encode())
        assert refused.value.message == message
        assert refused.value.code == "InvalidRequest"


@pytest.mark.parametrize(
    ("query", "limit"),
    [({}, 50), ({"limit": ["1"]}, 1), ({"limit": ["100"]}, 100)],
)
def test_limit_defaults_to_50_and_accepts_1_to_100(query, limit):
    assert parse_list_query(query).limit == limit


@pytest.mark.parametrize("raw", ["0", "101", "+5", " 5", "\u0663", "1e2", ""])
def test_limit_outside_1_to_100_or_not_a_number_is_rejected(raw):
    with pytest.raises(InvalidRequest, match="'limit'"):
        parse_list_query({"limit": [raw]})


def test_the_checked_filter_is_true_false_or_absent():
    assert parse_list_query({"checked": ["true"]}).checked is True
    assert parse_list_query({"checked": ["false"]}).checked is False
    assert parse_list_query({}) == ListQuery(limit=50, cursor=None, checked=None)


@pytest.mark.parametrize("raw", ["True", "1", "yes", ""])
def test_any_other_checked_filter_is_rejected(raw):
    with pytest.raises(InvalidRequest, match="'checked'"):
        parse_list_query({"checked": [raw]})


def test_unknown_query_parameters_are_rejected():
    with pytest.raises(InvalidRequest, match="limt"):
        parse_list_query({"limt": ["5"]})


def many_long_names(count=1000):
    return [f"{index:04d}" + "x" * 5000 for index in range(count)]


@pytest.mark.parametrize(
    "refuse",
    [
        lambda names: parse_list_query({name: ["1"] for name in names}),
        lambda names: parse_new_todo(json.dumps({"text": "t", **dict.fromkeys(names, 1)})),
        lambda names: parse_changes(json.dumps(dict.fromkeys(names, 1))),
    ],
    ids=["query", "create", "update"],
)
def test_an_unknown_name_message_is_bounded_however_many_and_long_the_names(refuse):
    with pytest.raises(InvalidRequest) as refused:
        refuse(many_long_names())
    message = refused.value.message
    assert len(message) <= 300, message
    assert "0000xxx" in message
    assert "…" in message
    assert message.endswith("and 995 more")


def test_an_unknown_name_message_lists_a_few_short_names_whole():
    with pytest.raises(InvalidRequest, match=r"^Unknown query parameter\(s\): a, b$"):
        parse_list_query({"b": ["1"], "a": ["1"]})


def test_an_empty_cursor_is_rejected():
    with pytest.raises(InvalidRequest, match="'cursor'"):
        parse_list_query({"cursor": [""]})


@pytest.mark.parametrize("name", ["limit", "cursor", "checked"])
def test_a_repeated_query_parameter_is_rejected_whatever_its_values(name):
    with pytest.raises(InvalidRequest, match=f"more than once: {name}"):
        parse_list_query({name: ["10", "10"]})


@pytest.mark.parametrize(
    ("header", "versions"),
    [(None, None), ("*", None), ('"3"', {3}), ('"3", "4"', {3, 4}), (' "7" ', {7})],
)
def test_if_match_names_the_versions_allowed(header, versions):
    assert parse_if_match(header) == (frozenset(versions) if versions else None)


@pytest.mark.parametrize(
    "header",
    [
        "",
        "3",
        '"abc"',
        'W/"3"',
        '"0"',
        '"3",',
        '"1" "2"',
        ", ".join(['"1"'] * 21),
        '"' + "9" * 19 + '"',
    ],
)
def test_a_malformed_if_match_is_rejected(header):
    with pytest.raises(InvalidRequest, match="If-Match"):
        parse_if_match(header)


@pytest.mark.parametrize("key", ["k", "order-42/retry", "~" * 128])
def test_idempotency_keys_are_visible_ascii_up_to_128(key):
    assert parse_idempotency_key(key) == key


@pytest.mark.parametrize("key", ["", "a" * 129, "with space", "tab\t", "é"])
def test_other_idempotency_keys_are_rejected(key):
    with pytest.raises(InvalidRequest, match="Idempotency-Key"):
        parse_idempotency_key(key)


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


@pytest.mark.parametrize("value", ["abc", "x" * 100_000, "<script>alert(1)</script>"])
def test_an_id_that_is_not_a_todo_id_is_not_echoed(value):
    with pytest.raises(TodoNotFound) as refused:
        parse_todo_id(value)
    assert value not in refused.value.message
    assert len(refused.value.message) < 100
