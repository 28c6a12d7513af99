"""The API's OpenAPI 3.1 document, chalicelib/openapi.json: the contract clients code against."""

import json
from functools import cache
from pathlib import Path
from typing import Any

_PATH = Path(__file__).with_name("openapi.json")


@cache
def document() -> dict[str, Any]:
    """Read lazily: it ships in the Lambda zip, but the authorizer (same code) never needs it."""
    return json.loads(_PATH.read_text(encoding="utf-8"))
