"""The tree as a networkx DiGraph: every possible move, for any caller, with outcome sinks.

Nodes are the tree's node ids plus the `Sink` members. Every agent node has an
edge to `Sink.HUMAN` (a human answered; the call may still go on to a
transfer), and a left-out target is an edge to `Sink.DISCONNECT`, so "the
call is dropped" is a place in the graph that rules can reason about.
"""

from __future__ import annotations

from collections import deque
from enum import Enum

import networkx as nx

from phonejail.model.tree import Agent, Ask, Callback, Handoff, Hangup, Node, SelfService, Tree


class Sink(str, Enum):
    HUMAN = "(human)"
    RESOLVED = "(resolved)"
    UNRESOLVED = "(unresolved)"
    CALLBACK = "(callback)"
    HANDOFF = "(handoff)"
    DISCONNECT = "(disconnect)"


def _edges(node: Node) -> list[tuple[str, object]]:
    edges: list[tuple[str, object]] = [
        (label, target if target is not None else Sink.DISCONNECT)
        for label, target in node.targets()
    ]
    if isinstance(node, Ask) and node.retries > 0:
        edges.append(("retry", node.id))
    elif isinstance(node, SelfService):
        edges = [(label, Sink.UNRESOLVED if t is Sink.DISCONNECT else t) for label, t in edges]
        if node.resolves and node.success > 0:
            edges.append(("resolved", Sink.RESOLVED))
    elif isinstance(node, Agent):
        edges = [("answers", Sink.HUMAN)]
        if node.resolves is None or node.resolves:
            edges.append(("resolved", Sink.RESOLVED))
        if node.transfer is not None:
            edges.append(("transfer", node.transfer))
        elif node.resolves is not None:
            edges.append(("unresolved", Sink.UNRESOLVED))
    elif isinstance(node, Callback):
        edges.append(("callback", Sink.CALLBACK))
    elif isinstance(node, Hangup):
        edges.append(("hangup", Sink.DISCONNECT))
    elif isinstance(node, Handoff):
        edges.append(("handoff", Sink.HANDOFF))
    return edges


def tree_graph(tree: Tree) -> nx.DiGraph:
    """Every node and sink; an edge for every move some caller can make, labelled by field."""
    graph = nx.DiGraph(name=tree.name, start=tree.start)
    for sink in Sink:
        graph.add_node(sink, kind="sink")
    for node in tree.nodes.values():
        graph.add_node(node.id, kind=node.kind)
    for node in tree.nodes.values():
        for label, target in _edges(node):
            if graph.has_edge(node.id, target):
                graph.edges[node.id, target]["labels"].append(label)
            else:
                graph.add_edge(node.id, target, labels=[label])
    return graph


def reachable(graph: nx.DiGraph, start: str) -> set[str]:
    """Tree nodes (not sinks) a call can reach from `start`."""
    return {n for n in nx.descendants(graph, start) | {start} if not isinstance(n, Sink)}


def steps_from(graph: nx.DiGraph, tree: Tree, start: str) -> dict[str, int]:
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
