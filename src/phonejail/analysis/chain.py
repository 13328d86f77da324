"""A persona's call as a finite Markov chain: the caller semantics of docs/format.md
("How a caller moves").

This module is the only place that says what a caller does at each kind of
node. The rules use it for "is there any path" questions, the exact analysis
propagates probability over it, and the Monte-Carlo engine samples it, so all
three share one reading of the contract.

A chain state is (node, facts given so far, consecutive failures, transferring, queued). The step
count and "human reached" are not part of it: they are tracked by the engines,
because they only grow. Visiting a state has fixed effects (`Visit`: a step or
not, prompt seconds, identity prompts, repeats, a human answered, a transfer),
and leads to other states or to an outcome with known probabilities.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from phonejail.limits import MAX_CHAIN_STATES
from phonejail.model.tree import (
    Agent,
    Ask,
    Branch,
    Callback,
    Handoff,
    Hangup,
    Menu,
    Node,
    Persona,
    Queue,
    Say,
    SelfService,
    Tree,
)

if TYPE_CHECKING:
    from phonejail.analysis.staffing import QueueFigures

OUTCOMES = ("resolved", "unresolved", "callback", "handed_off", "dead_end", "abandoned")
"""Every way a call ends. `abandoned` comes from patience, which the engines apply, or from
hanging up in a staffed queue;
`handed_off` means the call left this tree (a handoff node), where phonejail cannot follow."""


JAIL_OUTCOMES = ("dead_end", "abandoned", "unresolved")
"""The outcomes of the jail rate; a persona with `redials` calls again after one of them."""


class State(NamedTuple):
    """(node, facts given so far, consecutive failures, transferring, queued): a tuple, so
    hashing is fast.

    `transferring` marks the step of a transfer away from the agent `node` (docs/format.md:
    each transfer costs one step of patience). Such a state has the agent's node and the
    facts given before the human asked, so rules that look at a state's node see the agent;
    its visit is the transfer itself (a step, one transfer, nothing asked).

    `queued` marks a caller waiting in the staffed queue of the agent `node`, not yet
    answered (docs/format.md, "Queues"): no step, no human; they hang up there with the
    queue's abandonment (outcome `abandoned`), otherwise the agent answers.
    """

    node: str
    given: frozenset[str]
    fails: int
    transferring: bool = False
    queued: bool = False


@dataclass(frozen=True, slots=True)
class Visit:
    """What one visit to a state's node does to the call's counters."""

    step: bool
    seconds: int
    prompts: int
    repeats: int
    human: bool
    transfers: int
    wait_seconds: int = 0
    gives: frozenset[str] = frozenset()


Target = State | str
"""The next state, or an outcome name."""


@dataclass(frozen=True)
class Chain:
    """The reachable states of one persona's call, in breadth-first order from the start."""

    persona: Persona
    states: tuple[State, ...]
    visits: tuple[Visit, ...]
    moves: tuple[tuple[tuple[float, Target], ...], ...]
    parent: tuple[int, ...]
    """Index of the state through which each state was first reached (-1 for the start)."""
    sensitive: bool = False
    """The persona's intent changes an account (`sensitive`): resolving it needs identity."""

    def index(self) -> dict[State, int]:
        return {state: i for i, state in enumerate(self.states)}

    def path(self, i: int) -> list[State]:
        """A shortest path (in moves) from the start to state `i`, as the places it passes.

        Transfer steps are left out: the agent before one is already on the path.
        """
        path = [self.states[i]]
        while self.parent[i] >= 0:
            i = self.parent[i]
            path.append(self.states[i])
        return [s for s in path[::-1] if not (s.transferring or s.queued)]

    def unverified(self, i: int) -> bool:
        """Whether resolving the call at state `i` would be an unverified resolution: a
        sensitive intent settled while no identity fact has been given in this call (an
        agent's `asks` count as given: the human asked before acting)."""
        return self.sensitive and not (self.states[i].given or self.visits[i].gives)

    def unverified_resolvers(self) -> list[int]:
        """States from which the call can end resolved with no identity given."""
        return [i for i, moves in enumerate(self.moves)
                if self.unverified(i) and any(t == "resolved" for _, t in moves)]

    def reaches_human(self) -> bool:
        return any(v.human for v in self.visits)

    def may_reach_help(self) -> bool:
        """A human answers on some path, or some path leaves the tree (help may lie beyond)."""
        return self.reaches_human() or any(
            t == "handed_off" for moves in self.moves for _, t in moves)


_TRANSFER = Visit(step=True, seconds=0, prompts=0, repeats=0, human=False, transfers=1)
"""A transfer: one step of patience, no prompt seconds (the hold is the next agent's wait)."""
_QUEUED = Visit(step=False, seconds=0, prompts=0, repeats=0, human=False, transfers=0)
"""Waiting in a staffed queue: no step; the wait of a served caller is the agent's visit."""


def staffing(tree: Tree, node: Agent) -> QueueFigures | None:
    """The Erlang figures of the queue `node` waits in, if `queues` staffs it."""
    queue = tree.queues.get(node.queue) if node.queue is not None else None
    return None if queue is None else _queue_figures(queue)


@lru_cache(maxsize=256)
def _queue_figures(queue: Queue) -> QueueFigures:
    # Queues are frozen records: the series behind Erlang A is summed once per staffing.
    from phonejail.analysis.staffing import queue_figures

    return queue_figures(queue)


def agent_wait(tree: Tree, node: Agent) -> int:
    """Seconds on hold before `node` answers: its staffed queue's mean wait of served
    callers, rounded to whole seconds, or its own `wait_seconds`."""
    staffed = staffing(tree, node)
    return node.wait_seconds if staffed is None else round(staffed.wait_seconds)


def _repeats(node: Node, given: frozenset[str]) -> int:
    """Identity questions a visit to `node` asks again (facts already given in the call)."""
    if isinstance(node, Ask):
        return int(node.fact in given)
    if isinstance(node, Agent):
        return sum(f in given for f in node.asks)
    return 0


def _visit(tree: Tree, node: Node, state: State) -> Visit:
    if state.transferring:
        return _TRANSFER
    if state.queued:
        return _QUEUED
    if isinstance(node, Ask):
        return Visit(step=True, seconds=node.seconds, prompts=1,
                     repeats=_repeats(node, state.given), human=False, transfers=0)
    if isinstance(node, Agent):
        return Visit(step=False, seconds=0, prompts=len(node.asks),
                     repeats=_repeats(node, state.given), human=True,
                     transfers=0, wait_seconds=agent_wait(tree, node),
                     gives=frozenset(node.asks))
    return Visit(step=node.takes_step, seconds=node.seconds if node.takes_step else 0,
                 prompts=0, repeats=0, human=False, transfers=0)


def _to(target: str | None, given: frozenset[str], fails: int) -> Target:
    return "dead_end" if target is None else State(target, given, fails)


def _failure(node: Menu | Ask, state: State) -> Target:
    """A wrong key or a failed ask: retry while the count allows, then `fail` (count reset)."""
    fails = state.fails + 1
    if fails <= node.retries:
        again = node.invalid if isinstance(node, Menu) else node.id
        return _to(again, state.given, fails)
    return _to(node.fail, state.given, 0)


def moves(tree: Tree, persona: Persona, state: State) -> Iterator[tuple[float, Target]]:
    """Where a visit to `state` leads, with probabilities (some may be zero).

    A move to an agent whose queue is staffed lands in its queue first (`queued`); from
    there the caller hangs up with the queue's abandonment or is answered.
    """
    if state.queued:
        node = tree.nodes[state.node]
        assert isinstance(node, Agent)
        figures = staffing(tree, node)
        assert figures is not None
        yield figures.abandon, "abandoned"
        yield 1.0 - figures.abandon, state._replace(queued=False)
        return
    for p, target in _moves(tree, persona, state):
        yield p, _queue_first(tree, target)


def _queue_first(tree: Tree, target: Target) -> Target:
    """`target`, or its staffed agent's queue."""
    if not tree.queues or not isinstance(target, State) or target.transferring:
        return target
    node = tree.nodes[target.node]
    if isinstance(node, Agent) and staffing(tree, node) is not None:
        return target._replace(queued=True)
    return target


def _moves(tree: Tree, persona: Persona, state: State) -> Iterator[tuple[float, Target]]:
    node = tree.nodes[state.node]
    given, intent, e = state.given, persona.intent, persona.mistakes
    if state.transferring:
        assert isinstance(node, Agent) and node.transfer is not None
        yield 1.0, State(node.transfer, given | frozenset(node.asks), 0)
    elif isinstance(node, Say):
        yield 1.0, _to(node.next, given, state.fails)
    elif isinstance(node, Menu):
        heard = 1.0
        if node.spoken(state.fails):
            # A spoken attempt: understood, it is the choice the caller would key (saying
            # "agent" where they would press 0), with no slip of the finger; not
            # understood, it is a no-match, a failure like a wrong key.
            heard = node.recognition * persona.understood
            e = 0.0
            yield 1.0 - heard, _failure(node, state)
        serving = [o for o in node.options if intent in o.serves]
        if serving:
            for option in serving:
                yield heard * (1.0 - e) / len(serving), _to(option.to, given, 0)
            yield heard * e, _failure(node, state)
        else:
            zero = node.option("0")
            z = persona.zero_out
            yield heard * z, _to(zero.to, given, 0) if zero else _failure(node, state)
            for option in node.options:
                yield heard * (1.0 - z) / len(node.options), _to(option.to, given, 0)
    elif isinstance(node, Ask):
        known = node.fact in persona.knows
        yield (1.0 - e) if known else 0.0, _to(node.ok, given | {node.fact}, 0)
        yield e if known else 1.0, _failure(node, state)
    elif isinstance(node, Branch):
        remaining = 1.0
        for case in node.cases:
            if case.test == "chance":
                p = float(case.value)
                yield remaining * p, _to(case.to, given, state.fails)
                remaining *= 1.0 - p
            elif ((case.test == "knows" and case.value in persona.knows)
                  or (case.test == "given" and case.value in given)
                  or (case.test == "intent" and case.value == intent)):
                yield remaining, _to(case.to, given, state.fails)
                return
        yield remaining, _to(node.else_, given, state.fails)
    elif isinstance(node, SelfService):
        settles = intent in node.resolves
        if settles:
            yield node.success, "resolved"
        rest = 1.0 - node.success if settles else 1.0
        yield rest, "unresolved" if node.next is None else State(node.next, given, state.fails)
    elif isinstance(node, Agent):
        settles = node.success if node.resolves_intent(intent) else 0.0
        if settles:
            yield settles, "resolved"
        # Not settled: transferred (one step, the `transferring` state), or unresolved.
        yield 1.0 - settles, ("unresolved" if node.transfer is None
                              else State(node.id, given, 0, transferring=True))
    elif isinstance(node, Callback):
        yield 1.0, "callback"
    elif isinstance(node, Hangup):
        yield 1.0, "dead_end"
    elif isinstance(node, Handoff):
        yield 1.0, "handed_off"
    else:  # pragma: no cover - the loader only builds the kinds above
        raise TypeError(f"unknown node kind {node.kind!r}")


class ChainTooLarge(Exception):
    """A persona's calls can be in more chain states than the state budget allows.

    Each fact given so far, retry count, transfer and queue multiplies the places a call
    can be: K facts each asked on a chance and tested by a `given:` branch give 2^K
    states per node. Past the budget no chain is built (it would exhaust memory);
    Monte-Carlo still samples the calls, compiling only the states they reach.
    """

    def __init__(self, persona: str, budget: int) -> None:
        self.persona, self.budget = persona, budget
        super().__init__(
            f"the calls of persona '{persona}' can be in more than {budget:,} states "
            "(node, facts given, retries, transfer), the state budget")


class CheckTooLarge(ChainTooLarge):
    """The chains one check compiles have more states together than the check's budget
    (`limits.MAX_CHECK_STATES`), each of them within its own."""

    def __init__(self, persona: str, budget: int) -> None:
        self.persona, self.budget = persona, budget
        Exception.__init__(
            self, f"the callers phonejail follows in this tree (each persona, and each caller "
            f"who lacks one identity fact) can be in more than {budget:,} states in all "
            "(node, facts given, retries, transfer), the state budget of one check")


def expand(tree: Tree, persona: Persona, state: State,
           seen: dict[tuple[str, int], Visit] | None = None
           ) -> tuple[Visit, tuple[tuple[float, Target], ...]]:
    """What a visit to `state` does, and where it leads: each target once, with its total
    probability (zero-probability moves left out).

    `seen`, if given, keeps visits by node and repeated questions (all a visit outside a
    transfer or a queue depends on), for the next state with the same.
    """
    node = tree.nodes[state.node]
    if seen is None or state.transferring or state.queued:
        visit = _visit(tree, node, state)
    else:
        key = (state.node, _repeats(node, state.given))
        visit = seen.get(key)
        if visit is None:
            visit = seen[key] = _visit(tree, node, state)
    merged: dict[Target, float] = {}
    # Without staffed queues `moves` is `_moves` unchanged: skip its wrapping (compiling a
    # big tree's chains is mostly this loop).
    for p, target in (moves if tree.queues else _moves)(tree, persona, state):
        if p > 0.0:
            merged[target] = merged.get(target, 0.0) + p
    return visit, tuple(zip(merged.values(), merged, strict=True))


def moves_key(persona: Persona) -> tuple[object, ...]:
    """What a persona's chain depends on, odds and all: personas equal in it have the same
    chain (name, share, patience and redials do not change where a call can go)."""
    return (persona.intent, persona.knows, persona.mistakes, persona.zero_out,
            persona.understood)


def start_state(tree: Tree) -> State:
    """Where every call begins: the start node (or its staffed queue), nothing given."""
    start = _queue_first(tree, State(tree.start, frozenset(), 0))
    assert isinstance(start, State)
    return start


def compile_chain(tree: Tree, persona: Persona, budget: int | None = None) -> Chain:
    """Every state `persona` can reach from the start, breadth first, with merged moves.

    Raises ChainTooLarge as soon as more than `budget` states are found (default
    `limits.MAX_CHAIN_STATES`), before they can exhaust memory.
    """
    if budget is None:
        budget = MAX_CHAIN_STATES
    start = start_state(tree)
    index = {start: 0}
    states, visits, all_moves, parent = [start], [], [], [-1]
    queue = deque([start])
    seen: dict[tuple[str, int], Visit] = {}
    while queue:
        state = queue.popleft()
        visit, merged = expand(tree, persona, state, seen)
        for _, target in merged:
            if isinstance(target, State) and target not in index:
                if len(states) >= budget:
                    raise ChainTooLarge(persona.name, budget)
                index[target] = len(states)
                states.append(target)
                parent.append(index[state])
                queue.append(target)
        visits.append(visit)
        all_moves.append(merged)
    return Chain(persona, tuple(states), tuple(visits), tuple(all_moves), tuple(parent),
                 sensitive=persona.intent in tree.sensitive)


def states_that_end(chain: Chain) -> set[int]:
    """Indices of states from which some path ends the call (any outcome but giving up:
    patience, or hanging up in a staffed queue, is how a caller leaves a jail loop)."""
    index = chain.index()
    callers_of: list[list[int]] = [[] for _ in chain.states]
    ending: list[int] = []
    for i, options in enumerate(chain.moves):
        for _, target in options:
            if isinstance(target, State):
                callers_of[index[target]].append(i)
            elif target != "abandoned":
                ending.append(i)
    seen = set(ending)
    queue = deque(ending)
    while queue:
        for before in callers_of[queue.popleft()]:
            if before not in seen:
                seen.add(before)
                queue.append(before)
    return seen


def fewest_steps_to(chain: Chain, wanted: Callable[[int], bool]
                    ) -> tuple[int, list[State]] | None:
    """The fewest steps (patience spent) to reach a state `wanted(i)` holds for, and a path
    (transfer and queue states left out); None if no such state can be reached.

    0-1 breadth-first search over states: entering a state whose node takes a
    step costs 1, any other 0. Retries are real re-visits here, so failing out
    of a menu costs every attempt.
    """
    index = chain.index()
    dist = [1 << 30] * len(chain.states)
    parent = [-1] * len(chain.states)
    dist[0] = int(chain.visits[0].step)
    queue = deque([0])
    while queue:
        i = queue.popleft()
        for _, target in chain.moves[i]:
            if not isinstance(target, State):
                continue
            j = index[target]
            cost = int(chain.visits[j].step)
            if dist[i] + cost < dist[j]:
                dist[j], parent[j] = dist[i] + cost, i
                (queue.appendleft if cost == 0 else queue.append)(j)
    found = [i for i in range(len(chain.states)) if dist[i] < 1 << 30 and wanted(i)]
    if not found:
        return None
    best = min(found, key=lambda i: (dist[i], i))
    path = [best]
    while parent[path[-1]] >= 0:
        path.append(parent[path[-1]])
    return dist[best], [chain.states[i] for i in reversed(path)
                        if not (chain.states[i].transferring or chain.states[i].queued)]


def fewest_steps_to_human(chain: Chain) -> tuple[int, list[State]] | None:
    """The fewest steps before a human answers, and a path; None if never."""
    return fewest_steps_to(chain, lambda i: chain.visits[i].human)


def visit(tree: Tree, state: State) -> Visit:
    """What one visit to `state` does to the call's counters, for walks outside a Chain
    (`phonejail call` follows a designer's keys, not a persona's draws)."""
    return _visit(tree, tree.nodes[state.node], state)
