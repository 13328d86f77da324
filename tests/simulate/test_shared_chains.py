"""Personas who move alike share one compiled chain, and one exact analysis per patience.

`simulate.run` compiles a chain once per `moves_key` (intent, facts known and odds) and
analyses it once per (moves_key, patience); each persona's figures must still be its own:
the same as simulating that persona alone.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

import phonejail.simulate as simulate
from phonejail.simulate import run
from tests.conftest import load
from tests.simulate.test_engines import MENU

# Four callers of the menu tree: b moves as a does (another name, share and redials),
# c too but gives up sooner, d slips more often (its own chain).
CALLERS = """callers:
  - {name: a, intent: x, mistakes: 0.1, patience: 5}
  - {name: b, intent: x, mistakes: 0.1, patience: 5, share: 3, redials: 1}
  - {name: c, intent: x, mistakes: 0.1, patience: 2}
  - {name: d, intent: x, mistakes: 0.2, patience: 5}
"""


def _tree():
    text = MENU.replace("PATIENCE", "5").split("callers:")[0] + CALLERS
    return load(text).tree


@pytest.mark.parametrize("method", ["exact", "montecarlo"])
def test_each_persona_keeps_its_own_figures(method: str) -> None:
    tree = _tree()
    together = run(tree, method=method, callers=4_000, seed=7)
    for result in together.personas:
        alone = run(tree, method=method, persona=result.name, callers=4_000, seed=7)
        if method == "exact":
            assert result.figures == alone.personas[0].figures, result.name
        else:  # another draw of callers; the same chain, so no persona moves like another
            assert result.figures.outcomes.keys() == alone.personas[0].figures.outcomes.keys()
    if method == "montecarlo":
        return
    by_name = {r.name: r.figures for r in together.personas}
    # The same calls (b's redials make its journey another).
    assert replace(by_name["a"], journey=None) == replace(by_name["b"], journey=None)
    assert by_name["a"].journey != by_name["b"].journey
    assert by_name["c"].outcomes != by_name["a"].outcomes  # less patience: other figures
    assert by_name["d"].outcomes != by_name["a"].outcomes  # other odds: other figures


def test_one_chain_per_way_of_moving_one_analysis_per_patience(
        monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[str] = []
    analysed: list[tuple[str, int]] = []
    compile_chain, analyse_many = simulate.compile_chain, simulate.analyse_many

    def counting_compile(tree, persona, *args):
        compiled.append(persona.name)
        return compile_chain(tree, persona, *args)

    def counting_analyse(chains, patiences):
        analysed.extend(patiences)
        return analyse_many(chains, patiences)

    monkeypatch.setattr(simulate, "compile_chain", counting_compile)
    monkeypatch.setattr(simulate, "analyse_many", counting_analyse)
    run(_tree(), method="exact")
    assert compiled == ["a", "d"]
    assert sorted(analysed) == [2, 5, 5]
