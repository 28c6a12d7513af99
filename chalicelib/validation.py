"""Turns request bodies into domain values, or says exactly why not.

Which fields a body may hold, and what each may be, is the todo's declaration
(chalicelib.model.Todo); this module words the refusals.
"""

import json
import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, NamedTuple

from chalicelib.errors import InvalidRequest, TodoNotFound, UnsupportedMediaType
from chalicelib.model import CREATABLE, UPDATABLE, Field, NewTodo, TodoChanges, is_todo_id

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
_LIST_PARAMETERS = frozenset({"limit", "cursor", "checked"})
# ASCII only: str.isdecimal() would also take digits of other scripts.
_DIGITS = re.compile(r"[0-9]{1,3}")
# A strong ETag as this API makes them: a version number in quotes.
_ETAG = re.compile(r'"[1-9][0-9]{0,17}"')
MAX_IF_MATCH_TAGS = 20
_IDEMPOTENCY_KEY = re.compile(r"[!-~]{1,128}")
# RFC 3339's full-date, as JSON Schema's format "date" is. ASCII digits only: fromisoformat
# alone would also take 20261224 and 2026-W52-4.
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# How many unknown names a refusal lists, and how much of each.
_NAMES_SHOWN = 5
_NAME_CHARS = 40


def require_json(content_type: str | None) -> None:
    """A request body must say it is JSON: without a Content-Type, nothing says so."""
    media_type = (content_type or "").partition(";")[0].strip().lower()
    if media_type != "application/json":
        raise UnsupportedMediaType


def _json_object(raw_body: bytes | str | None, allowed: frozenset[str]) -> dict[str, Any]:
    if not raw_body:
        raise InvalidRequest("The request body must be a JSON object")
    try:
        body = json.loads(raw_body)
    except (ValueError, RecursionError):
        raise InvalidRequest("The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object")
    if not allowed.issuperset(body):
        raise InvalidRequest(f"Unknown field(s): {_some_names(set(body) - allowed)}")
    return body


def _some_names(names: set[str]) -> str:
    """The first few names, in order, each cut short: a request may send thousands of
    names, each of any length, and a refusal need not repeat them all."""
    ordered = sorted(names)
    shown = [
        name if len(name) <= _NAME_CHARS else name[: _NAME_CHARS - 1] + "…"
        for name in ordered[:_NAMES_SHOWN]
    ]
    more = len(ordered) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more else "")


def _string(field: Field, value: Any) -> str:
    name = field.json_name
    if not isinstance(value, str):
        raise InvalidRequest(f"'{name}' must be a string")
    if field.not_blank and not value.strip():
        raise InvalidRequest(f"'{name}' must not be empty or only white space")
    if field.max_length is not None and len(value) > field.max_length:
        raise InvalidRequest(f"'{name}' must be at most {field.max_length} characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # JSON can spell lone surrogates ("\\ud800") that no UTF-8 store accepts.
        raise InvalidRequest(f"'{name}' must be valid Unicode") from None
    return value


def _boolean(field: Field, value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidRequest(f"'{field.json_name}' must be true or false")
    return value


def _date(field: Field, value: Any) -> str:
    name = field.json_name
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        or_null = ", or null" if field.nullable else ""
        raise InvalidRequest(f"'{name}' must be a date as YYYY-MM-DD{or_null}")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise InvalidRequest(f"'{name}' must be a real date; {value} is not one") from None
    return value


Parse = Callable[[Field, Any], Any]
# Each format, or else JSON type, a client may give a field of. A settable field of
# another fails here, at import, not on some request.
_PARSERS: dict[str, Parse] = {"string": _string, "boolean": _boolean, "date": _date}


def _parser(field: Field) -> Parse:
    parse = _PARSERS[field.format or field.json_type]
    return _or_null(parse) if field.nullable else parse


def _or_null(parse: Parse) -> Parse:
    def parse_or_null(field: Field, value: Any) -> Any:
        return None if value is None else parse(field, value)

    return parse_or_null


_ON_CREATE = tuple((field, _parser(field)) for field in CREATABLE)
_ON_UPDATE = tuple((field, _parser(field)) for field in UPDATABLE)
_CREATE_NAMES = frozenset(field.json_name for field in CREATABLE)
_UPDATE_NAMES = frozenset(field.json_name for field in UPDATABLE)


def _in_words(names: list[str]) -> str:
    quoted = [f"'{name}'" for name in names]
    return f"{', '.join(quoted[:-1])} and {quoted[-1]}" if len(quoted) > 1 else quoted[0]


_EMPTY_UPDATE = f"Give at least one of {_in_words([f.json_name for f in UPDATABLE])} to change"


def parse_new_todo(raw_body: bytes | str | None) -> NewTodo:
    body = _json_object(raw_body, _CREATE_NAMES)
    values: dict[str, Any] = {}
    for field, parse in _ON_CREATE:
        if field.json_name in body:
            values[field.attribute] = parse(field, body[field.json_name])
        elif field.create == "required":
            raise InvalidRequest(f"'{field.json_name}' is required")
    return NewTodo(**values)


def parse_changes(raw_body: bytes | str | None) -> TodoChanges:
    body = _json_object(raw_body, _UPDATE_NAMES)
    if not body:
        raise InvalidRequest(_EMPTY_UPDATE)
    return TodoChanges(
        **{
            field.attribute: parse(field, body[field.json_name])
            for field, parse in _ON_UPDATE
            if field.json_name in body
        }
    )


def parse_todo_id(value: str) -> str:
    """The id from a URL; one that no todo can have is not found, without asking the store."""
    if not is_todo_id(value):
        raise TodoNotFound
    return value


class ListQuery(NamedTuple):
    limit: int
    cursor: str | None
    checked: bool | None


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_PAGE_SIZE
    if not _DIGITS.fullmatch(raw) or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise InvalidRequest(f"'limit' must be a whole number from 1 to {MAX_PAGE_SIZE}")
    return int(raw)


def _checked_filter(raw: str | None) -> bool | None:
    if raw is None:
        return None
    if raw not in ("true", "false"):
        raise InvalidRequest("'checked' must be true or false")
    return raw == "true"


def _single_values(parameters: Mapping[str, list[str]]) -> dict[str, str]:
    """Each parameter's one value: a repeated one would have all but one go unchecked."""
    unknown = set(parameters) - _LIST_PARAMETERS
    if unknown:
        raise InvalidRequest(f"Unknown query parameter(s): {_some_names(unknown)}")
    repeated = sorted(name for name, values in parameters.items() if len(values) != 1)
    if repeated:
        raise InvalidRequest(f"Query parameter(s) given more than once: {', '.join(repeated)}")
    return {name: values[0] for name, values in parameters.items()}


def parse_list_query(parameters: Mapping[str, list[str]]) -> ListQuery:
    """The listing's query, from each parameter's values as the gateway received them."""
    query = _single_values(parameters)
    cursor = query.get("cursor")
    if cursor is not None and not cursor:
        raise InvalidRequest("'cursor' must not be empty")
    return ListQuery(_limit(query.get("limit")), cursor, _checked_filter(query.get("checked")))


def parse_if_match(header: str | None) -> frozenset[int] | None:
    """The versions If-Match allows; None when any existing version will do."""
    if header is None or header.strip() == "*":
        return None
    tags = [tag.strip() for tag in header.split(",")]
    if not 0 < len(tags) <= MAX_IF_MATCH_TAGS or not all(_ETAG.fullmatch(t) for t in tags):
        raise InvalidRequest(
            f'If-Match must be * or up to {MAX_IF_MATCH_TAGS} ETags of this API, like "3"'
        )
    return frozenset(int(tag.strip('"')) for tag in tags)


def parse_idempotency_key(header: str | None) -> str | None:
    if header is None:
        return None
    if not _IDEMPOTENCY_KEY.fullmatch(header):
        raise InvalidRequest("Idempotency-Key must be 1 to 128 visible ASCII characters")
    return header
