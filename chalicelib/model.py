"""The todo resource and the rules for making one."""

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


def create_todo(draft: NewTodo) -> Todo:
    # Imported here: uuid6 loads importlib.metadata (8-17 ms measured by make bench), and
    # only a create needs it, not every cold start of the authorizer and the API handler.
    from uuid6 import uuid7

    now = utc_timestamp()
    return Todo(
        todo_id=str(uuid7()),
        text=draft.text,
        checked=draft.checked,
        created_at=now,
        updated_at=now,
        version=1,
    )


def is_todo_id(value: str) -> bool:
    """Whether value could name a todo; anything else cannot exist, so it is a 404."""
    return _TODO_ID.fullmatch(value) is not None
