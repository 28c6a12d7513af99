"""The todo resource and the rules for making one."""

import os
import re
import time
from functools import lru_cache
from typing import Any, NamedTuple

TEXT_MAX_LENGTH = 1000

# A UUIDv7 in canonical form: its text sorts like its creation time, so the store's
# key order is oldest first.
_TODO_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


class Todo(NamedTuple):
    todo_id: str
    text: str
    checked: bool
    created_at: str
    updated_at: str
    version: int

    def to_json(self) -> dict[str, Any]:
        return {
            "todoId": self.todo_id,
            "text": self.text,
            "checked": self.checked,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "version": self.version,
        }


class NewTodo(NamedTuple):
    text: str
    checked: bool = False


class TodoChanges(NamedTuple):
    """A partial update: None means "leave as it is"."""

    text: str | None = None
    checked: bool | None = None


def utc_timestamp() -> str:
    """Now, as ISO 8601 in UTC with milliseconds and a Z."""
    second, millisecond = divmod(time.time_ns() // 1_000_000, 1000)
    return f"{_utc_second(second)}.{millisecond:03d}Z"


# Formatting is most of a timestamp's cost (1.6 µs with datetime), and every write asks
# for one: the text of the current second is kept until the clock leaves it.
@lru_cache(maxsize=1)
def _utc_second(second: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))


# A UUIDv7's 128 bits (RFC 9562): 48 of Unix time in milliseconds, then the version (7),
# 12 random bits, the variant (binary 10) and 62 random bits.
_VERSION_AND_VARIANT = 0x7 << 76 | 0b10 << 62
_RANDOM_BITS = 0xFFF << 64 | (1 << 62) - 1
_last_id_millisecond = 0


def new_todo_id() -> str:
    """A UUIDv7 in canonical text, later than every id this process made before.

    Made here rather than by a library: uuid6, the package that made them, loaded
    importlib.metadata on the first create of every container (8-17 ms), and its UUID
    object made a warm create 3% slower (docs/operations.md). Python 3.14's uuid.uuid7
    can replace this once the runtime has it. Like uuid6, an id made within the
    millisecond of the one before (or with the clock set back) takes the next
    millisecond, so that a process's ids sort in the order they were made.
    """
    global _last_id_millisecond
    millisecond = max(time.time_ns() // 1_000_000, _last_id_millisecond + 1)
    _last_id_millisecond = millisecond
    random = int.from_bytes(os.urandom(10)) & _RANDOM_BITS
    return canonical_uuid(f"{millisecond << 80 | _VERSION_AND_VARIANT | random:032x}")


def canonical_uuid(digits: str) -> str:
    """A UUID's 32 hex digits in its canonical 8-4-4-4-12 form."""
    # Not by the uuid module: it would cost the cold start of every function ~2 ms (it
    # loads platform), and its UUID object a warm create 2-3% of its time.
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def create_todo(draft: NewTodo) -> Todo:
    now = utc_timestamp()
    return Todo(
        todo_id=new_todo_id(),
        text=draft.text,
        checked=draft.checked,
        created_at=now,
        updated_at=now,
        version=1,
    )


def is_todo_id(value: str) -> bool:
    """Whether value could name a todo; anything else cannot exist, so it is a 404."""
    return _TODO_ID.fullmatch(value) is not None
