"""The shipped JSON Schema equals the generated one, accepts every example, and knows every key."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from phonejail.model import spec
from phonejail.model.schema import schema_text, tree_schema
from phonejail.model.tree import KINDS
from tests.conftest import ROOT, TREES

SHIPPED = ROOT / "schema" / "phonejail-tree.schema.json"


def test_shipped_schema_is_the_generated_one() -> None:
    # Regenerate with: phonejail schema > schema/phonejail-tree.schema.json
    assert SHIPPED.read_text() == schema_text()


def test_schema_is_valid_draft_07() -> None:
    jsonschema.Draft7Validator.check_schema(json.loads(SHIPPED.read_text()))


@pytest.mark.parametrize("tree", sorted(TREES.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_example_tree_is_valid_against_the_schema(tree: Path) -> None:
    jsonschema.validate(yaml.safe_load(tree.read_text()), json.loads(SHIPPED.read_text()))


@pytest.mark.parametrize("tree", sorted(TREES.glob("*.yaml")), ids=lambda p: p.stem)
def test_example_trees_carry_the_language_server_modeline(tree: Path) -> None:
    first = tree.read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schema/phonejail-tree.schema.json"


def test_every_key_the_loader_accepts_is_in_the_schema() -> None:
    definitions = json.loads(SHIPPED.read_text())["definitions"]
    shipped = json.loads(SHIPPED.read_text())
    assert set(shipped["properties"]) == set(spec.TREE)
    for kind in KINDS:
        assert set(definitions[f"{kind}_node"]["properties"]) == set(spec.node_fields(kind))
    for name, fields in (("option", spec.OPTION), ("case", spec.CASE), ("when", spec.WHEN),
                         ("persona", spec.PERSONA), ("fact", spec.FACT),
                         ("queue", spec.QUEUE)):
        assert set(definitions[name]["properties"]) == set(fields)


@pytest.mark.parametrize("bad", [
    {"kind": "say", "nxet": "x"},
    {"kind": "menu", "options": []},
    {"kind": "teleport"},
    {"kind": "ask"},
    {"kind": "branch", "say": "branches play no prompt", "cases": [{"to": "a"}]},
])
def test_schema_and_loader_both_refuse_bad_nodes(bad: dict) -> None:
    from tests.conftest import load

    doc = {"phonejail": 1, "name": "t", "start": "a", "intents": ["x"], "nodes": {"a": bad}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, tree_schema())
    assert load(yaml.safe_dump(doc)).problems
