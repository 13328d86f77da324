"""What every rule receives: the tree, its graph, persona chains (built once, shared), options."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property

from phonejail import limits
from phonejail.analysis import chain as chains
from phonejail.analysis.chain import (
    Chain,
    ChainTooLarge,
    CheckTooLarge,
    State,
    compile_chain,
    moves_key,
)
from phonejail.model.graph import Moves, Sink, reachable
from phonejail.model.tree import Persona, Tree
from phonejail.rules._derive import derive_chain, differences
from phonejail.rules._jail import (
    CallerFlow,
    CallerJail,
    Refusal,
    caller_flow,
    caller_jail,
    caller_shares,
)

OptionValue = int | float | tuple[tuple[str, float], ...] | None
"""A count, a rate, a table of rates by persona name (pairs), or None for "off"."""

CACHED_CHAIN_STATES = 400_000
"""Chain states a Context keeps compiled at most (a few hundred MB): past it the chains
least recently asked for are dropped, and compiled again if a rule asks again."""


def paths_key(persona: Persona) -> tuple[object, ...]:
    """What decides which moves a persona's chain has: intent, facts known and whether
    each chance is 0, 1 or in between. Personas equal in it have the same states and
    moves (with other odds), so every "is there a path" question has one answer for them."""
    return (persona.intent, persona.knows, *((c > 0, c < 1) for c in
                                             (persona.mistakes, persona.zero_out,
                                              persona.understood)))


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
    running: frozenset[str] | None = None
    """Codes of the rules that run on this tree (None: every rule), for a rule that leaves
    a finding to another (PJ009 leaves a cycle that traps callers to PJ102) only if it runs."""
    _chains: OrderedDict[tuple[object, ...], Chain] = field(default_factory=OrderedDict,
                                                            repr=False)
    """Compiled chains by `moves_key`, least recently used first."""
    _alike: dict[tuple[object, ...], tuple[object, ...]] = field(default_factory=dict,
                                                                 repr=False)
    """`paths_key` -> the `moves_key` of a compiled chain that answers path questions for it."""
    _cached_states: int = field(default=0, repr=False)
    _compiled_states: int = field(default=0, repr=False)
    """States of every chain compiled so far, dropped ones included (`limits.MAX_CHECK_STATES`
    bounds it: many chains each under their own budget could still take hours)."""
    _too_large: ChainTooLarge | None = field(default=None, repr=False)
    """A chain of this tree was past the state budget (PJ008): every rule that follows calls
    is skipped for the tree, so no other chain is compiled (each could cost as much)."""
    _jails: dict[tuple[object, ...], CallerJail | Refusal] = field(default_factory=dict,
                                                                  repr=False)
    _flows: dict[tuple[object, ...], CallerFlow | Refusal] = field(default_factory=dict,
                                                                  repr=False)
    """Each distinct way of calling's exact flow, by `moves_key` and patience."""
    _arrays: dict[tuple[object, ...], object] = field(default_factory=dict, repr=False)
    """`to_plain` or `to_arrays` of each chain in `_chains`, by `moves_key` (callers who
    differ only in patience share it); dropped with the chain."""
    _indexes: dict[tuple[object, ...], dict[State, int]] = field(default_factory=dict,
                                                                repr=False)
    """`Chain.index()` of chains in `_chains` that others were derived from; dropped with
    the chain."""

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
        return self.tree.judged  # the callers `simulate` walks too

    def chain(self, persona: Persona, like: Persona | None = None) -> Chain:
        """A chain with the persona's states and moves, for "is there a path" questions.

        It is shared by every persona that moves with the same odds signs (`paths_key`),
        so its probabilities and `persona` may be another caller's; `exact_chain` has
        the persona's own (and says what `like` is for).
        """
        alike = self._alike.get(paths_key(persona))
        if alike is not None and alike in self._chains:
            self._chains.move_to_end(alike)
            return self._chains[alike]
        return self.exact_chain(persona, like)

    def exact_chain(self, persona: Persona, like: Persona | None = None) -> Chain:
        """The persona's chain, odds and all, compiled once for every persona with the same
        `moves_key` (the exact pass of PJ105 and the path rules share it).

        `like`: a caller of the same intent whose chain, if it is at hand, this one is
        derived from (`rules._derive`: the same chain, with the moves of the states both
        callers take alike copied instead of worked out again).
        """
        if self._too_large is not None:
            raise self._too_large
        key = moves_key(persona)
        found = self._chains.get(key)
        if found is None:
            room = limits.MAX_CHECK_STATES - self._compiled_states
            own = chains.MAX_CHAIN_STATES  # read now: tests lower it
            try:
                found = self._build(persona, like, min(own, room))
            except ChainTooLarge as past:  # PJ008: no other chain of this tree either
                self._too_large = past if room >= own else \
                    CheckTooLarge(persona.name, limits.MAX_CHECK_STATES)
                raise self._too_large from None
            self._compiled_states += len(found.states)
            self._keep(key, found)
        else:
            self._chains.move_to_end(key)
        return found if found.persona == persona else replace(found, persona=persona)

    def _build(self, persona: Persona, like: Persona | None, budget: int) -> Chain:
        """`compile_chain(tree, persona, budget)`, derived from `like`'s chain if it is kept."""
        source_key = None if like is None else moves_key(like)
        source = self._chains.get(source_key) if source_key is not None else None
        if source is None or source_key == moves_key(persona) \
                or differences(persona, source.persona) is None:
            return compile_chain(self.tree, persona, budget=budget)
        index = self._indexes.get(source_key)
        if index is None:
            index = self._indexes[source_key] = source.index()
        arrays = self._arrays.get(source_key)
        return derive_chain(self.tree, persona, source, index, budget,
                            arrays)  # type: ignore[arg-type]

    def _keep(self, key: tuple[object, ...], chain: Chain) -> None:
        self._chains[key] = chain
        self._cached_states += len(chain.states)
        alike = paths_key(chain.persona)
        if self._alike.get(alike) not in self._chains:
            self._alike[alike] = key
        while self._cached_states > CACHED_CHAIN_STATES and len(self._chains) > 1:
            key, dropped = self._chains.popitem(last=False)
            self._arrays.pop(key, None)
            self._indexes.pop(key, None)
            self._cached_states -= len(dropped.states)

    @property
    def too_large(self) -> ChainTooLarge | None:
        """Why no more chains of this tree are compiled (PJ008), if they are not."""
        return self._too_large

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

    def flow_of(self, persona: Persona, like: Persona | None = None) -> CallerFlow | Refusal:
        """One caller's exact flow (`CallerFlow`: visits, and a jail rate good to
        `ROUNDING`), computed once per distinct way of calling; cheaper than `jail_of`.
        `like` as for `exact_chain`."""
        key = (*moves_key(persona), persona.patience)
        found = self._flows.get(key)
        if found is None:
            try:
                chain = self.exact_chain(persona, like)
            except ChainTooLarge as too_large:  # PJ008 says so; simulate refuses too
                found = Refusal(str(too_large), past_budget=True)
            else:
                found = caller_flow(self.tree, persona, chain, self._arrays.get(key[:-1]))
                if isinstance(found, CallerFlow) and key[:-1] in self._chains:
                    self._arrays[key[:-1]] = found.arrays
            self._flows[key] = found
        return found

    def jail_of(self, persona: Persona, share: float = 0.0) -> CallerJail | Refusal:
        """One caller's exact jail, computed once per distinct way of calling."""
        key = (*moves_key(persona), persona.patience)
        if key not in self._jails:
            flow = self.flow_of(persona)
            self._jails[key] = flow if isinstance(flow, Refusal) else \
                caller_jail(self.tree, persona, share, flow=flow)
        found = self._jails[key]
        if isinstance(found, CallerJail) and (found.persona != persona or found.share != share):
            found = replace(found, persona=persona, share=share)
        return found
