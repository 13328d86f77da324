"""Walk a tree's personas through it: exactly (Markov chain) or by Monte-Carlo sampling.

`run()` returns a `Simulation` record; it never prints. Both methods share the
compiled chain (`phonejail.analysis.chain`) and the figures (`analysis.tally`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from phonejail.analysis.arrays import ChainArrays, ZeroStepCycle, to_arrays
from phonejail.analysis.chain import ChainTooLarge, compile_chain, moves_key
from phonejail.analysis.exact import JAILED, TooDeepForExact, analyse_many
from phonejail.analysis.journey import Journey, exact_journey, mixed, sampled_journey
from phonejail.analysis.tally import Figures, Tally, figures
from phonejail.defaults import DEFAULT_CALLERS, DEFAULT_SEED, METHODS
from phonejail.model.build import did_you_mean
from phonejail.model.tree import Persona, Tree
from phonejail.simulate.montecarlo import LazyChain, simulate

if TYPE_CHECKING:
    from phonejail.analysis.staffing import QueueFigures


_JAILED = np.flatnonzero(JAILED)


class UnknownPersona(Exception):
    pass


@dataclass(frozen=True)
class PersonaResult:
    name: str
    share: float
    """Normalised share of the population simulated (1.0 for `overall`)."""
    figures: Figures
    callers: int | None = None
    """Calls simulated for this persona (Monte-Carlo only)."""


@dataclass(frozen=True)
class Simulation:
    tree: str
    name: str
    method: str
    callers: int | None
    seed: int | None
    personas: tuple[PersonaResult, ...]
    overall: PersonaResult
    sensitive: tuple[str, ...] = ()
    """The tree's sensitive intents: where unverified resolutions can happen."""
    queues: Mapping[str, QueueFigures] = field(default_factory=dict)
    """The Erlang figures of each staffed queue (docs/format.md, "Queues"); empty if none."""
    uncovered: tuple[str, ...] = ()
    """Intents no declared persona covers: each simulated as a default caller at 0% share."""

    @property
    def calls_made(self) -> int | None:
        """Monte-Carlo: the calls simulated, redials included (`callers` counts journeys);
        None for exact figures."""
        if self.callers is None:
            return None
        return sum(p.callers if p.figures.journey is None or p.callers is None
                   else round(p.callers * p.figures.journey.calls) for p in self.personas)


def select_personas(tree: Tree, name: str | None) -> tuple[Persona, ...]:
    """The callers simulated: `Tree.judged` (the callers the rules judge), or one by name."""
    personas = tree.judged
    if name is None:
        return personas
    chosen = tuple(p for p in personas if p.name == name)
    if not chosen:
        names = [p.name for p in personas]
        raise UnknownPersona(f"no persona '{name}'{did_you_mean(name, names)}; "
                             f"personas: {', '.join(names)}")
    return chosen


def compile_personas(tree: Tree, personas: tuple[Persona, ...], lazy: bool = False
                     ) -> list[ChainArrays | LazyChain]:
    """Each persona's chain as arrays. Raises ZeroStepCycle (naming it) for a free cycle,
    and ChainTooLarge past the state budget, unless `lazy` (Monte-Carlo): then such a
    persona gets a `LazyChain`, compiled as its calls go.

    Personas who differ only in what does not change their moves (`moves_key`: name,
    share, patience, redials) share one compiled chain."""
    chains: list[ChainArrays | LazyChain] = []
    compiled: dict[tuple[object, ...], ChainArrays] = {}
    for persona in personas:
        key = moves_key(persona)
        if key in compiled:
            chains.append(compiled[key])
            continue
        try:
            compiled[key] = to_arrays(compile_chain(tree, persona))
        except ChainTooLarge:
            if not lazy:
                raise
            chains.append(LazyChain(tree, persona))  # its own: it grows as its calls go
        else:
            chains.append(compiled[key])
    return chains


def run(tree: Tree, method: str = "montecarlo", callers: int = DEFAULT_CALLERS,
        seed: int = DEFAULT_SEED, persona: str | None = None,
        progress: Callable[[int], None] | None = None,
        compiled: Sequence[ChainArrays | LazyChain] | None = None) -> Simulation:
    """Simulate or analyse `tree`. Raises UnknownPersona, ZeroStepCycle, TooDeepForExact or
    ChainTooLarge.

    `progress` is called with the number of calls (Monte-Carlo) or personas (exact)
    finished since the last call. `compiled`: the chains of every persona, already
    compiled (`compile_personas`), when the caller needs them too.
    """
    personas = select_personas(tree, persona)
    if compiled is not None and persona is None:
        arrays = list(compiled)
    else:
        arrays = compile_personas(tree, personas, lazy=method == "montecarlo")
    # A default caller of an intent no persona covers counts for 0% of calls, as in the
    # rules (PJ105): Monte-Carlo samples none of its calls; the exact figures are its own.
    shares = tree.shares(personas)
    tallies: list[Tally] = []
    counts: list[int | None] = []
    journeys: list[Journey] = []
    if method == "exact":
        # Personas with the same moves and patience make the same calls: one analysis.
        ways: dict[tuple[object, ...], tuple[ChainArrays, int]] = {}
        for persona_, a in zip(personas, arrays, strict=True):
            assert isinstance(a, ChainArrays)  # exact: never lazy
            ways.setdefault((*moves_key(persona_), persona_.patience), (a, persona_.patience))
        analysed = dict(zip(ways, analyse_many([a for a, _ in ways.values()],
                                               [patience for _, patience in ways.values()]),
                            strict=True))
        for persona_ in personas:
            tallies.append(analysed[(*moves_key(persona_), persona_.patience)])
            journeys.append(exact_journey(tallies[-1], persona_.redials))
            counts.append(None)
            if progress:
                progress(1)
        # Per-call figures are over every call made: a persona weighs by its callers' share
        # times the calls each makes (redials), as the pooled calls of Monte-Carlo do.
        weights = shares
        if any(p.redials for p in personas):
            calls = [s * j.calls for s, j in zip(shares, journeys, strict=True)]
            weights = [c / sum(calls) for c in calls]
        overall = sum((t.scaled(w) for t, w in zip(tallies, weights, strict=True)), Tally())
        journey_weights = shares
    elif method == "montecarlo":
        # One stream decides how many callers each persona gets (a multinomial draw, so
        # the pooled calls are a sample of the whole population), one stream per persona.
        streams = np.random.SeedSequence(seed).spawn(len(personas) + 1)
        drawn = np.random.default_rng(streams[0]).multinomial(callers, shares)
        for persona_, a, n, stream in zip(personas, arrays, drawn, streams[1:], strict=True):
            rng = np.random.default_rng(stream)
            rounds = [simulate(a, persona_.patience, int(n), rng, progress)]
            # Redials: the jailed calls of each round call again, as a round of their own.
            while len(rounds) <= persona_.redials:
                again = int(round(rounds[-1].outcomes[_JAILED].sum()))
                if again == 0:
                    break
                rounds.append(simulate(a, persona_.patience, again, rng))
            tallies.append(sum(rounds[1:], rounds[0]))
            journeys.append(sampled_journey(rounds, int(n), persona_.redials))
            counts.append(int(n))
        overall = sum(tallies, Tally())
        journey_weights = [int(n) / callers for n in drawn]
    else:
        raise ValueError(f"method must be one of {METHODS}")
    sampled = method == "montecarlo"
    results = tuple(
        PersonaResult(p.name, w, replace(figures(t, sampled), journey=j), n)
        for p, w, t, j, n in zip(personas, shares, tallies, journeys, counts, strict=True)
    )
    everyone = mixed(journeys, journey_weights, sampled, callers if sampled else None)
    return Simulation(
        tree=tree.path, name=tree.name, method=method,
        callers=callers if sampled else None, seed=seed if sampled else None,
        personas=results,
        overall=PersonaResult("overall", 1.0, replace(figures(overall, sampled),
                                                      journey=everyone),
                              callers if sampled else None),
        sensitive=tree.sensitive,
        queues=queue_figures(tree),
        uncovered=tree.uncovered,
    )


def queue_figures(tree: Tree) -> dict[str, QueueFigures]:
    """Each staffed queue's figures, in the order `queues` names them (those no agent
    waits in too: the model describes the queue either way)."""
    from phonejail.analysis.staffing import queue_figures as figures_of

    return {name: figures_of(queue) for name, queue in tree.queues.items()}


__all__ = ["DEFAULT_CALLERS", "DEFAULT_SEED", "METHODS", "ChainTooLarge", "PersonaResult",
           "Simulation", "TooDeepForExact", "UnknownPersona", "ZeroStepCycle", "run"]
