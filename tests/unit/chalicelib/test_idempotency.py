"""What an idempotent create remembers: digests of key and request, and a 24 h window."""

import hashlib
import time

import pytest

from chalicelib.idempotency import WINDOW_SECONDS, idempotency_record
from chalicelib.model import CREATABLE, NewTodo


def test_the_same_request_gives_the_same_digests():
    first = idempotency_record("key-1", NewTodo(text="a"))
    second = idempotency_record("key-1", NewTodo(text="a", checked=False))
    assert (first.key_digest, first.request_digest) == (second.key_digest, second.request_digest)


def test_a_different_body_gives_a_different_request_digest():
    first = idempotency_record("key-1", NewTodo(text="a"))
    assert idempotency_record("key-1", NewTodo(text="b")).request_digest != first.request_digest
    assert (
        idempotency_record("key-1", NewTodo(text="a", checked=True)).request_digest
        != first.request_digest
    )


def test_keys_are_kept_only_as_digests():
    record = idempotency_record("customer-secret-key", NewTodo(text="a"))
    assert "customer-secret-key" not in repr(record)
    assert len(record.key_digest) == 64


def test_a_record_expires_after_24_hours():
    before = int(time.time())
    record = idempotency_record("k", NewTodo(text="a"))
    assert before <= record.created_at <= int(time.time())
    assert record.expires_at - record.created_at == WINDOW_SECONDS == 24 * 3600


@pytest.mark.parametrize("field", CREATABLE, ids=lambda field: field.json_name)
def test_every_field_a_create_may_give_is_part_of_the_request_digest(field):
    """A field declared later can never make a different request pass for a repeat."""
    draft = NewTodo(text="a")
    other = NewTodo(**{**draft, field.attribute: "another value"})
    assert idempotency_record("k", other).request_digest != (
        idempotency_record("k", draft).request_digest
    )


def test_records_made_before_the_digest_took_the_whole_draft_still_match():
    expected = hashlib.sha256(b'{"checked": false, "text": "a"}').hexdigest()
    assert idempotency_record("k", NewTodo(text="a")).request_digest == expected
    # Made before dueDate too: a draft without one is digested as it was.
    assert idempotency_record("k", NewTodo(text="a", due_date=None)).request_digest == expected


def test_a_due_date_is_part_of_the_request():
    digest = idempotency_record("k", NewTodo(text="a", due_date="2026-12-24")).request_digest
    expected = b'{"checked": false, "dueDate": "2026-12-24", "text": "a"}'
    assert digest == hashlib.sha256(expected).hexdigest()
