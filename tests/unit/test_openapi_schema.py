"""tools/openapi_schema.py: the todo's schemas in the OpenAPI document follow its declaration."""

import copy
import json
import re

from chalicelib import openapi
from chalicelib.model import CREATABLE, FIELDS, UPDATABLE, Field
from tools import openapi_schema

COMMITTED = openapi_schema.DOCUMENT.read_text(encoding="utf-8")


def test_the_committed_document_is_what_make_openapi_writes():
    assert openapi_schema.render(json.loads(COMMITTED)) == COMMITTED, (
        "chalicelib/openapi.json is stale: run make openapi"
    )


def test_the_generator_rewrites_the_derived_keys_and_keeps_the_hand_written_ones():
    document = copy.deepcopy(openapi.document())
    schemas = document["components"]["schemas"]
    schemas["Todo"]["properties"].pop("text")
    schemas["NewTodo"]["required"] = []
    schemas["TodoChanges"]["additionalProperties"] = True
    schemas["Todo"]["examples"] = ["hand-written"]
    expected = copy.deepcopy(openapi.document())
    expected["components"]["schemas"]["Todo"]["examples"] = ["hand-written"]
    assert json.loads(openapi_schema.render(document)) == expected


def test_each_schema_holds_the_fields_a_client_sees_gives_or_changes():
    schemas = openapi_schema.todo_schemas()
    assert list(schemas["Todo"]["properties"]) == [field.json_name for field in FIELDS]
    assert schemas["Todo"]["required"] == [field.json_name for field in FIELDS]
    assert list(schemas["NewTodo"]["properties"]) == [field.json_name for field in CREATABLE]
    assert schemas["NewTodo"]["required"] == ["text"]
    assert list(schemas["TodoChanges"]["properties"]) == [field.json_name for field in UPDATABLE]
    assert "required" not in schemas["TodoChanges"]
    assert schemas["TodoChanges"]["minProperties"] == 1
    assert all(schema["additionalProperties"] is False for schema in schemas.values())


def test_an_optional_fields_default_is_the_create_bodys_default():
    checked = openapi_schema.todo_schemas()["NewTodo"]["properties"]["checked"]
    assert checked == {"type": "boolean", "default": False}


def test_a_fields_constraints_become_json_schema_keywords():
    field = Field("n", "a number", minimum=1, attribute="n", json_type="integer")
    assert openapi_schema.field_schema(field) == {
        "type": "integer",
        "description": "a number",
        "minimum": 1,
    }
    patterned = Field("id", pattern="[a-z]+", attribute="id", json_type="string")
    assert openapi_schema.field_schema(patterned) == {"type": "string", "pattern": "^[a-z]+$"}


def test_the_not_blank_pattern_finds_exactly_what_python_calls_no_white_space():
    pattern = re.compile(openapi_schema.not_blank_pattern())
    for code_point in range(0x10000):
        character = chr(code_point)
        assert (pattern.search(character) is not None) == (not character.isspace()), code_point


def test_a_nullable_field_takes_null_as_well():
    for field in FIELDS:
        kind = openapi_schema.field_schema(field)["type"]
        assert kind == ([field.json_type, "null"] if field.nullable else field.json_type)
