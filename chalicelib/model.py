"""The todo resource: its fields, declared once, and the rules for making one.

`Todo`'s annotations are the declaration. Each names a field's Python attribute and type,
and its `Field` the rest: the JSON name (also the DynamoDB attribute's), constraints, who
sets it on create and whether an update may change it, its default. Validation
(chalicelib.validation), the store's items (chalicelib.store), the JSON shape
(`Todo.to_json`) and the OpenAPI schemas (`make openapi`, tools/openapi_schema.py) follow.
"""

import os
import re
import time
from functools import lru_cache
from typing import Annotated, Any, Literal, NamedTuple, get_args, get_type_hints

TEXT_MAX_LENGTH = 1000

# A UUIDv7 in canonical form: its text sorts like its creation time, so the store's
# key order is oldest first.
_TODO_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
_JSON_TYPES = {str: "string", bool: "boolean", int: "integer"}


class Field(NamedTuple):
    """How the API, the store and the OpenAPI document treat one field of the todo."""

    json_name: str
    description: str = ""
    # Who gives it on create: the server alone, or the client, who must or may.
    create: Literal["server", "required", "optional"] = "server"
    # Whether an update may change it.
    update: bool = False
    # What a create that leaves an optional field out gets.
    default: Any = None
    # Constraints, named as in JSON Schema; not_blank: some character is not white space.
    max_length: int | None = None
    not_blank: bool = False
    pattern: str | None = None
    format: str | None = None
    minimum: int | None = None
    # Filled in from the annotation, as dataclasses fill in a field's name and type.
    # nullable: None is a value (JSON null; no attribute in the item).
    attribute: str = ""
    json_type: str = ""
    nullable: bool = False


# createdAt and updatedAt: one kind of value, under two names.
_TIMESTAMP = Field("", "UTC, ISO 8601 with milliseconds and `Z`", format="date-time")


class Todo(NamedTuple):
    """A todo, as stored and as the API returns it."""

    todo_id: Annotated[
        str,
        Field(
            "todoId",
            "Server-made UUIDv7 in lower case: unique, URL-safe and ordered by creation time",
            pattern=_TODO_ID.pattern,
        ),
    ]
    text: Annotated[
        str,
        Field(
            "text",
            f"1 to {TEXT_MAX_LENGTH:,} characters, not only white space",
            create="required",
            update=True,
            max_length=TEXT_MAX_LENGTH,
            not_blank=True,
        ),
    ]
    checked: Annotated[bool, Field("checked", create="optional", update=True, default=False)]
    created_at: Annotated[str, _TIMESTAMP._replace(json_name="createdAt")]
    updated_at: Annotated[str, _TIMESTAMP._replace(json_name="updatedAt")]
    version: Annotated[
        int,
        Field(
            "version",
            "1 on create, then 1 more on every successful update; the ETag is this number "
            "in double quotes",
            minimum=1,
        ),
    ]
    due_date: Annotated[
        str | None,
        Field(
            "dueDate",
            "The day the todo is due, YYYY-MM-DD; null for none",
            create="optional",
            update=True,
            format="date",
        ),
    ]

    def to_json(self) -> dict[str, Any]:
        # Not strict: JSON_NAMES is made from these very fields, and the check would cost a
        # listed todo 2,000 instructions (make bench-instructions).
        return {name: value for name, value in zip(JSON_NAMES, self, strict=False)}


def _declared(attribute: str, hint: Any) -> Field:
    python_type, field = get_args(hint)
    types = set(get_args(python_type)) or {python_type}  # str | None: {str, NoneType}
    (json_type,) = {_JSON_TYPES[kind] for kind in types - {type(None)}}
    declared: Field = field._replace(
        attribute=attribute, json_type=json_type, nullable=type(None) in types
    )
    return declared


FIELDS: tuple[Field, ...] = tuple(
    _declared(name, hint) for name, hint in get_type_hints(Todo, include_extras=True).items()
)
JSON_NAMES = tuple(field.json_name for field in FIELDS)
# What a client may give on create, and on update.
CREATABLE = tuple(field for field in FIELDS if field.create != "server")
UPDATABLE = tuple(field for field in FIELDS if field.update)
_CREATE_DEFAULTS = {
    field.attribute: field.default for field in CREATABLE if field.create == "optional"
}


_CREATE_ATTRIBUTES = frozenset(field.attribute for field in CREATABLE)
_UPDATE_ATTRIBUTES = frozenset(field.attribute for field in UPDATABLE)


def _only(attributes: frozenset[str], values: dict[str, Any]) -> dict[str, Any]:
    """values, if each names one of attributes: a misspelt name fails, as with a NamedTuple."""
    if not attributes.issuperset(values):
        unknown = ", ".join(sorted(set(values) - attributes))
        raise TypeError(f"no field may be given as {unknown}")
    return values


class NewTodo(dict[str, Any]):
    """What a create asks for: a value for every field a client may give, by attribute
    name; those left out at their defaults."""

    def __init__(self, **values: Any) -> None:
        super().__init__(_CREATE_DEFAULTS, **_only(_CREATE_ATTRIBUTES, values))


class TodoChanges(dict[str, Any]):
    """What an update asks for: the fields to change, by attribute name, and nothing else."""

    def __init__(self, **values: Any) -> None:
        super().__init__(_only(_UPDATE_ATTRIBUTES, values))


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
    return Todo(todo_id=new_todo_id(), created_at=now, updated_at=now, version=1, **draft)


def is_todo_id(value: str) -> bool:
    """Whether value could name a todo; anything else cannot exist, so it is a 404."""
    return _TODO_ID.fullmatch(value) is not None
