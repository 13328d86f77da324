"""A compiled chain as plain Python lists, and one caller's flow over it, without numpy.

`check` of a small tree judges most callers by their exact flow alone (the rules
need the outcome shares only for a caller near or over a limit), and on a chain
of a few hundred states walking the flow in plain Python takes a few milliseconds,
where importing numpy takes about 80. So the rules walk small chains here and big
ones with `analysis.flow` (docs/format.md, "Decisions in the simulation").
The walk is `flow.propagate`'s, level by level: the same products of the tree's
probabilities, added in another order, so the figures agree to rounding
(`rules._jail.ROUNDING`), and every verdict near a limit is taken on the exact
engine's own figures.

The compiled form (`PlainChain`) is also what `arrays.to_arrays` turns into numpy
arrays: one compilation, one check that zero-step states form no cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

from phonejail.analysis.chain import Chain, State

ENDINGS = ("resolved", "unresolved", "callback", "handed_off", "dead_end", "abandoned")
"""Outcomes a move can lead to. `abandoned` comes from patience and the visit cap (the
engines apply them), and from hanging up in a staffed queue (a move)."""
MAX_VISITS = 10_000
"""docs/format.md: a hard cap of node visits ends a call `abandoned`."""
PLAIN_MOVES = 100_000
"""Most moves times levels (patience + 1) of a chain whose flow is walked in plain Python
(about 20 ms; numpy's walk of it takes about 4 ms, after an import of about 80 ms:
benchmarks/bench_plain_flow.py)."""
PLAIN_NODES = 1_000
"""Trees of more nodes have every flow walked with numpy: some of their chains are past
`PLAIN_MOVES`, so numpy is imported anyway, and then its walk is the faster one. The
choice depends on the tree alone, never on what ran before in the process, so a tree's
figures are the same to the last digit however it is checked."""


class ZeroStepCycle(Exception):
    """A cycle of nodes that take no step: a call could go round it forever at no cost."""

    def __init__(self, nodes: list[str]) -> None:
        self.nodes = nodes
        super().__init__(" -> ".join([*nodes, nodes[0]]))


class TooDeepForExact(Exception):
    """The 10,000-visit cap could bind, which the exact engine does not model."""


@dataclass(frozen=True, eq=False)
class PlainChain:
    """A chain's moves in compressed rows: state i's moves are `target[indptr[i]:indptr[i+1]]`
    with chances `prob[...]`, where a target of `n_states + k` is outcome `ENDINGS[k]`."""

    n_states: int
    step: list[bool]
    indptr: list[int]
    target: list[int]
    prob: list[float]
    zero_step_depth: int
    """Most zero-step states one walk can visit in a row (the zero-step graph is acyclic)."""


def to_plain(chain: Chain) -> PlainChain:
    """Compile `chain` to lists; raises ZeroStepCycle if zero-step states form a cycle."""
    index = chain.index()
    n = len(chain.states)
    outcome = {name: n + k for k, name in enumerate(ENDINGS)}
    indptr = [0]
    targets: list[int] = []
    probs: list[float] = []
    for moves in chain.moves:
        for p, t in moves:
            targets.append(index[t] if isinstance(t, State) else outcome[t])
            probs.append(p)
        indptr.append(len(targets))
    step = [v.step for v in chain.visits]
    depth = _zero_step_depth(chain, step, indptr, targets)
    return PlainChain(n, step, indptr, targets, probs, depth)


def rows(a: object) -> tuple[list[int], list[int]]:
    """`indptr` and `target` of a `PlainChain` or an `arrays.ChainArrays`, as lists (an
    item of a list is read far faster than one of an array)."""
    if isinstance(a, PlainChain):
        return a.indptr, a.target
    return a.indptr.tolist(), a.target.tolist()  # type: ignore[attr-defined]


def check_depth(a: PlainChain, patience: int) -> None:
    """Raise TooDeepForExact if the 10,000-visit cap could bind for a caller of this
    patience (every exact figure, `analyse`'s or a flow's, refuses the same chains).
    `a` is a `PlainChain` or an `arrays.ChainArrays`.

    A call takes at most patience + 1 steps, and before each, and after the last, at
    most `zero_step_depth` states that take none: when that quick bound is within the
    cap, so is every call. Past it, `most_visits` bounds the calls more closely.
    """
    if (patience + 2) * (a.zero_step_depth + 1) <= MAX_VISITS:
        return
    bound = most_visits(a, patience)
    if bound >= MAX_VISITS:
        raise TooDeepForExact(
            f"a call could make up to {bound:,} visits, past the engines' cap of "
            f"{MAX_VISITS:,}; the exact analysis does not model that cap: use --method "
            "montecarlo")


def most_visits(a: PlainChain, patience: int) -> int:
    """An upper bound on the visits one call of this patience makes over `a` (a
    `PlainChain` or an `arrays.ChainArrays`).

    A state on no cycle is visited at most once: the longest path through the chain's
    strongly connected components counts those. Within cycles, each visit to a state
    that takes a step spends patience (at most patience + 1 of them), and a run of states
    that take none follows one of those visits or an entry into a cycle (at most one per
    component: the components form no cycle), each run at most as long as the longest
    run of such states within cycles.
    So a long run of routing branches walked once no longer counts once per step of
    patience, as the quick bound in `check_depth` counts it.
    """
    indptr, target = rows(a)
    n = a.n_states
    component, count = components(n, indptr, target)
    size = [0] * count
    cyclic = [False] * count
    for v in range(n):
        size[component[v]] += 1
    after: list[set[int]] = [set() for _ in range(count)]
    for v in range(n):
        for t in target[indptr[v]:indptr[v + 1]]:
            if t >= n:
                continue
            if component[t] == component[v]:
                cyclic[component[v]] = True  # a self-loop or a bigger component
            else:
                after[component[v]].add(component[t])
    # Tarjan's algorithm numbers a component after every component reachable from it.
    longest = [0] * count
    for c in range(count):
        longest[c] = (0 if cyclic[c] else size[c]) + max((longest[d] for d in after[c]),
                                                          default=0)
    loops = sum(cyclic)
    once = longest[component[0]] if n else 0
    if not loops:
        return once
    step = a.step if isinstance(a.step, list) else a.step.tolist()
    inside = [not step[v] and cyclic[component[v]] for v in range(n)]
    run = _longest_run(inside, indptr, target)[0]  # no cycle among them: `to_plain`
    return once + (patience + 1) + (patience + 1 + loops) * run


def _longest_run(inside: list[bool], indptr: list[int], target: list[int]
                 ) -> tuple[int, list[list[int]], list[int]]:
    """Most states in a row among those `inside` (Kahn's algorithm), with the moves among
    them and each one's count of predecessors left unordered: above 0 only on or behind a
    cycle among them."""
    n = len(inside)
    succ: list[list[int]] = [[] for _ in range(n)]
    indegree = [0] * n
    for v in range(n):
        if inside[v]:
            for t in target[indptr[v]:indptr[v + 1]]:
                if t < n and inside[t]:
                    succ[v].append(t)
                    indegree[t] += 1
    depth = [1 if inside[v] else 0 for v in range(n)]
    ready = [v for v in range(n) if inside[v] and indegree[v] == 0]
    while ready:
        v = ready.pop()
        for t in succ[v]:
            depth[t] = max(depth[t], depth[v] + 1)
            indegree[t] -= 1
            if indegree[t] == 0:
                ready.append(t)
    return max(depth, default=0), succ, indegree


def components(n: int, indptr: list[int], target: list[int]) -> tuple[list[int], int]:
    """Strongly connected components of the states (Tarjan's algorithm, without recursion):
    each state's component, numbered so that a component comes after those it reaches."""
    index = [-1] * n
    low = [0] * n
    on_stack = [False] * n
    stack: list[int] = []
    component = [-1] * n
    counter = count = 0
    for root in range(n):
        if index[root] != -1:
            continue
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        work = [(root, indptr[root])]
        while work:
            v, e = work[-1]
            end = indptr[v + 1]
            descended = False
            while e < end:
                w = target[e]
                e += 1
                if w >= n:
                    continue
                if index[w] == -1:
                    work[-1] = (v, e)
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack[w] = True
                    work.append((w, indptr[w]))
                    descended = True
                    break
                if on_stack[w]:
                    low[v] = min(low[v], index[w])
            if descended:
                continue
            work.pop()
            if work:
                u = work[-1][0]
                low[u] = min(low[u], low[v])
            if low[v] == index[v]:
                while True:
                    w = stack.pop()
                    on_stack[w] = False
                    component[w] = count
                    if w == v:
                        break
                count += 1
    return component, count


def walks_plain(tree_nodes: int, a: PlainChain, patience: int) -> bool:
    """Whether the flow of a caller of this patience over `a`, a chain of a tree of
    `tree_nodes` nodes, is walked here rather than with numpy (`PLAIN_NODES`,
    `PLAIN_MOVES`). `a` may be an `arrays.ChainArrays` too."""
    return tree_nodes <= PLAIN_NODES and len(a.target) * (patience + 1) <= PLAIN_MOVES


def propagate(a: PlainChain, patience: int) -> tuple[list[float], list[float]]:
    """One call's mass pushed through the chain, as `flow.propagate` does with `edge_flow`
    and `abandoned`: the expected times per call each move is taken, and per state the
    chance the caller hangs up there, patience spent."""
    n, step, indptr, target, prob = a.n_states, a.step, a.indptr, a.target, a.prob
    flow = [0.0] * len(target)
    hung_up = [0.0] * n

    def spread(mass: dict[int, float]) -> dict[int, float]:
        arrived: dict[int, float] = {}
        for i, m in mass.items():
            for e in range(indptr[i], indptr[i + 1]):
                moved = m * prob[e]
                flow[e] += moved
                t = target[e]
                if t < n:
                    arrived[t] = arrived.get(t, 0.0) + moved
        return arrived

    level: dict[int, float] = {0: 1.0}
    for k in range(patience + 1):
        resting: dict[int, float] = {}
        moving = level
        # Zero-step states pass their mass on within the level (at most `zero_step_depth`
        # in a row); it rests on step states.
        for _ in range(a.zero_step_depth + 1):
            passing: dict[int, float] = {}
            for i, m in moving.items():
                if step[i]:
                    resting[i] = resting.get(i, 0.0) + m
                else:
                    passing[i] = m
            if not passing:
                break
            moving = spread(passing)
        if k == patience:  # a step here would be step patience + 1: the caller hangs up
            for i, m in resting.items():
                hung_up[i] += m
            break
        level = spread(resting)
    return flow, hung_up


def _zero_step_depth(chain: Chain, step: list[bool], indptr: list[int],
                     target: list[int]) -> int:
    """Longest run of zero-step states; raise on a cycle of them."""
    depth, succ, indegree = _longest_run([not s for s in step], indptr, target)
    if any(indegree):
        raise ZeroStepCycle(_a_cycle(chain, succ, indegree))
    return depth


def _a_cycle(chain: Chain, succ: list[list[int]], indegree: list[int]) -> list[str]:
    """Node ids along one cycle among the states Kahn's algorithm could not order.

    Every state left over still has a predecessor that is left over (Kahn's algorithm
    removed the others), but not necessarily a successor: states downstream of a cycle
    are left over too. So the walk goes backwards, which always ends on a cycle.
    """
    left = {i for i in range(len(succ)) if indegree[i] > 0}
    pred: dict[int, list[int]] = {i: [] for i in left}
    for i in left:
        for t in succ[i]:
            if t in left:
                pred[t].append(i)
    here = min(left)
    order: list[int] = []
    seen: dict[int, int] = {}
    while here not in seen:
        seen[here] = len(order)
        order.append(here)
        here = min(pred[here])
    cycle = order[seen[here]:][::-1]
    nodes: list[str] = []
    for i in cycle:
        node = chain.states[i].node
        if not nodes or nodes[-1] != node:
            nodes.append(node)
    if len(nodes) > 1 and nodes[0] == nodes[-1]:
        nodes.pop()
    return nodes
