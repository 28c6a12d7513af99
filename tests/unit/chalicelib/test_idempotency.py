"""What an idempotent create remembers: digests of key and request, and a 24 h window."""

import hashlib
import time
from typing import NamedTuple

from chalicelib.idempotency import WINDOW_SECONDS, idempotency_record
from chalicelib.model import NewTodo


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


class _DraftWithAFieldAddedLater(NamedTuple):
    text: str
    checked: bool = False
    due: str | None = None


def test_every_field_of_the_draft_is_part_of_the_request_digest():
    """A field added to NewTodo later can never make a different request pass for a repeat."""
    first = idempotency_record("k", _DraftWithAFieldAddedLater(text="a", due="2026-12-24"))
    second = idempotency_record("k", _DraftWithAFieldAddedLater(text="a", due="2027-01-01"))
    assert first.request_digest != second.request_digest


def test_records_made_before_the_digest_took_the_whole_draft_still_match():
    expected = hashlib.sha256(b'{"checked": false, "text": "a"}').hexdigest()
    assert idempotency_record("k", NewTodo(text="a")).request_digest == expected
