"""Writes the todo's schemas into chalicelib/openapi.json from the todo's one declaration:
`python -m tools.openapi_schema` (`make openapi`).

The document is written by hand but for what follows from the todo's fields
(chalicelib.model.Todo): the object shape (type, properties, required fields, no others)
of the component schemas Todo, NewTodo (a create's body) and TodoChanges (an update's).
This rewrites those keys and leaves every other one as it is. tests/unit/test_openapi_schema.py
fails when the committed file is not what this would write.
"""

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from chalicelib import openapi
from chalicelib.model import CREATABLE, FIELDS, UPDATABLE, Field

DOCUMENT = Path(openapi.PATH)
# The keys of a component schema that follow from the declaration.
DERIVED_KEYS = frozenset(
    {"type", "properties", "required", "additionalProperties", "minProperties"}
)


def not_blank_pattern() -> str:
    """A pattern that matches where some character is not white space, as Python's
    str.strip sees it. JSON Schema's \\s (ECMA-262's) is another set: it is spelled out."""
    spaces = [code for code in range(sys.maxunicode + 1) if chr(code).isspace()]
    runs: list[list[int]] = []
    for code in spaces:
        if runs and runs[-1][-1] == code - 1:
            runs[-1][-1] = code
        else:
            runs.append([code, code])
    spelled = (
        f"\\u{first:04x}" if first == last else f"\\u{first:04x}-\\u{last:04x}"
        for first, last in runs
    )
    return f"[^{''.join(spelled)}]"


def field_schema(field: Field) -> dict[str, Any]:
    pattern = f"^{field.pattern}$" if field.pattern else None
    schema = {
        "type": [field.json_type, "null"] if field.nullable else field.json_type,
        "format": field.format,
        "description": field.description or None,
        "minimum": field.minimum,
        "minLength": 1 if field.not_blank else None,
        "maxLength": field.max_length,
        "pattern": not_blank_pattern() if field.not_blank else pattern,
    }
    return {key: value for key, value in schema.items() if value is not None}


def _object(fields: Iterable[Field], required: Iterable[Field]) -> dict[str, Any]:
    properties = {field.json_name: field_schema(field) for field in fields}
    names = [field.json_name for field in required]
    return {
        "type": "object",
        "properties": properties,
        **({"required": names} if names else {}),
        "additionalProperties": False,
    }


def todo_schemas() -> dict[str, dict[str, Any]]:
    """The derived keys of the todo's three component schemas."""
    new_todo = _object(CREATABLE, [field for field in CREATABLE if field.create == "required"])
    for field in CREATABLE:
        if field.create == "optional":
            new_todo["properties"][field.json_name]["default"] = field.default
    return {
        "Todo": _object(FIELDS, FIELDS),
        "NewTodo": new_todo,
        # An update changes at least one field; an absent field is left as it is.
        "TodoChanges": {**_object(UPDATABLE, []), "minProperties": 1},
    }


def render(document: dict[str, Any]) -> str:
    """The document's text with the todo's schemas as the declaration has them."""
    schemas = document["components"]["schemas"]
    for name, derived in todo_schemas().items():
        # The hand-written keys keep their places; derived keys new to the schema go last.
        kept = {
            key: derived.get(key, value)
            for key, value in schemas.get(name, {}).items()
            if key in derived or key not in DERIVED_KEYS
        }
        schemas[name] = {**kept, **derived}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    argparse.ArgumentParser(description=__doc__).parse_args()
    committed = DOCUMENT.read_text(encoding="utf-8")
    written = render(json.loads(committed))
    if written == committed:
        print(f"{DOCUMENT}: already what the declaration says")
        return
    DOCUMENT.write_text(written, encoding="utf-8")
    print(f"{DOCUMENT}: rewritten from the declaration")


if __name__ == "__main__":
    main()
