"""Property-based tests: no input makes the loader or the checker raise; chains are sound."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phonejail.analysis.chain import compile_chain
from phonejail.config import Config
from phonejail.lint import check_loaded
from phonejail.model import load_bytes
from phonejail.model.spec import CASE, OPTION, PERSONA, TREE, WHEN, node_fields
from phonejail.model.tree import KINDS

# Words a tree is made of, so random documents often get deep into validation.
WORDS = sorted({*TREE, *OPTION, *CASE, *WHEN, *PERSONA, *KINDS,
                *(k for kind in KINDS for k in node_fields(kind)), "a", "b", "x", "1", "0"})
scalars = st.one_of(st.sampled_from(WORDS), st.integers(-3, 30), st.floats(allow_nan=True),
                    st.booleans(), st.none(), st.text(max_size=8))
documents = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.sampled_from(WORDS), children, max_size=6)),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_give_findings_never_exceptions(data: bytes) -> None:
    loaded = load_bytes(data, "fuzz.yaml")
    assert loaded.tree is not None or loaded.problems
    check_loaded(loaded, Config())


@settings(max_examples=300, deadline=None)
@given(documents)
def test_yaml_shaped_documents_give_findings_never_exceptions(doc: object) -> None:
    text = yaml.safe_dump(doc, allow_unicode=True)
    loaded = load_bytes(text.encode(), "fuzz.yaml")
    findings = check_loaded(loaded, Config())
    assert all(f.line >= 1 and f.column >= 1 for f in findings)


@st.composite
def valid_trees(draw: st.DrawFn) -> str:
    """Small valid trees of every kind, wired at random (cycles, dead ends and all)."""
    n = draw(st.integers(1, 7))
    ids = [f"n{i}" for i in range(n)]
    target = st.one_of(st.none(), st.sampled_from(ids))
    chance = st.sampled_from([0.0, 0.25, 0.5, 1.0])
    nodes = {}
    for node_id in ids:
        kind = draw(st.sampled_from(KINDS))
        node: dict[str, object] = {"kind": kind}
        if kind == "say":
            node["next"] = draw(target)
        elif kind == "menu":
            keys = draw(st.lists(st.sampled_from("0123"), min_size=1, max_size=3, unique=True))
            node["options"] = [{"key": k, "to": draw(target),
                                "serves": draw(st.lists(st.sampled_from(["i", "j"]),
                                                        unique=True))} for k in keys]
            for handler in ("invalid", "fail"):
                node[handler] = draw(target)
            node["retries"] = draw(st.integers(0, 2))
            node["input"] = draw(st.sampled_from(["dtmf", "speech", "both"]))
            if node["input"] != "dtmf":
                node["recognition"] = draw(chance)
        elif kind == "ask":
            node.update(fact=draw(st.sampled_from(["f", "g"])), ok=draw(target),
                        fail=draw(target), retries=draw(st.integers(0, 2)))
        elif kind == "branch":
            node["cases"] = [{"when": draw(st.sampled_from([
                {"chance": draw(chance)}, {"knows": "f"}, {"given": "g"}, {"intent": "i"}])),
                "to": draw(target)} for _ in range(draw(st.integers(1, 2)))]
            node["else"] = draw(target)
        elif kind == "self_service":
            node.update(resolves=["i"], success=draw(chance), next=draw(target))
        elif kind == "agent":
            node.update(asks=draw(st.lists(st.sampled_from(["f", "g"]), unique=True)),
                        resolves=draw(st.lists(st.sampled_from(["i", "j"]), unique=True)),
                        transfer=draw(target))
        nodes[node_id] = {k: v for k, v in node.items() if v is not None}
    doc = {"phonejail": 1, "name": "random", "start": "n0", "intents": ["i", "j"],
           "identity": {"f": None, "g": None}, "nodes": nodes,
           "callers": [{"name": "p", "intent": draw(st.sampled_from(["i", "j"])),
                        "knows": draw(st.lists(st.sampled_from(["f", "g"]), unique=True)),
                        "mistakes": draw(chance), "zero_out": draw(chance),
                        "understood": draw(chance)}]}
    return yaml.safe_dump(doc)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_trees())
def test_random_valid_trees_load_check_and_compile_to_sound_chains(text: str) -> None:
    loaded = load_bytes(text.encode(), "random.yaml")
    assert loaded.problems == ()
    check_loaded(loaded, Config())
    for persona in loaded.tree.personas:
        chain = compile_chain(loaded.tree, persona)
        index = chain.index()
        for options in chain.moves:
            assert abs(sum(p for p, _ in options) - 1.0) < 1e-9
            assert all(p > 0 for p, _ in options)
            assert all(isinstance(t, str) or t in index for _, t in options)
