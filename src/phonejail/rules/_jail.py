"""Each caller's exact jail, and where it happens: what PJ105, PJ107, PJ103 and PJ202 judge by.

The figures are those of `phonejail simulate --method exact`: the same chain per
persona (`analysis.chain`), the same exact engine (`analysis.exact`, without the
seconds-to-human distribution, which no rule needs). Beside the outcome shares,
one exact propagation (`analysis.flow`) gives the expected number of times each
move is taken, and where callers run out of patience, from which:

- **where jailed calls are lost**: a disconnect is charged to the node whose move
  disconnects (for a `hangup` node, to the node that sent the call there: the ask
  that failed, the menu whose `fail` hangs up); `unresolved` to the agent or
  self-service that ended the call; `abandoned` to the agent whose staffed queue the
  caller hung up in, or to the node where patience ran out, or, inside a loop, to the
  loop's entry (the loop's node most calls come in by);
- **left-out targets taken**: the share of calls disconnected by each missing
  `next`/`to`/`ok`/`fail`/`invalid`/`else`, told apart by running the caller's
  moves over a copy of the node whose left-out targets are marked;
- **visits**: the expected number of visits to each chain state (PJ202: who can
  really be asked again, within their patience).

A small tree's flows are walked in plain Python (`analysis.plain`); numpy is imported
only for a big tree's flows and for a caller's outcome shares, so `check` of a small
tree whose callers are clear of their limits starts and ends without it.
"""

from __future__ import annotations

from collections import ChainMap, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from phonejail.analysis.chain import (
    JAIL_OUTCOMES,
    Chain,
    ChainTooLarge,
    State,
    compile_chain,
    moves,
)
from phonejail.analysis.losses import losses, lost_at
from phonejail.analysis.plain import (
    ENDINGS,
    PlainChain,
    TooDeepForExact,
    ZeroStepCycle,
    check_depth,
    rows,
    to_plain,
    walks_plain,
)
from phonejail.analysis.plain import propagate as walk_plain
from phonejail.model.tree import Ask, Branch, Hangup, Menu, Node, Persona, Say, Tree

if TYPE_CHECKING:
    from phonejail.analysis.arrays import ChainArrays

OUTCOME_WORDS = {"resolved": "resolved", "unresolved": "unresolved", "callback": "callback",
                 "handed_off": "handed off", "dead_end": "dead end",
                 "abandoned": "abandoned"}
_MARK = "\x00left-out:"
"""Prefix of the node id that stands in for a left-out target (no real id can hold NUL)."""


@dataclass(frozen=True)
class CallerJail:
    """One caller's exact outcomes and where their jailed calls are lost."""

    persona: Persona
    share: float
    """Normalised share of all calls; 0 for a default caller of an intent no persona covers."""
    outcomes: Mapping[str, float]
    jail_rate: float
    lost_at: Mapping[str, float] = field(default_factory=dict)
    """Node id -> share of this caller's calls jailed there (sums to `jail_rate`)."""
    left_out: Mapping[tuple[str, str], float] = field(default_factory=dict)
    """(node id, target field) -> share of this caller's calls a left-out target disconnects."""
    chain: Chain | None = None
    visits: tuple[float, ...] = ()
    """Expected visits per call to each state of `chain`."""

    @property
    def worst(self) -> tuple[str, float] | None:
        """The node where most of the jailed calls are lost, and the share lost there."""
        if not self.lost_at:
            return None
        top = max(self.lost_at.values())
        tied = [n for n, share in self.lost_at.items() if share == top]
        # Only a tie needs the chain's order (one pass over it, however many nodes lose calls).
        node = tied[0] if len(tied) == 1 else min(tied, key=_first_met(self, tied).__getitem__)
        return node, top

    def split(self) -> str:
        """'resolved 80.0%, dead end 20.0%': the outcomes that happen, largest first."""
        shown = sorted(((v, k) for k, v in self.outcomes.items() if v > 0),
                       key=lambda vk: -vk[0])
        return ", ".join(f"{OUTCOME_WORDS[k]} {percent(v)}" for v, k in shown)


def _first_met(jail: CallerJail, nodes: list[str]) -> dict[str, int]:
    """A stable tie-break: where each node is first met in the chain's breadth-first order
    (0 for a node the chain never meets)."""
    order = dict.fromkeys(nodes, -1)
    for i, state in enumerate(jail.chain.states if jail.chain is not None else ()):
        if order.get(state.node) == -1:
            order[state.node] = i
    return {node: max(i, 0) for node, i in order.items()}


@dataclass(frozen=True)
class Refusal:
    """Why the exact figures cannot be had (a cycle with no step, the visit cap, or the
    state budget)."""

    reason: str
    cycle: tuple[str, ...] = ()
    """The nodes of the cycle of nodes that take no step, if that is why."""
    past_budget: bool = False
    """The caller's chain is past the state budget (PJ008 reports it)."""


def percent(share: float, beside: float | None = None) -> str:
    """A share of calls as the reports write it (25.0%, 0.04%, <0.01%, >99.99%: never a
    false 0% or 100%).

    With `beside` (a limit it is compared with), enough decimals that the two read apart.
    """
    if share == 0:
        return "0%"
    if share < 0.0001 and beside is None:
        return "<0.01%"
    if 0.9999 < share < 1 and (beside is None or beside <= 0.9999):
        return ">99.99%"
    digits = 2 if share < 0.01 else 1
    while (beside is not None and share != beside and digits < 9
           and round(100 * share, digits) == round(100 * beside, digits)):
        digits += 1
    while share < 1 and round(100 * share, digits) >= 100 and digits < 9:
        digits += 1  # 99.96% is not 100.0%
    return f"{100 * share:.{digits}f}%"


def limit_text(limit: float) -> str:
    """A configured limit as written: 0.05 -> '5%', 0.0999 -> '9.99%'."""
    return f"{100 * limit:.10g}%"


def caller_shares(tree: Tree, callers: Iterable[Persona]) -> list[float]:
    """Normalised shares: declared personas by weight, default callers of uncovered intents 0.

    Without `callers:` every caller is a default one, in equal shares (docs/format.md).
    """
    callers = list(callers)
    counted = [p for p in callers if p.declared] if tree.callers else callers
    total = sum(p.share for p in counted) or 1.0
    return [p.share / total if (p.declared or not tree.callers) else 0.0 for p in callers]


ROUNDING = 1e-9
"""Most a jail rate summed from the flow (`CallerFlow.jail_rate`) can differ from the exact
engine's figure for it: both add the same products of the tree's probabilities in another
order (the error is about 1e-13 on the largest chains). A caller whose flow-summed rate is
at least this far on one side of a limit is on that side by the exact figure too."""


@dataclass(frozen=True, eq=False)
class CallerFlow:
    """One caller's exact flow over its chain: the one propagation the visits, the places
    calls are lost and the left-out targets taken all come from.

    It is cheaper than the outcome shares (`CallerJail`), which the exact engine adds up
    as `simulate --method exact` does; the rules that only need to know on which side of
    a limit a caller is, or where its calls go, stop here (PJ103's callers who lack a
    fact, most of whom are far below their limit). A small chain's flow is walked in
    plain Python (`analysis.plain`), a big one's with numpy (`analysis.flow`).
    """

    chain: Chain
    arrays: object
    """The chain as `analysis.plain.PlainChain` (walked in plain Python) or as
    `analysis.arrays.ChainArrays` (walked with numpy, imported with the first such chain)."""
    edge_flow: Sequence[float]
    """Expected times per call each move (CSR order) is taken, patience applied."""
    hung_up: Sequence[float]
    """Per state: the chance the caller hangs up there, patience spent."""
    visits: tuple[float, ...]
    """Expected visits per call to each state of `chain`."""
    jail_rate: float
    """The jail rate summed from the flow: within `ROUNDING` of `CallerJail.jail_rate`."""

    @property
    def walked_with_numpy(self) -> bool:
        return not isinstance(self.arrays, PlainChain)


def caller_flow(tree: Tree, persona: Persona, chain: Chain, arrays: object | None = None,
                with_numpy: bool | None = None) -> CallerFlow | Refusal:
    """The exact flow of `persona` over `chain` (its own, odds and all; `arrays` its
    `to_plain` or `to_arrays`, if already had), or why the exact analysis refuses it.

    `with_numpy`: walk it with numpy, or in plain Python; by default as
    `analysis.plain.walks_plain` says for the tree and chain.
    """
    try:
        arrays = arrays if arrays is not None else to_plain(chain)
        check_depth(arrays, persona.patience)  # type: ignore[arg-type]
        if with_numpy is None:  # the decision reads the moves' count: either form has it
            with_numpy = not walks_plain(len(tree.nodes), arrays,  # type: ignore[arg-type]
                                         persona.patience)
        if not with_numpy and not isinstance(arrays, PlainChain):
            arrays = to_plain(chain)
        elif with_numpy and isinstance(arrays, PlainChain):
            from phonejail.analysis.arrays import to_arrays

            arrays = to_arrays(chain, arrays)
    except ZeroStepCycle as cycle:
        return Refusal(f"a cycle of nodes that take no step: {cycle}", tuple(cycle.nodes))
    except TooDeepForExact as refused:
        return Refusal(str(refused))
    if isinstance(arrays, PlainChain):
        return _plain_flow(chain, arrays, persona.patience)
    return _numpy_flow(chain, arrays, persona.patience)


_JAILING = frozenset(ENDINGS.index(k) for k in JAIL_OUTCOMES)


def _plain_flow(chain: Chain, a: PlainChain, patience: int) -> CallerFlow:
    flow, hung_up = walk_plain(a, patience)
    visits = [0.0] * a.n_states
    jail = 0.0
    n, indptr, target = a.n_states, a.indptr, a.target
    for i in range(n):
        for e in range(indptr[i], indptr[i + 1]):
            visits[i] += flow[e]
            if target[e] - n in _JAILING:
                jail += flow[e]
    visits = [v + h for v, h in zip(visits, hung_up, strict=True)]
    return CallerFlow(chain, a, flow, hung_up, tuple(visits), jail + sum(hung_up))


def _numpy_flow(chain: Chain, a: ChainArrays, patience: int) -> CallerFlow:
    import numpy as np

    from phonejail.analysis.flow import propagate

    flow = np.zeros(a.prob.size)
    hung_up = np.zeros(a.n_states)
    propagate(a, patience, edge_flow=flow, abandoned=hung_up)
    src = np.repeat(np.arange(a.n_states), np.diff(a.indptr))
    visits = np.bincount(src, weights=flow, minlength=a.n_states) + hung_up
    jailing = np.isin(a.target, [a.n_states + ENDINGS.index(k) for k in JAIL_OUTCOMES])
    jail = float(flow[jailing].sum() + hung_up.sum())
    return CallerFlow(chain, a, flow, hung_up, tuple(float(v) for v in visits), jail)


def caller_jail(tree: Tree, persona: Persona, share: float,
                chain: Chain | None = None,
                flow: CallerFlow | None = None) -> CallerJail | Refusal:
    """The exact jail of `persona`, or why it cannot be computed; `chain`, if given, is
    the persona's own (`compile_chain(tree, persona)`, odds and all), and `flow` its
    `caller_flow` (computed here if not given)."""
    from phonejail.analysis.chain import OUTCOMES
    from phonejail.analysis.exact import analyse

    if flow is None:
        try:
            chain = chain or compile_chain(tree, persona)
        except ChainTooLarge as refused:
            return Refusal(str(refused), past_budget=True)
        found = caller_flow(tree, persona, chain)
        if isinstance(found, Refusal):
            return found
        flow = found
    if not flow.walked_with_numpy:
        # The figures a rule prints are the exact engine's, to the last digit the report's.
        again = caller_flow(tree, persona, flow.chain, flow.arrays, with_numpy=True)
        assert isinstance(again, CallerFlow)  # the same chain, refused by neither walk
        flow = again
    chain, a = flow.chain, flow.arrays
    tally = analyse(a, persona.patience, seconds=False)
    outcomes = {name: float(v) for name, v in zip(OUTCOMES, tally.outcomes, strict=True)}
    jail = sum(outcomes[k] for k in JAIL_OUTCOMES)
    # Where jailed calls are lost: the same function the report's "where calls are lost" uses.
    lost = lost_at(losses(tree, chain, a, flow.edge_flow))
    left_out = left_out_taken(tree, persona, flow)
    return CallerJail(persona, share, outcomes, jail, lost, left_out, chain, flow.visits)


def left_out_taken(tree: Tree, persona: Persona,
                   flow: CallerFlow) -> dict[tuple[str, str], float]:
    """(node id, target field) -> share of the caller's calls a left-out target
    disconnects (`CallerJail.left_out`), from the caller's flow alone."""
    chain, a = flow.chain, flow.arrays
    n = a.n_states  # type: ignore[attr-defined]
    indptr, target = rows(a)
    dead = n + ENDINGS.index("dead_end")
    left_out: dict[tuple[str, str], float] = defaultdict(float)
    for s in range(n):
        if dead not in target[indptr[s]:indptr[s + 1]]:
            continue
        done = flow.visits[s] - float(flow.hung_up[s])  # visits whose moves were taken
        for label, p in _left_out_moves(tree, persona, chain.states[s]):
            left_out[(chain.states[s].node, label)] += done * p
    return {k: v for k, v in left_out.items() if v > 0}


def left_out_fields(node: Node) -> dict[str, str]:
    """Left-out targets that disconnect a call that takes them: field label -> where to mark.

    `no_input` is left out: silence is not simulated, so no call takes it (PJ205 reports it).
    """
    fields: dict[str, str] = {}
    if isinstance(node, Say) and node.next is None:
        fields["next"] = "next"
    elif isinstance(node, Menu):
        fields.update({f"key {o.key}": f"key {o.key}" for o in node.options if o.to is None})
        fields.update({name: name for name in ("invalid", "fail") if getattr(node, name) is None})
    elif isinstance(node, Ask):
        fields.update({name: name for name in ("ok", "fail") if getattr(node, name) is None})
    elif isinstance(node, Branch):
        fields.update({f"case {k}": f"case {k}" for k, c in enumerate(node.cases, 1)
                       if c.to is None})
        if node.else_ is None:
            fields["else"] = "else"
    return fields


def _marked(node: Node) -> Node:
    """`node` with each left-out target replaced by a marker naming the field."""
    def mark(label: str) -> str:
        return _MARK + label

    if isinstance(node, Say):
        return replace(node, next=node.next or mark("next"))
    if isinstance(node, Menu):
        return replace(node, options=tuple(replace(o, to=o.to or mark(f"key {o.key}"))
                                           for o in node.options),
                       invalid=node.invalid or mark("invalid"), fail=node.fail or mark("fail"))
    if isinstance(node, Ask):
        return replace(node, ok=node.ok or mark("ok"), fail=node.fail or mark("fail"))
    if isinstance(node, Branch):
        return replace(node, cases=tuple(replace(c, to=c.to or mark(f"case {k}"))
                                         for k, c in enumerate(node.cases, 1)),
                       else_=node.else_ or mark("else"))
    return node


def _left_out_moves(tree: Tree, persona: Persona, state: State) -> list[tuple[str, float]]:
    """(field, chance) of each left-out target a visit to `state` takes, by the caller's own
    moves (`analysis.chain.moves`) over a copy of the node with those targets marked."""
    node = tree.nodes[state.node]
    if state.transferring or not left_out_fields(node):
        return []
    stand_ins = {_MARK + label: Hangup(id=_MARK + label, loc=node.loc)
                 for label in left_out_fields(node)}
    marked = replace(tree, nodes=ChainMap({node.id: _marked(node), **stand_ins}, tree.nodes))
    taken: dict[str, float] = defaultdict(float)
    for p, target in moves(marked, persona, state):
        if p > 0 and isinstance(target, State) and target.node.startswith(_MARK):
            taken[target.node[len(_MARK):]] += p
    return list(taken.items())
