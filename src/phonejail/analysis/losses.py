"""Where a persona's jailed calls are lost: the one answer `check` (PJ105) and `report` give.

From the exact flow of a persona's chain (`analysis.flow.edge_flow`: the expected
number of times per call each move is taken, patience applied), each jailed call
is charged to one node:

- a **dead end** to the node whose move disconnects it; at a `hangup` node, to the
  node that sent the call there (the ask that failed, the menu whose `fail` hangs
  up), which is what to fix, with the hangup named as `via`;
- **unresolved** to the agent or self-service that ended the call;
- **abandoned** in a staffed queue to the agent whose queue it is;
- **abandoned** when patience runs out: to the node where it ran out or, inside a
  loop, to the loop's entry (the loop's node most calls come in by from outside):
  a caller going round a menu loop is lost to the loop, not to whichever of its
  prompts was playing when they gave up.

The shares are of all the persona's calls and sum to its jail rate
(docs/format.md, "Caller semantics").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from phonejail.analysis.chain import JAIL_OUTCOMES, Chain
from phonejail.model.tree import Hangup, Tree

if TYPE_CHECKING:
    import numpy as np

    from phonejail.analysis.arrays import ChainArrays



@dataclass(frozen=True)
class Loss:
    """Calls of one persona lost at one node."""

    node: str
    outcome: str
    """'dead_end', 'abandoned' or 'unresolved'."""
    share: float
    """Exact share of this persona's calls lost here this way."""
    via: str | None = None
    """The hangup node the call was sent to, for a dead end placed at the node before it."""
    queue: str | None = None
    """The staffed queue calls hung up in while on hold (an abandonment in the queue of the
    agent `node`, not patience running out): the report says 'on hold', PJ209 sizes it."""


def losses(tree: Tree, chain: Chain, a: ChainArrays, flow: np.ndarray) -> tuple[Loss, ...]:
    """Where jailed calls are lost, exactly: grouped by node, the node losing most first
    (a tie goes to the node the chain meets first), and within a node largest first."""
    import numpy as np

    from phonejail.analysis.arrays import ENDINGS

    n = a.n_states
    src = np.repeat(np.arange(n), np.diff(a.indptr))
    inside = a.target < n
    inflow = np.bincount(a.target[inside], weights=flow[inside], minlength=n)
    inflow[0] += 1.0  # every call starts at state 0
    outflow = np.bincount(src, weights=flow, minlength=n)
    nodes = [s.node for s in chain.states]
    found: dict[tuple[str, str, str | None, str | None], float] = defaultdict(float)
    # Patience: a call that arrives at a state but does not leave it hung up there.
    hung_up = inflow - outflow
    gave_up = np.flatnonzero(hung_up > 1e-12)
    if gave_up.size:
        entry = loop_entries(chain, nodes, src, a.target, n, flow)
        for i in gave_up:
            found[(entry.get(nodes[i], nodes[i]), "abandoned", None, None)] += float(hung_up[i])
    feeders: dict[int, list[int]] = defaultdict(list)  # state -> moves into it
    for e in np.flatnonzero(inside):
        feeders[int(a.target[e])].append(int(e))
    for e in np.flatnonzero(~inside):
        outcome = ENDINGS[a.target[e] - n]
        if outcome not in JAIL_OUTCOMES or flow[e] <= 0:
            continue
        here = int(src[e])
        node = nodes[here]
        if outcome == "dead_end" and isinstance(tree.nodes[node], Hangup) and feeders[here]:
            # A hangup takes no step, so every call that comes in ends here: charge each
            # node that sent calls to it with exactly the calls it sent.
            for before in feeders[here]:
                found[(nodes[src[before]], outcome, node, None)] += float(flow[before])
        else:
            held = chain.states[here].queued and outcome == "abandoned"
            queue = getattr(tree.nodes[node], "queue", None) if held else None
            found[(node, outcome, None, queue)] += float(flow[e])
    kept = {k: v for k, v in found.items() if v > 1e-12}
    total: dict[str, float] = defaultdict(float)
    for (node, *_), share in kept.items():
        total[node] += share
    first = {}
    for i, node in enumerate(nodes):
        first.setdefault(node, i)
    ranked = [Loss(node, outcome, share, via, queue)
              for (node, outcome, via, queue), share in kept.items()]
    ranked.sort(key=lambda x: (-total[x.node], first.get(x.node, 0), -x.share, x.outcome))
    return tuple(ranked)


def lost_at(found: Sequence[Loss]) -> dict[str, float]:
    """Node -> share of the calls lost there, all ways together, in `losses` order."""
    per: dict[str, float] = {}
    for loss in found:
        per[loss.node] = per.get(loss.node, 0.0) + loss.share
    return per


def loop_entries(chain: Chain, nodes: list[str], src, target, n: int, flow
                 ) -> dict[str, str]:
    """Node -> the entry of the loop it lies in (the loop's node with the most calls coming
    in from outside it); nodes on no loop are left out."""
    succ: dict[str, set[str]] = defaultdict(set)
    for e, t in enumerate(target):
        if t < n:
            succ[nodes[src[e]]].add(nodes[t])
    loops = [c for c in strongly_connected(list(dict.fromkeys(nodes)), succ)
             if len(c) > 1 or next(iter(c)) in succ[next(iter(c))]]
    # One pass over the moves for all loops (a big tree has thousands of retry loops).
    loop_of = {node: i for i, loop in enumerate(loops) for node in loop}
    into: list[dict[str, float]] = [defaultdict(float) for _ in loops]
    start = chain.states[0].node
    if start in loop_of:
        into[loop_of[start]][start] += 1.0
    for e, t in enumerate(target):
        if t < n:
            inside = loop_of.get(nodes[t])
            if inside is not None and loop_of.get(nodes[src[e]]) != inside:
                into[inside][nodes[t]] += float(flow[e])
    order = {node: i for i, node in enumerate(dict.fromkeys(nodes))}
    entries: dict[str, str] = {}
    for loop, coming in zip(loops, into, strict=True):
        head = max(loop, key=lambda m, coming=coming: (coming.get(m, 0.0), -order[m]))
        entries.update(dict.fromkeys(loop, head))
    return entries


def strongly_connected(nodes: list[str], succ: Mapping[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm without recursion (chains of thousands of nodes are deep)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[set[str]] = []
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(succ[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            here, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(succ[child]))))
                elif child in on_stack:
                    low[here] = min(low[here], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[here])
            if low[here] == index[here]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == here:
                        break
                found.append(component)
    return found
