"""The rules' light move graph and the networkx view of it are the same graph."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from phonejail.model.graph import Moves, Sink, reachable, tree_graph
from phonejail.sources import load_source

TREES = sorted((Path(__file__).parents[2] / "trees").glob("*.yaml"))


@pytest.mark.parametrize("path", TREES, ids=lambda p: p.stem)
def test_moves_match_the_networkx_graph(path: Path) -> None:
    tree = load_source(str(path)).loaded.tree
    if tree is None:
        pytest.skip("tree does not load")
    moves, graph = Moves(tree), tree_graph(tree)
    assert set(moves.labels) == set(graph.nodes)
    for node in graph.nodes:
        assert set(moves.successors(node)) == set(graph.successors(node))
        assert set(moves.predecessors(node)) == set(graph.predecessors(node))
        for target in graph.successors(node):
            assert moves.labels[node][target] == graph.edges[node, target]["labels"]
    assert moves.ancestors(Sink.HUMAN) == nx.ancestors(graph, Sink.HUMAN)
    assert reachable(moves, tree.start) == {
        n for n in nx.descendants(graph, tree.start) | {tree.start} if not isinstance(n, Sink)}
    nodes = list(tree.nodes)[::2]
    ours = sorted(sorted(map(str, g)) for g in moves.components(nodes))
    theirs = sorted(sorted(map(str, g)) for g in
                    nx.weakly_connected_components(graph.subgraph(nodes)))
    assert ours == theirs
