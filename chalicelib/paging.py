"""Opaque, tamper-proof list cursors, each bound to the owner it was made for.

A cursor is the id of the last todo a page returned (16 bytes) and an HMAC-SHA256 tag
(16 bytes) over the owner and that id, base64url-encoded. The tag's key is derived
from the stage's signing secret, so a client can neither forge a position nor reuse
another owner's cursor, and a cursor can never pass for a token.
"""

import base64
import binascii
import hashlib
import hmac
from typing import NamedTuple
from urllib.parse import urlencode

from chalicelib import settings
from chalicelib.errors import InvalidCursor
from chalicelib.model import Todo, canonical_uuid, is_todo_id
from chalicelib.signing import signing_secret

_ID_BYTES = 16
_TAG_BYTES = 16
_KEY_LABEL = b"todo-api/list-cursor/v1"


class Page(NamedTuple):
    todos: list[Todo]
    # The id of the last todo read when more may follow; None on the last page.
    last_todo_id: str | None


def _text(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class CursorCodec:
    def __init__(self, signing_secret: str) -> None:
        self._key = hmac.new(signing_secret.encode(), _KEY_LABEL, hashlib.sha256).digest()

    def _tag(self, owner_id: str, id_bytes: bytes) -> bytes:
        message = owner_id.encode() + b"\0" + id_bytes
        return hmac.new(self._key, message, hashlib.sha256).digest()[:_TAG_BYTES]

    def encode(self, owner_id: str, todo_id: str) -> str:
        id_bytes = bytes.fromhex(todo_id.replace("-", ""))
        return _text(id_bytes + self._tag(owner_id, id_bytes))

    def decode(self, owner_id: str, cursor: str) -> str:
        """The todo id the cursor stands after; InvalidCursor if it was not made for owner."""
        try:
            raw = base64.urlsafe_b64decode(cursor.encode("ascii") + b"==")
        except (UnicodeEncodeError, binascii.Error, ValueError):
            raise InvalidCursor from None
        # One spelling per cursor: no padding games, no characters outside the alphabet.
        if len(raw) != _ID_BYTES + _TAG_BYTES or cursor != _text(raw):
            raise InvalidCursor
        id_bytes, tag = raw[:_ID_BYTES], raw[_ID_BYTES:]
        if not hmac.compare_digest(tag, self._tag(owner_id, id_bytes)):
            raise InvalidCursor
        todo_id = canonical_uuid(id_bytes.hex())
        if not is_todo_id(todo_id):
            raise InvalidCursor
        return todo_id


def cursor_codec() -> CursorCodec:
    """The codec of this stage, keyed from its signing secret."""
    return CursorCodec(signing_secret(settings.token_settings()))


def next_link(path: str, limit: int, cursor: str, checked: bool | None) -> str:
    """A Link header to the next page; path is the request's, stage prefix included."""
    query = {"limit": str(limit), "cursor": cursor}
    if checked is not None:
        query["checked"] = "true" if checked else "false"
    return f'<{path}?{urlencode(query)}>; rel="next"'
