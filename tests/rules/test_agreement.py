"""The gate and the exact figures agree: on every example tree, every fixture tree and 40
random trees, a caller whose exact jail rate is above its limit always gets an error, and
one at or below its limit never gets PJ105."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings

from phonejail.config import Config
from phonejail.lint import check_loaded
from phonejail.model import load_bytes
from phonejail.rules._jail import CallerJail
from phonejail.rules.base import Context
from phonejail.rules.pj105_persona_jailed import limit_for, who
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
