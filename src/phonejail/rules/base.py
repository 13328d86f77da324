"""What every rule receives: the tree, its graph, persona chains (built once, shared), options."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property

from phonejail.analysis.chain import Chain, compile_chain
from phonejail.model.graph import Moves, Sink, reachable
from phonejail.model.tree import Persona, Tree


@dataclass(frozen=True)
class Option:
    """A rule threshold settable in [tool.phonejail] as `name = value`."""

    name: str
    default: int
    doc: str


@dataclass
class Context:
    """The tree under check and analyses several rules need, each computed on first use."""

    tree: Tree
    options: Mapping[str, int] = field(default_factory=dict)
    """Every rule option by name, defaults filled in by the engine."""
    _chains: dict[tuple[object, ...], Chain] = field(default_factory=dict, repr=False)

    @cached_property
    def graph(self) -> Moves:
        return Moves(self.tree)

    @cached_property
    def reachable(self) -> set[str]:
        return reachable(self.graph, self.tree.start)

    @cached_property
    def reaches_help(self) -> set[str]:
        """Tree nodes from which a human, a callback or a handoff can be reached.

        A handoff leaves the tree; what lies beyond may help, so it is not a trap here.
        """
        graph = self.graph
        helpful = (Sink.HUMAN, Sink.CALLBACK, Sink.HANDOFF)
        return {n for sink in helpful for n in graph.ancestors(sink)
                if not isinstance(n, Sink)}

    @cached_property
    def callers(self) -> tuple[Persona, ...]:
        """Declared personas, plus a default caller for each intent no persona covers.

        Rules about paths (loops, repeats) should see every intent, declared or not.
        """
        declared = self.tree.callers
        covered = {p.intent for p in declared}
        defaults = replace(self.tree, callers=()).personas
        return declared + tuple(p for p in defaults if p.intent not in covered)

    def chain(self, persona: Persona) -> Chain:
        """The persona's chain, shared by every persona that moves with the same odds.

        Which moves exist depends on intent, facts known and whether each chance
        is 0, 1 or in between; rules ask "is there a path", so personas alike in
        those share one chain.
        """
        key = (persona.intent, persona.knows, *((c > 0, c < 1) for c in
                                                 (persona.mistakes, persona.zero_out,
                                                  persona.understood)))
        if key not in self._chains:
            self._chains[key] = compile_chain(self.tree, persona)
        return self._chains[key]
