"""Idempotent creates: what is remembered of a POST made with an Idempotency-Key.

The store keeps one record per owner and key for WINDOW_SECONDS (DynamoDB's TTL
deletes it later; until then an expired record is simply overwritten). Keys and
bodies are kept only as digests: a key may be anything a client chose.
"""

import hashlib
import json
import time
from typing import NamedTuple

from chalicelib.model import CREATABLE, NewTodo

WINDOW_SECONDS = 24 * 60 * 60


class IdempotencyRecord(NamedTuple):
    key_digest: str
    # The same key with a different request is refused, so the request is remembered too.
    request_digest: str
    created_at: int
    expires_at: int


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def idempotency_record(key: str, draft: NewTodo) -> IdempotencyRecord:
    # The parsed request, not its bytes: {"text": "a"} and {"checked": false, "text": "a"}
    # ask for the same todo. Every field a create may give, so that a field added later
    # can never make a different request pass for a repeat; by JSON name, the API's
    # contract, so that renaming an attribute cannot make a repeat pass for another.
    # None (null) is left out: it is no value, as when absent, so a request without the
    # fields added since is digested as before and its remembered repeat still matches.
    given = {f.json_name: draft[f.attribute] for f in CREATABLE if draft[f.attribute] is not None}
    request = json.dumps(given, sort_keys=True)
    now = int(time.time())
    return IdempotencyRecord(
        key_digest=_digest(key),
        request_digest=_digest(request),
        created_at=now,
        expires_at=now + WINDOW_SECONDS,
    )
