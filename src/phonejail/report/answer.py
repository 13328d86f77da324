"""The answer a designer looks for first: which callers get stuck, where, and how their call goes.

Per persona, from the exact chain:
- where calls are lost (`analysis.losses`, the same answer PJ105 gives): the node at
  which jailed calls end (dead end, unresolved, or patience running out, inside a loop
  at the loop's entry), with the exact share of the persona's calls lost there;
- the likeliest call: the single most probable walk from `start` to the end of the call,
  told as a journey (each prompt with its seconds, the key pressed or fact given, identity
  asked or asked again, hold, transfers), with the exact chance that a call goes that way.
  A staffed agent is one visit, as `phonejail call` tells it: on hold for its queue's wait
  (the `queued` state of the chain, which asks nothing and takes no step), then answered;
  a caller who hangs up in the queue ends there.

Both read only the chain of docs/format.md ("Caller semantics"), so they agree with every
figure of the report. A dead end at a `hangup` node is placed at the node that sent the
call there: "cut off after 'ask_phone'" says what to fix, "at 'goodbye'" does not.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from phonejail.analysis.arrays import ENDINGS, ChainArrays
from phonejail.analysis.chain import Chain, State, agent_wait
from phonejail.analysis.losses import Loss, losses
from phonejail.model.tree import Agent, Ask, Branch, Hangup, Menu, Persona, SelfService, Tree
from phonejail.simulate import PersonaResult

RARELY_HELPED = 0.01
"""A persona that reaches a human in fewer calls than this is 'almost never helped': its
time-to-human figures describe a handful of freak calls, and the report says so instead
of drawing them as if typical."""


@dataclass(frozen=True)
class Stop:
    """One place on a call's way: a prompt heard, a choice made, a human on the line."""

    node: str
    kind: str
    seconds: int
    """Prompt seconds heard here (hold time is `hold`)."""
    action: str
    """What happens, in words: 'presses 1', 'gives home phone number', 'cannot give ...'."""
    asked: tuple[str, ...] = ()
    """Identity facts asked here (their labels)."""
    repeated: tuple[str, ...] = ()
    """Of those, the ones already given earlier in the call."""
    hold: int = 0
    """Seconds on hold before a human answers: a staffed queue's wait, or `wait_seconds`."""
    transfer: bool = False
    queue: str | None = None
    """The staffed queue (under `queues`) a human answers from, or hung up in."""


@dataclass(frozen=True)
class Journey:
    stops: tuple[Stop, ...]
    outcome: str
    chance: float
    """Exact chance that a call of this persona goes exactly this way."""

    @property
    def seconds(self) -> int:
        return sum(s.seconds + s.hold for s in self.stops)

    @property
    def identity_asked(self) -> int:
        return sum(len(s.asked) for s in self.stops)

    @property
    def identity_repeated(self) -> int:
        return sum(len(s.repeated) for s in self.stops)

    @property
    def transfers(self) -> int:
        return sum(s.transfer for s in self.stops)

    @property
    def hold(self) -> int:
        return sum(s.hold for s in self.stops)


@dataclass(frozen=True)
class PersonaAnswer:
    name: str
    share: float
    jail_rate: float
    reached_human: float
    seconds_to_human: float | None
    """Mean over the calls that reach a human; None if none does."""
    losses: tuple[Loss, ...]
    """Largest first; only nodes where some calls are lost."""
    journey: Journey
    flow: dict[tuple[str, str | None], float] = field(default_factory=dict)
    """Expected times per call of this persona each node-to-node move is taken (None: ends)."""
    through: dict[str, float] = field(default_factory=dict)
    """Node id -> exact chance a call of this persona passes through it (drawn trees only)."""

    @property
    def rarely_helped(self) -> bool:
        return self.reached_human < RARELY_HELPED


def persona_answer(tree: Tree, chain: Chain, a: ChainArrays, flow: np.ndarray,
                   result: PersonaResult) -> PersonaAnswer:
    """The answer for one persona; `flow` is `edge_flow(a, patience)` (CSR move order)."""
    f = result.figures
    return PersonaAnswer(result.name, result.share, f.jail_rate, f.reached_human,
                         f.seconds_to_human.mean, losses(tree, chain, a, flow),
                         likeliest_journey(tree, chain, a), node_flow(chain, a, flow))


def node_flow(chain: Chain, a: ChainArrays, flow: np.ndarray
              ) -> dict[tuple[str, str | None], float]:
    """State-to-state flow summed node to node; a move that ends the call goes to None."""
    n = a.n_states
    nodes = np.array([s.node for s in chain.states] + [None] * len(ENDINGS), dtype=object)
    src = np.repeat(np.arange(n), np.diff(a.indptr))
    taken = flow > 0
    summed: dict[tuple[str, str | None], float] = defaultdict(float)
    for s, t, amount in zip(nodes[src[taken]], nodes[a.target[taken]], flow[taken],
                            strict=True):
        summed[(s, t)] += float(amount)
    return dict(summed)


def likeliest_journey(tree: Tree, chain: Chain, a: ChainArrays) -> Journey:
    """The most probable walk from the start to the end of a call (patience applied).

    Dijkstra over (state, steps taken) with cost -log(chance): the first ending taken off
    the heap is the most probable complete call. It expands only what it needs, so long
    retry loops (each a small chance) are rarely explored.
    """
    n = a.n_states
    patience = chain.persona.patience
    first = (0, int(a.step[0]))
    best: dict[tuple[int, int], float] = {first: 0.0}
    parent: dict[tuple[int, int], tuple[int, int] | None] = {first: None}
    heap: list[tuple[float, int, int]] = [(0.0, 0, first[1])]
    if first[1] > patience:
        return Journey((), "abandoned", 1.0)
    would: dict[tuple[int, int], int] = {}  # an abandoned ending -> the state not visited
    while heap:
        cost, i, steps = heapq.heappop(heap)
        if i < 0:  # an ending: -1 - outcome index, `steps` holds the state it came from
            key = parent[(i, steps)]
            assert key is not None
            return _journey(tree, chain, _walk(parent, key), ENDINGS_ALL[-1 - i],
                            math.exp(-cost), would.get((i, steps)))
        if cost > best.get((i, steps), math.inf):
            continue
        for e in range(a.indptr[i], a.indptr[i + 1]):
            p = a.prob[e]
            if p <= 0:
                continue
            c = cost - math.log(p)
            t = int(a.target[e])
            if t >= n:
                end = (-1 - ENDINGS_ALL.index(ENDINGS[t - n]), i * (patience + 2) + steps)
            else:
                after = steps + int(a.step[t])
                if after > patience:  # that visit would be one step too many: hangs up
                    end = (-1 - ENDINGS_ALL.index("abandoned"), i * (patience + 2) + steps)
                else:
                    if c < best.get((t, after), math.inf):
                        best[(t, after)] = c
                        parent[(t, after)] = (i, steps)
                        heapq.heappush(heap, (c, t, after))
                    continue
            if c < best.get(end, math.inf):
                best[end] = c
                parent[end] = (i, steps)
                if t < n:
                    would[end] = t
                heapq.heappush(heap, (c, *end))
    return Journey((), "abandoned", 0.0)  # pragma: no cover - every chain ends somewhere


ENDINGS_ALL = (*ENDINGS, "abandoned")


def _walk(parent: dict[tuple[int, int], tuple[int, int] | None], key: tuple[int, int]
          ) -> list[int]:
    path = []
    at: tuple[int, int] | None = key
    while at is not None:
        path.append(at[0])
        at = parent[at]
    return path[::-1]


def _journey(tree: Tree, chain: Chain, path: list[int], outcome: str, chance: float,
             not_visited: int | None) -> Journey:
    labels = {fact: spec.label for fact, spec in tree.identity.items()}
    stops = []
    for k, i in enumerate(path):
        state = chain.states[i]
        if k + 1 < len(path):
            after: State | None = chain.states[path[k + 1]]
        else:  # the last move: where the caller would have gone had patience lasted
            after = chain.states[not_visited] if not_visited is not None else None
        stop = _stop(tree, state, after, outcome, labels, chain.persona)
        if stop is not None:
            stops.append(stop)
    last = stops[-1].kind if stops else None
    if outcome == "abandoned" and last != "queue":  # a hang-up in a queue is its own stop
        stops.append(Stop("", "end", 0, "hangs up: patience runs out"))
    elif outcome == "dead_end" and last != "hangup":
        stops.append(Stop("", "end", 0, "the line goes dead"))
    return Journey(tuple(stops), outcome, chance)


def _stop(tree: Tree, state: State, after: State | None, outcome: str,
          labels: dict[str, str], persona: Persona) -> Stop | None:
    node = tree.nodes[state.node]
    label = labels.get
    if state.transferring:
        return Stop(node.id, "transfer", 0, f"transferred to '{after.node}'" if after
                    else "transferred", transfer=True)
    if state.queued:
        # Waiting in the staffed queue of the agent: answered, the agent's own state is next
        # and tells the visit (hold, questions, help); only a hang-up here is a stop.
        if after is not None:
            return None
        assert isinstance(node, Agent)
        return Stop(node.id, "queue", 0, "hangs up on hold", queue=node.queue)
    if isinstance(node, Menu):
        return Stop(node.id, node.kind, node.seconds, _menu_action(node, state, after, persona))
    if isinstance(node, Ask):
        fact = label(node.fact, node.fact)
        repeated = (fact,) if node.fact in state.given else ()
        gave = (after is not None and after.node == node.ok and after.fails == 0
                and node.fact in after.given)
        action = f"gives the {fact}" if gave else f"cannot give the {fact}"
        return Stop(node.id, node.kind, node.seconds, action, (fact,), repeated)
    if isinstance(node, Agent):
        asked = tuple(label(f, f) for f in node.asks)
        repeated = tuple(label(f, f) for f in node.asks if f in state.given)
        if after is not None:
            action = "cannot help, transfers"
        else:
            action = {"resolved": "helps", "unresolved": "cannot help"}.get(outcome, outcome)
        queue = node.queue if node.queue in tree.queues else None
        return Stop(node.id, node.kind, 0, action, asked, repeated,
                    hold=agent_wait(tree, node), queue=queue)
    if isinstance(node, Branch):
        return None  # routing without a prompt: nothing the caller hears or does
    if isinstance(node, SelfService):
        if after is None:
            action = "settles it" if outcome == "resolved" else "does not settle it"
        else:
            action = "does not settle it"
        return Stop(node.id, node.kind, node.seconds, f"self-service {action}")
    if isinstance(node, Hangup):
        return Stop(node.id, node.kind, 0, "the system hangs up")
    action = {"callback": "a callback is booked", "handoff": "handed to another flow"}.get(
        node.kind, "listens")
    return Stop(node.id, node.kind, node.seconds if node.takes_step else 0, action)


def _menu_action(node: Menu, state: State, after: State | None, persona: Persona) -> str:
    """What the caller does at a menu, as they live it (docs/format.md, "How a caller moves"
    and "Voice menus"): a spoken attempt is said ("says 1", the choice written as its key, as
    `phonejail call` writes it) and one the menu does not understand is a no-match, not a
    wrong key; a keyed attempt is pressed, and a wrong key is a slip of the finger when an
    option fits. Where no option serves the intent the caller presses 0 or guesses among
    options meant for other intents (an option meant for none, a language, is just chosen).

    The chain's move does not say why it was taken (a no-match and a slip both go to
    `invalid`), so of the ways the caller could have made the move from `state` to `after`
    (None: the call ended there) the likeliest is told, with the chances of `chain._moves`.
    """
    spoken = node.spoken(state.fails)
    verb = "says" if spoken else "presses"
    heard = node.recognition * persona.understood if spoken else 1.0
    slip = 0.0 if spoken else persona.mistakes
    fails = state.fails + 1
    failed_to, failed_fails = ((node.invalid, fails) if fails <= node.retries
                               else (node.fail, 0))

    def chosen(target: str | None) -> bool:
        if after is None:
            return target is None
        return target == after.node and after.fails == 0

    def failed() -> bool:
        if after is None:
            return failed_to is None
        return failed_to == after.node and after.fails == failed_fails

    ways: list[tuple[float, str]] = []  # (chance, words), in the order of chain._moves
    if spoken and failed():
        ways.append((1.0 - heard, "not understood (a no-match)"))
    serving = [o for o in node.options if persona.intent in o.serves]
    if serving:
        ways += [(heard * (1.0 - slip) / len(serving), f"{verb} {o.key}")
                 for o in serving if chosen(o.to)]
        if failed():
            ways.append((heard * slip, "presses a wrong key (a slip)"))
    else:
        zero = node.option("0")
        if zero is not None and chosen(zero.to):
            ways.append((heard * persona.zero_out, f"no option fits: {verb} 0"))
        elif zero is None and failed():
            ways.append((heard * persona.zero_out, "no option fits: a wrong key" if not spoken
                         else "no option fits: says 0, not a choice here"))
        # A guess among options meant for other intents; an option meant for no intent (a
        # language choice) is simply chosen.
        ways += [(heard * (1.0 - persona.zero_out) / len(node.options),
                  f"no option fits: {verb} {o.key} (a guess)" if o.serves else f"{verb} {o.key}")
                 for o in node.options if chosen(o.to)]
    if not ways:  # pragma: no cover - the move was one of the above
        return f"{verb} a key"
    return max(ways, key=lambda w: w[0])[1]  # the first of the likeliest, on a tie
