"""Dial a tree: the designer in the caller's seat, one event at a time (`phonejail call`).

Every move comes from the caller chain (`phonejail.analysis.chain.moves`), the one place
that says what happens at each kind of node, so a dialled call follows the same rules as
the exact analysis and the simulator. Where a real caller chooses (a key at a menu,
giving a fact at an ask), the designer's choice is put to `moves()` as a persona who
wants exactly that: retries, `invalid`, `fail` and whatever the chain says about spoken
input apply unchanged. Where the tree itself draws (a branch's `chance`, a
self-service's or an agent's `success`), the caller may pick, or a seeded draw decides.

`dial()` yields frozen event records and never prints; `phonejail.call.render` turns
them into the transcript the command shows.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from phonejail.analysis.chain import State, Target, moves, visit
from phonejail.analysis.plain import MAX_VISITS  # the engines' cap on node visits: every call ends
from phonejail.model.tree import (
    Agent,
    Ask,
    Menu,
    Node,
    Persona,
    SelfService,
    Tree,
)

_CHOICE = "\0the designer's choice"
"""An intent no tree can name: the persona that stands for one key the designer pressed."""


# --- events -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Counters:
    """Where the call stands after an event: steps of patience spent and seconds elapsed."""

    step: int
    seconds: int


@dataclass(frozen=True, slots=True)
class Started:
    tree: str
    persona: str
    intent: str
    knows: tuple[str, ...]
    patience: int


@dataclass(frozen=True, slots=True)
class Prompted:
    """A prompt played: a say, menu, ask or self-service visit (one step)."""

    node: str
    kind: str
    text: str | None
    seconds: int
    at: Counters


@dataclass(frozen=True, slots=True)
class Key:
    """One key a menu offers and the node it leads to (None: it disconnects)."""

    key: str
    to: str | None
    serves: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Offered:
    """The keys a menu allows; any other key is a wrong key."""

    node: str
    keys: tuple[Key, ...]
    attempt: int
    """1 on the first try; 2, 3... on retries after wrong keys."""
    heard: float | None = None
    """A spoken attempt (a voice menu): the chance the menu understands the caller,
    recognition x understood. None: the caller keys."""


@dataclass(frozen=True, slots=True)
class Pressed:
    node: str
    key: str
    to: str | None
    """Where the key's option leads, or None for a key the menu does not offer."""
    spoken: bool = False
    """Said rather than keyed: the choice the caller would key, for the menu to understand."""


@dataclass(frozen=True, slots=True)
class IdentityAsked:
    """A prompt for an identity fact, by the system (an ask) or by a human (an agent)."""

    node: str
    fact: str
    label: str
    again: bool
    """The fact was already given in this call: a repeated identity prompt."""
    by_human: bool


@dataclass(frozen=True, slots=True)
class Answered:
    node: str
    fact: str
    gave: bool


@dataclass(frozen=True, slots=True)
class Failed:
    """A wrong key or a fact not given: a retry, or the node's `fail` target."""

    node: str
    fails: int
    retries: int
    to: str | None
    retrying: bool


@dataclass(frozen=True, slots=True)
class Drawn:
    """The tree drew among several moves (chance, success, recognition)."""

    node: str
    odds: tuple[tuple[float, str], ...]
    """(probability, where it leads: a node id or an outcome), in the chain's order."""
    chosen: int
    picked: bool
    """True when the caller picked the move, False when the seeded draw decided."""


@dataclass(frozen=True, slots=True)
class Routed:
    """A branch sent the call on without a prompt (no step)."""

    node: str
    to: str | None


@dataclass(frozen=True, slots=True)
class OnHold:
    """A human is reached: the hold before they answer."""

    node: str
    queue: str | None
    wait_seconds: int
    at: Counters
    first_human: bool


@dataclass(frozen=True, slots=True)
class Transferred:
    node: str
    to: str
    at: Counters


@dataclass(frozen=True, slots=True)
class Ended:
    outcome: str
    node: str
    why: str
    at: Counters
    human_at: Counters | None
    """When a human first answered (after the hold), or None if none did."""
    identity_prompts: int
    repeated: int
    transfers: int


Event = (Started | Prompted | Offered | Pressed | IdentityAsked | Answered | Failed | Drawn
         | Routed | OnHold | Transferred | Ended)


# --- the caller's side --------------------------------------------------------------------

class Caller(Protocol):
    """Who decides what the designer-caller does. Each method may return None: hang up."""

    def press(self, offered: Offered) -> str | None:
        """The key pressed at a menu."""

    def give(self, asked: IdentityAsked) -> bool | None:
        """Whether the fact is given at an ask."""

    def pick(self, node: str, odds: Sequence[tuple[float, str]]) -> int | None:
        """The index of the move to take where the tree draws; None: draw with the seed."""


class HungUp(Exception):
    """The caller chose to end the call (or ran out of scripted keys)."""


@dataclass
class ScriptedCaller:
    """Keys pressed in order and facts known; draws are left to the seed."""

    keys: Sequence[str]
    knows: frozenset[str]
    _next: int = 0

    def press(self, offered: Offered) -> str | None:
        if self._next >= len(self.keys):
            return None
        self._next += 1
        return self.keys[self._next - 1]

    def give(self, asked: IdentityAsked) -> bool | None:
        return asked.fact in self.knows

    def pick(self, node: str, odds: Sequence[tuple[float, str]]) -> int | None:
        return None


# --- the walk -----------------------------------------------------------------------------

def where(target: Target) -> str:
    """A move's destination as shown: the next node id, or the outcome."""
    return target.node if isinstance(target, State) else target


def dial(tree: Tree, persona: Persona, caller: Caller, seed: int = 0) -> Iterator[Event]:
    """Walk one call through `tree` as `persona`, asking `caller` at every choice."""
    call = _Call(tree, persona, caller, random.Random(seed))
    yield Started(tree.name, persona.name, persona.intent, tuple(sorted(persona.knows)),
                  persona.patience)
    yield from call.run()


class _Call:
    def __init__(self, tree: Tree, persona: Persona, caller: Caller,
                 rng: random.Random) -> None:
        self.tree, self.persona, self.caller, self.rng = tree, persona, caller, rng
        self.steps = self.seconds = self.prompts = self.repeats = self.transfers = 0
        self.human_at: Counters | None = None

    @property
    def at(self) -> Counters:
        return Counters(self.steps, self.seconds)

    def end(self, outcome: str, node: str, why: str) -> Ended:
        return Ended(outcome, node, why, self.at, self.human_at, self.prompts, self.repeats,
                     self.transfers)

    def run(self) -> Iterator[Event]:
        state = State(self.tree.start, frozenset(), 0)
        for _ in range(MAX_VISITS):
            node = self.tree.nodes[state.node]
            effects = visit(self.tree, state)
            if effects.step and self.steps + 1 > self.persona.patience:
                yield self.end("abandoned", node.id, f"patience ran out: {self.persona.patience}"
                               " steps")
                return
            if effects.step:
                self.steps += 1
                self.seconds += effects.seconds
            try:
                target = yield from self.visit(state, node, effects.wait_seconds)
            except HungUp:
                yield self.end("abandoned", node.id, "you hung up")
                return
            if not isinstance(target, State):
                yield self.end(target, node.id, _why(target, node))
                return
            state = target
        yield self.end("abandoned", state.node, f"{MAX_VISITS} node visits: the engines' cap")

    def visit(self, state: State, node: Node, wait: int) -> Iterator[Event]:
        """The events of one visit; returns where the call goes next."""
        if state.transferring or state.queued:
            # The step of a transfer, or the wait in a staffed queue that ends in a hang-up
            # with the queue's abandonment (the chain makes each a state of its own).
            return (yield from self.draw(node.id, _possible(self.tree, self.persona, state)))
        if node.takes_step:
            yield Prompted(node.id, node.kind, node.say, node.seconds, self.at)
        if isinstance(node, Menu):
            return (yield from self.menu(state, node))
        if isinstance(node, Ask):
            return (yield from self.ask(state, node))
        if isinstance(node, Agent):
            return (yield from self.agent(state, node, wait))
        odds = _possible(self.tree, self.persona, state)
        if node.kind == "branch" and len(odds) == 1:
            yield Routed(node.id, where(odds[0][1]))
        return (yield from self.draw(node.id, odds))

    def draw(self, node: str, odds: list[tuple[float, Target]],
             label: Callable[[Target], str] = where) -> Iterator[Event]:
        """One move among `odds`: the only one, the caller's pick, or the seeded draw."""
        if len(odds) == 1:
            return odds[0][1]
        shown = tuple((p, label(t)) for p, t in odds)
        picked = self.caller.pick(node, shown)
        if picked is not None and 0 <= picked < len(odds):
            chosen = picked
        else:
            roll, chosen = self.rng.random() * sum(p for p, _ in odds), 0
            while chosen < len(odds) - 1 and roll >= odds[chosen][0]:
                roll -= odds[chosen][0]
                chosen += 1
        yield Drawn(node, shown, chosen, picked is not None)
        return odds[chosen][1]

    def menu(self, state: State, node: Menu) -> Iterator[Event]:
        spoken = node.spoken(state.fails)
        offered = Offered(node.id, tuple(Key(o.key, o.to, o.serves) for o in node.options),
                          state.fails + 1,
                          node.recognition * self.persona.understood if spoken else None)
        yield offered
        key = self.caller.press(offered)
        if key is None:
            raise HungUp
        option = node.option(key)
        yield Pressed(node.id, key, option.to if option else None, spoken)
        target = yield from self.draw(node.id, _keyed(self.tree, self.persona, state, key))
        yield from self.failure(state, node, target, chosen=option.to if option else None)
        return target

    def ask(self, state: State, node: Ask) -> Iterator[Event]:
        asked = self.identity(node.id, node.fact, state.given, by_human=False)
        yield asked
        gave = self.caller.give(asked)
        if gave is None:
            raise HungUp
        yield Answered(node.id, node.fact, gave)
        knows = self.persona.knows | {node.fact} if gave else self.persona.knows - {node.fact}
        giver = replace(self.persona, knows=knows, mistakes=0.0)
        target = yield from self.draw(node.id, _possible(self.tree, giver, state))
        yield from self.failure(state, node, target, chosen=node.ok if gave else None)
        return target

    def agent(self, state: State, node: Agent, wait: int) -> Iterator[Event]:
        self.seconds += wait
        first = self.human_at is None
        if first:
            self.human_at = self.at
        yield OnHold(node.id, node.queue, wait, self.at, first)
        for fact in node.asks:
            yield self.identity(node.id, fact, state.given, by_human=True)
        # Not settled, the agent passes the call on: shown as the transfer, not the step state.
        passed_on = f"transfer to {node.transfer}"
        target = yield from self.draw(node.id, _possible(self.tree, self.persona, state),
                                      lambda t: passed_on if isinstance(t, State) else where(t))
        if isinstance(target, State):  # not settled, and the agent passes the call on
            self.transfers += 1
            yield Transferred(node.id, node.transfer or target.node, self.at)
        return target

    def identity(self, node: str, fact: str, given: frozenset[str],
                 by_human: bool) -> IdentityAsked:
        self.prompts += 1
        again = fact in given
        self.repeats += again
        label = self.tree.identity[fact].label if fact in self.tree.identity else fact
        return IdentityAsked(node, fact, label, again, by_human)

    def failure(self, state: State, node: Menu | Ask, target: Target,
                chosen: str | None) -> Iterator[Event]:
        """Say so when the chain counted the key or the answer as a failure."""
        if isinstance(target, State) and target.fails > state.fails:
            yield Failed(node.id, target.fails, node.retries, target.node, retrying=True)
        elif chosen is None or where(target) != chosen:
            yield Failed(node.id, state.fails + 1, node.retries, where(target), retrying=False)

def _possible(tree: Tree, persona: Persona, state: State) -> list[tuple[float, Target]]:
    """The chain's moves from `state` that can happen (probability above zero)."""
    return [(p, t) for p, t in moves(tree, persona, state) if p > 0.0]


def _keyed(tree: Tree, persona: Persona, state: State, key: str) -> list[tuple[float, Target]]:
    """The chain's moves for a caller who keys (or says) `key` at the menu of `state`.

    An offered key: a persona whose whole intent is that one option, making no slips.
    Any other key: the menu with no options at all, where every input fails, pressed by a
    persona who always tries 0: the chain's own failure (retry or `fail`).
    """
    menu = tree.nodes[state.node]
    assert isinstance(menu, Menu)
    option = menu.option(key)
    if option is not None:
        options = tuple(replace(o, serves=(_CHOICE,) if o is option else ())
                        for o in menu.options)
        chooser = replace(persona, intent=_CHOICE, mistakes=0.0)
    else:
        options, chooser = (), replace(persona, intent=_CHOICE, zero_out=1.0)
    alone = replace(tree, nodes={**tree.nodes, menu.id: replace(menu, options=options)})
    return _possible(alone, chooser, state)


def _why(outcome: str, node: Node) -> str:
    reasons: dict[str, Callable[[Node], str]] = {
        "resolved": lambda n: f"{n.id} settled it",
        "unresolved": lambda n: (f"{n.id} could not help and has nowhere to send you"
                                 if isinstance(n, Agent | SelfService)
                                 else f"{n.id} could not help"),
        "callback": lambda n: f"{n.id} takes a message: a human calls back later",
        "handed_off": lambda n: f"{n.id} passes the call outside this tree",
        "abandoned": lambda n: f"you hung up in the queue for {n.id}",
        # A hangup's words are heard (no step: patience is not spent on them).
        "dead_end": lambda n: ((f"{n.id} says \"{n.say}\" and hangs up" if n.say
                                else f"{n.id} hangs up") if n.kind == "hangup"
                               else f"{n.id} has no target here: the line goes dead"),
    }
    return reasons.get(outcome, lambda n: outcome)(node)
