"""PJ105, PJ107 and PJ202 judge by each caller's exact flow first (`Context.flow_of`) and
ask for outcome shares only near a limit: the same findings as the full exact figures."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

import pytest

from phonejail.config import Config
from phonejail.rules._jail import CallerJail, left_out_taken
from phonejail.rules.base import Context
from tests.conftest import check, load

QUARTER = """
phonejail: 1
name: a quarter of the calls is cut off
start: open_hours
intents: [billing]
nodes:
  open_hours:
    kind: branch
    cases:
      - {when: {chance: 0.25}, to: closed}
    else: menu
  closed: {kind: hangup}
  menu:
    kind: menu
    options:
      - {key: "1", serves: [billing], to: agent}
      - {key: "2"}
    fail: agent
  agent: {kind: agent, resolves: [billing]}
callers:
  - {name: payer, intent: billing, mistakes: 0}
  - {name: slipper, intent: billing, mistakes: 0.2}
"""


def _config(rate: float) -> Config:
    options = dict(Config().options)
    options["max-jail-rate"] = rate
    return replace(Config(), options=MappingProxyType(options))


@pytest.mark.parametrize(("rate", "reported"), [
    (0.0, True), (0.25 - 1e-12, True), (0.25, False), (0.25 + 1e-12, False), (0.5, False)])
def test_a_caller_at_its_limit_is_judged_by_the_exact_figure(rate: float,
                                                             reported: bool) -> None:
    """The flow decides only callers `ROUNDING` clear of the limit: one a hair above it
    is still reported, one exactly at it is not."""
    found = [f for f in check(QUARTER, _config(rate))
             if f.code == "PJ105" and f.persona == "payer"]
    assert bool(found) == reported
    if reported:
        assert "on 25.0" in found[0].message and "lost at 'open_hours'" in found[0].message


def test_the_left_out_targets_from_the_flow_are_the_exact_jail_s() -> None:
    tree = load(QUARTER).tree
    assert tree is not None
    ctx = Context(tree)
    for persona in ctx.callers:
        flow, jail = ctx.flow_of(persona), ctx.jail_of(persona)
        assert isinstance(jail, CallerJail)
        assert left_out_taken(tree, persona, flow) == jail.left_out
    assert jail.left_out  # the slipper's wrong keys take the menu's left-out `invalid`
    found = [f for f in check(QUARTER, _config(0.5)) if f.code == "PJ107"]
    assert [(f.node, f.part) for f in found] == [("menu", "invalid")]
    assert "'slipper'" in found[0].message and "'payer'" not in found[0].message


ONLY_WITHOUT_SLIPS = """
phonejail: 1
name: a caller who always slips never reaches the agent, but would without slips
start: menu
intents: [billing, sales]
identity: {acct: {label: account number}}
nodes:
  menu:
    kind: menu
    options:
      - {key: "1", serves: [billing], to: ask_a}
      - {key: "2", serves: [sales], to: ask_b}
    fail: goodbye
  ask_a: {kind: ask, fact: acct, ok: agent, fail: agent}
  ask_b: {kind: ask, fact: acct, ok: agent, fail: agent}
  agent: {kind: agent, asks: [acct], resolves: [billing, sales]}
  goodbye: {kind: hangup}
callers:
  - {name: slips always, intent: billing, mistakes: 1, knows: [acct]}
  - {name: seller, intent: sales, knows: [acct]}
"""


def test_the_path_shown_comes_from_a_careful_caller_whose_own_calls_never_get_there() -> None:
    """PJ202 skips the mistake-free chain of a caller whose chain has no repeat still
    without a path: sound only because a caller with fewer slips takes a subset of its
    moves. With every key a slip (mistakes 1) it takes none of the right keys, so the
    first caller's careful path (by key 1) must be the one shown, though only the seller
    is asked again."""
    found = [f for f in check(ONLY_WITHOUT_SLIPS) if f.code == "PJ202"]
    assert len(found) == 1
    assert "path: menu -> ask_a -> agent" in found[0].message
    assert "(callers: 'seller')" in found[0].message
