"""The JSON Schema (draft-07) of format version 1, rendered from the loader's own tables.

`phonejail schema` prints it and `schema/phonejail-tree.schema.json` holds a
copy (a test keeps the two identical), for editors that run the YAML language
server. The schema accepts what the loader accepts; the loader checks more
(references between nodes, duplicate keys, YAML 1.1 booleans), which a JSON
Schema cannot express.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from phonejail.model import spec
from phonejail.model.tree import DTMF_KEYS, INPUT_MODES, KINDS

_TEXT = {"type": ["string", "number"]}  # the loader takes `key: 1` as the text "1"
_CHANCE = {"type": "number", "minimum": 0, "maximum": 1}

VALUE_SCHEMAS: dict[str, dict[str, Any]] = {
    "version": {"const": spec.FORMAT_VERSION},
    "text": _TEXT,
    "name": {"type": ["string", "number"], "minLength": 1},
    "title": {"type": ["string", "number"], "minLength": 1},
    "kind": {"enum": list(KINDS)},
    "input_mode": {"enum": list(INPUT_MODES)},
    "target": {"$ref": "#/definitions/node_id"},
    "intent": {"$ref": "#/definitions/intent_id"},
    "fact": {"$ref": "#/definitions/fact_id"},
    "intent_ids": {"type": "array", "items": {"$ref": "#/definitions/intent_id"},
                   "minItems": 1, "uniqueItems": True},
    "intent_refs": {"type": "array", "items": {"$ref": "#/definitions/intent_id"},
                    "uniqueItems": True},
    "fact_refs": {"type": "array", "items": {"$ref": "#/definitions/fact_id"},
                  "uniqueItems": True},
    "whole": {"type": "integer", "minimum": 0},
    "count": {"type": "integer", "minimum": 1},
    "chance": _CHANCE,
    "weight": {"type": "number", "exclusiveMinimum": 0},
    "positive": {"type": "number", "exclusiveMinimum": 0},
    "dtmf": {"anyOf": [{"type": "string", "enum": sorted(DTMF_KEYS)},
                       {"type": "integer", "minimum": 0, "maximum": 9}]},
    "identity": {"type": "object",
                 "additionalProperties": {"anyOf": [{"type": "null"},
                                                    {"$ref": "#/definitions/fact"}]}},
    "nodes": {"type": "object", "minProperties": 1,
              "additionalProperties": {"$ref": "#/definitions/node"}},
    "options": {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/option"}},
    "cases": {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/case"}},
    "when": {"$ref": "#/definitions/when"},
    "callers": {"type": "array", "items": {"$ref": "#/definitions/persona"}},
    "queues": {"type": "object", "additionalProperties": {"$ref": "#/definitions/queue"}},
}


def _object(fields: Mapping[str, spec.Field], description: str) -> dict[str, Any]:
    properties = {}
    for field in fields.values():
        prop = {**VALUE_SCHEMAS[field.type], "description": field.doc}
        if field.maximum is not None:
            prop["maximum"] = field.maximum
        if field.default is not None:
            prop["default"] = field.default
        properties[field.name] = prop
    result: dict[str, Any] = {
        "type": "object",
        "description": description,
        "additionalProperties": False,
        "properties": properties,
    }
    required = [f.name for f in fields.values() if f.required]
    if required:
        result["required"] = required
    return result


def tree_schema() -> dict[str, Any]:
    definitions: dict[str, Any] = {
        "node_id": {"type": ["string", "number"], "description": "the id of a node in `nodes`"},
        "intent_id": {"type": ["string", "number"], "description": "an intent from `intents`"},
        "fact_id": {"type": ["string", "number"], "description": "a fact from `identity`"},
        "fact": _object(spec.FACT, "an identity fact"),
        "option": _object(spec.OPTION, "a menu option"),
        "case": _object(spec.CASE, "a branch case"),
        "when": {**_object(spec.WHEN, "a branch condition"), "minProperties": 1,
                 "maxProperties": 1},
        "persona": _object(spec.PERSONA, "a synthetic caller"),
        "queue": _object(spec.QUEUE, "the staffing of an agent queue (Erlang A)"),
        "node": {
            "type": "object",
            "description": "a node; its `kind` decides which keys it takes",
            "required": ["kind"],
            "properties": {"kind": VALUE_SCHEMAS["kind"]},
            "allOf": [
                {"if": {"properties": {"kind": {"const": kind}}},
                 "then": {"$ref": f"#/definitions/{kind}_node"}}
                for kind in KINDS
            ],
        },
    }
    for kind in KINDS:
        definitions[f"{kind}_node"] = _object(spec.node_fields(kind), f"a {kind} node")
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": f"phonejail tree, format version {spec.FORMAT_VERSION}",
        **_object(spec.TREE, "An IVR phone menu as a graph of nodes, checked by phonejail."),
        "definitions": definitions,
    }


def schema_text() -> str:
    return json.dumps(tree_schema(), indent=2) + "\n"
