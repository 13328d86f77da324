"""The tree as a graph: every possible move, for any caller, with outcome sinks.

`Moves` is the small adjacency the rules use: `check` runs in pre-commit hooks and
editors on every save, and importing networkx alone costs it ~0.2 s. `tree_graph`
gives the same graph as a networkx DiGraph for analyses of your own.

Nodes are the tree's node ids plus the `Sink` members. Every agent node has an
edge to `Sink.HUMAN` (a human answered; the call may still go on to a
transfer), and a left-out target is an edge to `Sink.DISCONNECT`, so "the
call is dropped" is a place in the graph that rules can reason about. A move
no call can take, whoever calls (a branch case of chance 0, an agent's transfer
when it settles every intent with `success: 1`...), is no edge: the node
behind it is unreachable (PJ104), not a dead end (PJ101).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from enum import Enum
from typing import TYPE_CHECKING

from phonejail.model.tree import (
    Agent,
    Ask,
    Branch,
    Callback,
    Handoff,
    Hangup,
    Menu,
    Node,
    SelfService,
    Tree,
)

if TYPE_CHECKING:
    import networkx as nx


class Sink(str, Enum):
    HUMAN = "(human)"
    RESOLVED = "(resolved)"
    UNRESOLVED = "(unresolved)"
    CALLBACK = "(callback)"
    HANDOFF = "(handoff)"
    DISCONNECT = "(disconnect)"


def taken(node: Node, intents: tuple[str, ...]) -> Iterator[tuple[str, str | None]]:
    """`node.targets()` but those no call can take, whoever calls: a branch case of chance
    0, the cases and `else` after a case of chance 1, a speech menu's options when it
    understands nothing (`recognition: 0`), and the `transfer` of an agent that settles
    every intent of the tree with `success: 1`. A self-service's `next` stays, however
    surely it settles calls: PJ101 counts no recording as help, only the way on to one."""
    if isinstance(node, Branch):
        yield from ((f"when {case.test}" if case else "else", to)
                    for _, case, to in node.cases_taken())
    elif isinstance(node, Menu) and node.input == "speech" and node.recognition <= 0:
        yield from ((label, t) for label, t in node.targets() if not label.startswith("key "))
    elif isinstance(node, Agent) and node.success >= 1 and all(
            node.resolves_intent(intent) for intent in intents):
        return
    else:
        yield from node.targets()


def _edges(node: Node, intents: tuple[str, ...]) -> list[tuple[str, object]]:
    edges: list[tuple[str, object]] = [
        (label, target if target is not None else Sink.DISCONNECT)
        for label, target in taken(node, intents)
    ]
    if isinstance(node, Ask) and node.retries > 0:
        edges.append(("retry", node.id))
    elif isinstance(node, SelfService):
        edges = [(label, Sink.UNRESOLVED if t is Sink.DISCONNECT else t) for label, t in edges]
        if node.resolves and node.success > 0:
            edges.append(("resolved", Sink.RESOLVED))
    elif isinstance(node, Agent):
        passed_on = bool(edges)  # some calls are not settled here
        edges = [("answers", Sink.HUMAN)]
        if (node.resolves is None or node.resolves) and node.success > 0:
            edges.append(("resolved", Sink.RESOLVED))
        if passed_on:
            edges.append(("transfer", node.transfer) if node.transfer is not None
                         else ("unresolved", Sink.UNRESOLVED))
    elif isinstance(node, Callback):
        edges.append(("callback", Sink.CALLBACK))
    elif isinstance(node, Hangup):
        edges.append(("hangup", Sink.DISCONNECT))
    elif isinstance(node, Handoff):
        edges.append(("handoff", Sink.HANDOFF))
    return edges


class Moves:
    """Every node and sink, and for every move some caller can make, its labels (by field)."""

    def __init__(self, tree: Tree) -> None:
        self.name, self.start = tree.name, tree.start
        self.labels: dict[object, dict[object, list[str]]] = {sink: {} for sink in Sink}
        self._pred: dict[object, list[object]] = {sink: [] for sink in Sink}
        for node_id in tree.nodes:
            self.labels[node_id], self._pred[node_id] = {}, []
        for node in tree.nodes.values():
            out = self.labels[node.id]
            for label, target in _edges(node, tree.intents):
                if target not in out:
                    out[target] = []
                    self._pred.setdefault(target, []).append(node.id)
                    self.labels.setdefault(target, {})
                out[target].append(label)

    def successors(self, node: object) -> Iterator[object]:
        return iter(self.labels[node])

    def predecessors(self, node: object) -> Iterator[object]:
        return iter(self._pred[node])

    def descendants(self, start: object) -> set[object]:
        """Everything reachable from `start` (not `start` itself unless on a cycle)."""
        return _search(self.labels, [start])

    def ancestors(self, target: object) -> set[object]:
        """Everything that can reach `target`."""
        return _search(self._pred, [target])

    def components(self, among: Iterable[object]) -> list[set[object]]:
        """Weakly connected groups of `among`, moves between them only."""
        left, groups = set(among), []
        while left:
            seed = left.pop()
            group, stack = {seed}, [seed]
            while stack:
                here = stack.pop()
                for other in (*self.labels[here], *self._pred[here]):
                    if other in left:
                        left.discard(other)
                        group.add(other)
                        stack.append(other)
            groups.append(group)
        return groups


def _search(adjacent: dict[object, object], starts: list[object]) -> set[object]:
    seen: set[object] = set()
    stack = list(starts)
    while stack:
        for nxt in adjacent[stack.pop()]:  # type: ignore[attr-defined]
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def tree_graph(tree: Tree) -> nx.DiGraph:
    """The same moves as a networkx DiGraph (`labels` on each edge), for analyses of your own."""
    import networkx as nx

    moves = Moves(tree)
    graph = nx.DiGraph(name=tree.name, start=tree.start)
    for sink in Sink:
        graph.add_node(sink, kind="sink")
    for node in tree.nodes.values():
        graph.add_node(node.id, kind=node.kind)
    for source, out in moves.labels.items():
        for target, labels in out.items():
            graph.add_edge(source, target, labels=list(labels))
    return graph


def reachable(moves: Moves, start: str) -> set[str]:
    """Tree nodes (not sinks) a call can reach from `start`."""
    return {n for n in moves.descendants(start) | {start} if not isinstance(n, Sink)}


def steps_from(graph: Moves, tree: Tree, start: str) -> dict[str, int]:
    """Fewest steps (visits to say/menu/ask/self_service nodes) to reach each node.

    0-1 breadth-first search: entering a node that takes a step costs 1, any other 0.
    """
    first = tree.nodes[start]
    dist = {start: int(first.takes_step)}
    queue: deque[str] = deque([start])
    while queue:
        here = queue.popleft()
        for nxt in graph.successors(here):
            if isinstance(nxt, Sink):
                continue
            cost = int(tree.nodes[nxt].takes_step)
            if nxt not in dist or dist[here] + cost < dist[nxt]:
                dist[nxt] = dist[here] + cost
                (queue.appendleft if cost == 0 else queue.append)(nxt)
    return dist
