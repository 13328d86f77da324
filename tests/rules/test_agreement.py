"""The gate and the exact figures agree: on every example tree, every fixture tree and 40
random trees, a caller whose exact jail rate is above its limit always gets an error, and
one at or below its limit never gets PJ105; and on 60 random trees with several personas
(shares, patience, redials, a staffed queue) and limits, PJ105 names exactly the callers,
and all calls together, that `simulate --method exact` shows above their limits."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phonejail import simulate
from phonejail.analysis.chain import ChainTooLarge
from phonejail.analysis.plain import TooDeepForExact, ZeroStepCycle
from phonejail.config import Config
from phonejail.lint import check_loaded
from phonejail.model import load_bytes
from phonejail.rules._jail import CallerJail
from phonejail.rules.base import Context
from phonejail.rules.pj105_persona_jailed import jail_limits, limit_for, who
from tests.conftest import ROOT
from tests.test_properties import valid_trees

HERE = Path(__file__).parent
TREES = sorted([*(ROOT / "trees").glob("*.yaml"), *(HERE / "bad").glob("*.yaml"),
                *(HERE / "good").glob("*.yaml")])


def _agree(data: bytes, name: str) -> None:
    loaded = load_bytes(data, name)
    if loaded.tree is None:
        return  # a format-error fixture: no figures to agree with
    config = Config()
    findings = check_loaded(loaded, config)
    ctx = Context(loaded.tree, config.options)
    judged = ctx.jail
    if not isinstance(judged, tuple):
        return  # the exact analysis refuses the tree; so does simulate
    pj105 = [f.message for f in findings if f.code == "PJ105"]
    errors = {f.node for f in findings if f.severity.name == "ERROR"}
    for jail in judged:
        assert isinstance(jail, CallerJail)
        limit, _ = limit_for(ctx, jail)
        named = [m for m in pj105 if m.startswith(who(ctx, jail) + " ")]
        if jail.jail_rate > limit:
            assert jail.worst is not None and jail.worst[0] in errors, (name, jail.persona)
            assert len(named) == 1, (name, jail.persona)
        else:
            assert named == [], (name, jail.persona)


def test_every_example_and_fixture_tree() -> None:
    for path in TREES:
        _agree(path.read_bytes(), str(path))


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(valid_trees())
def test_random_trees(text: str) -> None:
    _agree(text.encode(), "random.yaml")


_TARGETS = {"say": ("next",), "menu": ("invalid", "fail"), "ask": ("ok", "fail"),
            "branch": ("else",), "self_service": ("next",)}


@st.composite
def _populated_trees(draw: st.DrawFn) -> tuple[str, dict[str, object]]:
    """Random trees with several personas (shares, patience, redials), some left-out targets
    leading to a human instead (so that not every caller is jailed), maybe a staffed queue,
    and limits."""
    doc = yaml.safe_load(draw(valid_trees()))
    for node in doc["nodes"].values():
        holders = [*((node, key) for key in _TARGETS.get(node["kind"], ())),
                   *((part, "to") for part in [*node.get("options", ()),
                                               *node.get("cases", ())])]
        for holder, key in holders:
            if key not in holder and draw(st.booleans()):
                holder[key] = "human"
    doc["nodes"]["human"] = {"kind": "agent"}
    if draw(st.booleans()):
        doc["queues"] = {"q": {"agents": 2, "calls_per_hour": 60, "handle_seconds": 90,
                               "patience_seconds": 60}}
        doc["nodes"]["human"]["queue"] = "q"
    chance = st.sampled_from([0.0, 0.25, 0.5, 1.0])
    doc["callers"] = [{"name": f"p{k}", "intent": draw(st.sampled_from(["i", "j"])),
                       "share": draw(st.sampled_from([0.01, 1, 3])),
                       "patience": draw(st.sampled_from([1, 3, 25])),
                       "redials": draw(st.sampled_from([0, 0, 2])),
                       "knows": draw(st.lists(st.sampled_from(["f", "g"]), unique=True)),
                       "mistakes": draw(chance)} for k in range(draw(st.integers(1, 3)))]
    options: dict[str, object] = {
        "max-jail-rate": draw(st.sampled_from([0.0, 0.05, 0.5])),
        "persona-max-jail-rate": (("p0", draw(st.sampled_from([0.0, 0.25, 1.0]))),)}
    return yaml.safe_dump(doc), options


def _agree_with_simulate(text: str, options: dict[str, object]) -> None:
    """`check` and `simulate --method exact` on the same tree: the same callers are jailed
    above their limits, and all calls together (redials weigh calls, as simulate does) are
    above a limit just under simulate's overall jail rate and not above one equal to it."""
    loaded = load_bytes(text.encode(), "random.yaml")
    assert loaded.tree is not None
    try:
        sim = simulate.run(loaded.tree, method="exact")
    except (ZeroStepCycle, TooDeepForExact, ChainTooLarge):
        # simulate refuses the tree: the gate fails it, with the reason
        found = check_loaded(loaded, Config(options={**Config().options, **options}))
        assert {"PJ008", "PJ009", "PJ102"} & {f.code for f in found}
        return
    overall = sim.overall.figures.jail_rate
    for limit in (overall, overall - 1e-6):
        if limit < 0:
            continue
        config = Config(options={**Config().options, **options,
                                 "max-overall-jail-rate": limit})
        pj105 = [f for f in check_loaded(loaded, config) if f.code == "PJ105"]
        limits = jail_limits(config.options)
        for p in sim.personas:
            named = [f for f in pj105 if f.persona == p.name]
            assert len(named) == limits.persona_jailed(p.name, p.figures.jail_rate), \
                (p.name, p.figures.jail_rate)
        assert len([f for f in pj105 if f.persona is None]) == (limit < overall), \
            (overall, limit)


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(_populated_trees())
def test_check_and_simulate_agree_on_random_populations(case: tuple[str, dict[str, object]]
                                                        ) -> None:
    _agree_with_simulate(*case)
