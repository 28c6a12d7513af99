"""List cursors: opaque, tamper-proof, bound to their owner; Link headers to the next page."""

import base64

import pytest

from chalicelib.errors import InvalidCursor
from chalicelib.model import NewTodo, create_todo
from chalicelib.paging import CursorCodec, next_link

TODO_ID = create_todo(NewTodo(text="x")).todo_id


@pytest.fixture
def codec():
    return CursorCodec("a-signing-secret-of-the-stage-0123456789")


def test_a_cursor_decodes_to_the_position_it_encodes(codec):
    assert codec.decode("alice", codec.encode("alice", TODO_ID)) == TODO_ID


def test_a_cursor_is_opaque_and_url_safe(codec):
    cursor = codec.encode("alice", TODO_ID)
    assert TODO_ID not in cursor
    assert "alice" not in cursor
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_another_owners_cursor_is_refused(codec):
    with pytest.raises(InvalidCursor):
        codec.decode("bob", codec.encode("alice", TODO_ID))


def test_a_cursor_from_another_secret_is_refused(codec):
    other = CursorCodec("another-stage-secret-0123456789abcdef")
    with pytest.raises(InvalidCursor):
        codec.decode("alice", other.encode("alice", TODO_ID))


def test_every_single_character_change_is_refused(codec):
    cursor = codec.encode("alice", TODO_ID)
    for index, character in enumerate(cursor):
        replacement = "A" if character != "A" else "B"
        with pytest.raises(InvalidCursor):
            codec.decode("alice", cursor[:index] + replacement + cursor[index + 1 :])


def test_a_cursor_with_an_altered_position_is_refused(codec):
    raw = bytearray(base64.urlsafe_b64decode(codec.encode("alice", TODO_ID) + "=="))
    raw[15] ^= 1
    forged = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    with pytest.raises(InvalidCursor):
        codec.decode("alice", forged)


@pytest.mark.parametrize(
    "cursor", ["x", "not base64!", "é", "A" * 43, "A" * 44, "A" * 200, "====", "AAAA\n"]
)
def test_malformed_cursors_are_refused(codec, cursor):
    with pytest.raises(InvalidCursor):
        codec.decode("alice", cursor)


def test_padded_spellings_of_a_valid_cursor_are_refused(codec):
    with pytest.raises(InvalidCursor):
        codec.decode("alice", codec.encode("alice", TODO_ID) + "=")


def test_the_next_link_keeps_the_path_limit_and_filter():
    link = next_link("/api/todos", 10, "abc-_", checked=False)
    assert link == '</api/todos?limit=10&cursor=abc-_&checked=false>; rel="next"'


def test_the_next_link_has_no_filter_when_none_was_given():
    assert next_link("/todos", 50, "c", None) == '</todos?limit=50&cursor=c>; rel="next"'
