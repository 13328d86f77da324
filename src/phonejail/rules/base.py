"""What every rule receives: the tree, its graph, persona chains (built once, shared), options."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property

from phonejail.analysis.chain import Chain, ChainTooLarge, compile_chain
from phonejail.model.graph import Moves, Sink, reachable
from phonejail.model.tree import Persona, Tree
from phonejail.rules._jail import CallerJail, Refusal, caller_jail, caller_shares

OptionValue = int | float | tuple[tuple[str, float], ...] | None
"""A count, a rate, a table of rates by persona name (pairs), or None for "off"."""


@dataclass(frozen=True)
class Option:
    """A rule threshold settable in [tool.phonejail] as `name = value`.

    `kind` says what a value may be: "count" a whole number >= 0; "rate" a share of
    calls from 0 to 1 (None, the default of some, means the check is off); "persona
    rates" a table `{"persona name" = rate}` (held as sorted pairs, so it pickles).
    """

    name: str
    default: OptionValue
    doc: str
    kind: str = "count"


@dataclass
class Context:
    """The tree under check and analyses several rules need, each computed on first use."""

    tree: Tree
    options: Mapping[str, OptionValue] = field(default_factory=dict)
    """Every rule option by name, defaults filled in by the engine."""
    _chains: dict[tuple[object, ...], Chain | ChainTooLarge] = field(default_factory=dict,
                                                                     repr=False)
    _jails: dict[tuple[object, ...], CallerJail | Refusal] = field(default_factory=dict,
                                                                  repr=False)

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
        those share one chain. Raises ChainTooLarge past the state budget (PJ008).
        """
        key = (persona.intent, persona.knows, *((c > 0, c < 1) for c in
                                                 (persona.mistakes, persona.zero_out,
                                                  persona.understood)))
        if key not in self._chains:
            try:
                self._chains[key] = compile_chain(self.tree, persona)
            except ChainTooLarge as over:  # kept: every rule asking again is told at once
                self._chains[key] = over
        found = self._chains[key]
        if isinstance(found, ChainTooLarge):
            raise found
        return found

    @cached_property
    def jail(self) -> tuple[CallerJail, ...] | Refusal:
        """Every caller's exact jail (docs/rules.md), as `simulate --method exact` figures it.

        Declared personas in their normalised shares, and a default caller for each intent
        no persona covers, judged alike but counting for 0% of calls. A `Refusal` when the
        exact analysis cannot run (`simulate --method exact` refuses the tree too).
        """
        callers = self.callers
        judged = []
        for persona, share in zip(callers, caller_shares(self.tree, callers), strict=True):
            found = self.jail_of(persona, share)
            if isinstance(found, Refusal):
                return found
            judged.append(found)
        return tuple(judged)

    def jail_of(self, persona: Persona, share: float = 0.0) -> CallerJail | Refusal:
        """One caller's exact jail, computed once per distinct way of calling."""
        key = (persona.intent, persona.knows, persona.patience, persona.zero_out,
               persona.mistakes)
        if key not in self._jails:
            self._jails[key] = caller_jail(self.tree, persona, share)
        found = self._jails[key]
        if isinstance(found, CallerJail) and (found.persona != persona or found.share != share):
            found = replace(found, persona=persona, share=share)
        return found
