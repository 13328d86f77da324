"""The phone tree as immutable records: nodes by kind, options, cases, personas.

Every record keeps `loc` (where it is written) and `locs` (where each of its
keys is written), so a finding can point at the exact key a designer must edit.
Defaults from docs/format.md are applied by the builder, never left to readers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from phonejail.model.yamlread import Mark

Loc = Mark
def _no_locs() -> Mapping[str, Loc]:
    return MappingProxyType({})


def _no_queues() -> Mapping[str, Queue]:
    return MappingProxyType({})


STEP_KINDS = frozenset({"say", "menu", "ask", "self_service"})
"""Kinds whose visit is one step of the caller's patience (docs/format.md, "How a caller moves")."""
KINDS = ("say", "menu", "ask", "branch", "self_service", "agent", "callback", "hangup",
         "handoff")
DTMF_KEYS = frozenset("0123456789*#")
INPUT_MODES = ("dtmf", "speech", "both")
"""How a menu takes a choice: keys, the caller's voice, or voice first and keys after."""


@dataclass(frozen=True, kw_only=True)
class Node:
    id: str
    say: str | None = None
    seconds: int = 0
    loc: Loc
    locs: Mapping[str, Loc] = field(default_factory=_no_locs, compare=False, repr=False)

    kind = "node"

    @property
    def takes_step(self) -> bool:
        return self.kind in STEP_KINDS

    def targets(self) -> Iterator[tuple[str, str | None]]:
        """(field, target) for every outgoing target; None where the target is left out."""
        return iter(())

    def where(self, key: str) -> Loc:
        """Where `key` is written in this node, or the node itself if it is not."""
        return self.locs.get(key, self.loc)


@dataclass(frozen=True, kw_only=True)
class Say(Node):
    next: str | None = None
    kind = "say"

    def targets(self) -> Iterator[tuple[str, str | None]]:
        yield "next", self.next


@dataclass(frozen=True, kw_only=True)
class Option:
    key: str
    to: str | None
    serves: tuple[str, ...] = ()
    loc: Loc
    locs: Mapping[str, Loc] = field(default_factory=_no_locs, compare=False, repr=False)


@dataclass(frozen=True, kw_only=True)
class Menu(Node):
    options: tuple[Option, ...]
    invalid: str | None = None
    no_input: str | None = None
    retries: int = 2
    fail: str | None = None
    input: str = "dtmf"
    """dtmf, speech or both (INPUT_MODES)."""
    recognition: float = 0.9
    """Chance that a spoken choice is understood (before the persona's `understood`)."""
    kind = "menu"

    def targets(self) -> Iterator[tuple[str, str | None]]:
        for option in self.options:
            yield f"key {option.key}", option.to
        yield "invalid", self.invalid
        yield "no_input", self.no_input
        yield "fail", self.fail

    def option(self, key: str) -> Option | None:
        return next((o for o in self.options if o.key == key), None)

    def spoken(self, fails: int) -> bool:
        """Whether an attempt made after `fails` consecutive failures is spoken.

        A `both` menu takes the first attempt by voice and falls back to keys once an
        attempt has failed (the count of consecutive failures is above 0).
        """
        return self.input == "speech" or (self.input == "both" and fails == 0)


@dataclass(frozen=True, kw_only=True)
class Ask(Node):
    fact: str
    retries: int = 2
    ok: str | None = None
    fail: str | None = None
    kind = "ask"

    def targets(self) -> Iterator[tuple[str, str | None]]:
        yield "ok", self.ok
        yield "fail", self.fail


@dataclass(frozen=True, kw_only=True)
class Case:
    """One branch case: `test` is chance, knows, given or intent; `value` its argument."""

    test: str
    value: float | str
    to: str | None
    loc: Loc
    locs: Mapping[str, Loc] = field(default_factory=_no_locs, compare=False, repr=False)


@dataclass(frozen=True, kw_only=True)
class Branch(Node):
    cases: tuple[Case, ...]
    else_: str | None = None
    kind = "branch"

    def targets(self) -> Iterator[tuple[str, str | None]]:
        for case in self.cases:
            yield f"when {case.test}", case.to
        yield "else", self.else_

    def cases_taken(self) -> Iterator[tuple[int, Case | None, str | None]]:
        """(index, case, target) of each case some call can take, whoever calls (not one
        of chance 0, nor one after a case of chance 1), then (len(cases), None, else) if
        calls can get past them all."""
        for k, case in enumerate(self.cases):
            if case.test == "chance" and float(case.value) <= 0:
                continue
            yield k, case, case.to
            if case.test == "chance" and float(case.value) >= 1:
                return  # every call that gets here takes it
        yield len(self.cases), None, self.else_


@dataclass(frozen=True, kw_only=True)
class SelfService(Node):
    resolves: tuple[str, ...] = ()
    success: float = 1.0
    next: str | None = None
    kind = "self_service"

    def targets(self) -> Iterator[tuple[str, str | None]]:
        yield "next", self.next


@dataclass(frozen=True, kw_only=True)
class Agent(Node):
    queue: str | None = None
    wait_seconds: int = 0
    asks: tuple[str, ...] = ()
    asks_locs: tuple[Loc, ...] = field(default=(), compare=False, repr=False)
    resolves: tuple[str, ...] | None = None
    """None: the human resolves every intent."""
    transfer: str | None = None
    success: float = 1.0
    """Chance that this human, able to settle the caller's intent, does."""
    kind = "agent"

    def targets(self) -> Iterator[tuple[str, str | None]]:
        yield "transfer", self.transfer

    def resolves_intent(self, intent: str) -> bool:
        return self.resolves is None or intent in self.resolves


@dataclass(frozen=True, kw_only=True)
class Callback(Node):
    kind = "callback"


@dataclass(frozen=True, kw_only=True)
class Hangup(Node):
    kind = "hangup"


@dataclass(frozen=True, kw_only=True)
class Handoff(Node):
    """The call leaves this tree (another flow, an outside number): neither help nor a trap."""

    destination: str | None = None
    kind = "handoff"


NODE_CLASSES: Mapping[str, type[Node]] = MappingProxyType({
    cls.kind: cls for cls in (Say, Menu, Ask, Branch, SelfService, Agent, Callback, Hangup,
                              Handoff)
})


@dataclass(frozen=True, kw_only=True)
class Fact:
    id: str
    label: str
    loc: Loc


@dataclass(frozen=True, kw_only=True)
class Persona:
    """A synthetic caller, defaults applied (docs/format.md, "Callers" and "How a caller moves")."""

    name: str
    intent: str
    knows: frozenset[str]
    share: float = 1.0
    patience: int = 25
    zero_out: float = 0.5
    mistakes: float = 0.02
    understood: float = 1.0
    """Multiplies a speech menu's recognition: an accent, a noisy line."""
    redials: int = 0
    """Calls made again from the start after a call ends in jail, at most (a journey)."""
    declared: bool = True
    loc: Loc


@dataclass(frozen=True, kw_only=True)
class Queue:
    """The staffing of one agent queue (an M/M/N+M queue; see docs/format.md, "Queues")."""

    name: str
    agents: int
    calls_per_hour: float
    handle_seconds: float
    patience_seconds: float | None = None
    """Mean patience in the queue; None: callers never leave it (Erlang C)."""
    loc: Loc
    locs: Mapping[str, Loc] = field(default_factory=_no_locs, compare=False, repr=False)

    @property
    def offered_erlangs(self) -> float:
        """Offered load: arrivals per second times mean handle time."""
        return self.calls_per_hour / 3600.0 * self.handle_seconds

    def where(self, key: str) -> Loc:
        return self.locs.get(key, self.loc)


@dataclass(frozen=True, kw_only=True)
class Tree:
    path: str
    name: str
    start: str
    intents: tuple[str, ...]
    identity: Mapping[str, Fact]
    nodes: Mapping[str, Node]
    callers: tuple[Persona, ...] = ()
    description: str | None = None
    sensitive: tuple[str, ...] = ()
    """Intents that change an account: resolving one with no identity given is unverified."""
    queues: Mapping[str, Queue] = field(default_factory=_no_queues)
    """Staffed queues by name; an agent whose `queue` is named here waits as they say."""
    loc: Loc = Loc(1, 1)
    locs: Mapping[str, Loc] = field(default_factory=_no_locs, compare=False, repr=False)

    @property
    def personas(self) -> tuple[Persona, ...]:
        """The declared callers, or one per intent knowing every fact, in equal shares."""
        if self.callers:
            return self.callers
        every_fact = frozenset(self.identity)
        return tuple(
            Persona(name=intent, intent=intent, knows=every_fact, declared=False,
                    loc=self.locs.get("intents", self.loc))
            for intent in self.intents
        )

    @property
    def uncovered(self) -> tuple[str, ...]:
        """Intents no declared persona calls for (none without `callers:`)."""
        covered = {p.intent for p in self.callers}
        return tuple(i for i in self.intents if i not in covered) if self.callers else ()

    @property
    def judged(self) -> tuple[Persona, ...]:
        """Every caller the rules and the figures judge: `personas`, then a default caller
        (knowing every fact) for each uncovered intent, who counts for 0% of calls."""
        if not self.uncovered:
            return self.personas
        defaults = {p.intent: p for p in replace(self, callers=()).personas}
        return self.callers + tuple(defaults[i] for i in self.uncovered)

    def shares(self, callers: Iterable[Persona]) -> list[float]:
        """Normalised shares of `callers`: declared personas by weight, default callers of
        uncovered intents 0. Without `callers:` every caller is a default one, in equal
        shares (docs/format.md); a choice of default callers only is shared equally too."""
        callers = list(callers)
        weights = [p.share if (p.declared or not self.callers) else 0.0 for p in callers]
        # The exact sum: 0.25 + 0.35 + 0.3 + 0.1 adds up to 0.9999999999999999 in floating
        # point, which made the shares 0.25000000000000006... in `simulate --format json`.
        total = math.fsum(weights)
        if total == 0:
            return [1.0 / len(callers)] * len(callers) if callers else []
        return [w / total for w in weights]

    def where(self, key: str) -> Loc:
        return self.locs.get(key, self.loc)
