"""The API's OpenAPI 3.1 document, chalicelib/openapi.json: the contract clients code against."""

import json
import os
from functools import cache
from typing import Any

# os.path, not pathlib: pathlib would cost the first GET /openapi.json ~1 ms more.
PATH = os.path.join(os.path.dirname(__file__), "openapi.json")


@cache
def document() -> dict[str, Any]:
    """Read lazily: it ships in the Lambda zip, but the authorizer (same code) never needs it."""
    with open(PATH, encoding="utf-8") as document_file:
        loaded: dict[str, Any] = json.load(document_file)
    return loaded
