"""The rules' light move graph and the networkx view of it are the same graph."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings

from phonejail.model.graph import Moves, Sink, reachable, tree_graph
from phonejail.sources import load_source
from tests.test_properties import valid_trees

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


NEVER = """
phonejail: 1
name: never taken
start: route
intents: [order, refund]
nodes:
  route:
    kind: branch
    cases:
      - {when: {chance: 0}, to: closed}
      - {when: {chance: 1}, to: voice}
    else: closed
  voice:
    kind: menu
    input: speech
    recognition: 0
    options: [{key: "1", to: closed}]
    fail: settled
  settled: {kind: agent, resolves: [order, refund], transfer: closed}
  partly: {kind: agent, resolves: [order], transfer: recording}
  recording: {kind: self_service, resolves: [order, refund], success: 1, next: closed}
  maybe: {kind: self_service, resolves: [order, refund], success: 0.9, next: closed}
  closed: {kind: hangup}
"""


def test_moves_no_call_can_take_are_no_edges() -> None:
    from phonejail.model import load_bytes

    tree = load_bytes(NEVER.encode(), "never.yaml").tree
    assert tree is not None
    moves = Moves(tree)
    assert set(moves.successors("route")) == {"voice"}
    assert set(moves.successors("voice")) == {"settled", Sink.DISCONNECT}  # no key is heard
    assert set(moves.successors("settled")) == {Sink.HUMAN, Sink.RESOLVED}
    assert set(moves.successors("partly")) == {Sink.HUMAN, Sink.RESOLVED, "recording"}
    # A recording that settles every call still leads on: PJ101 counts the way on as help.
    assert set(moves.successors("recording")) == {Sink.RESOLVED, "closed"}
    assert set(moves.successors("maybe")) == {Sink.RESOLVED, "closed"}
    assert reachable(moves, tree.start) == {"route", "voice", "settled"}


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(valid_trees())
def test_every_move_a_caller_makes_is_an_edge(text: str) -> None:
    """Leaving out moves no call takes never leaves out one a call does take."""
    from dataclasses import replace

    from phonejail.analysis.chain import State, compile_chain
    from phonejail.model import load_bytes

    tree = load_bytes(text.encode(), "random.yaml").tree
    assert tree is not None
    moves = Moves(tree)
    for persona in tree.judged:
        for odds in (persona, replace(persona, mistakes=0.5, zero_out=0.5, understood=0.5)):
            chain = compile_chain(tree, odds)
            for state, options in zip(chain.states, chain.moves, strict=True):
                for _, target in options:
                    if isinstance(target, int):
                        target = chain.states[target]
                    if isinstance(target, State) and target.node != state.node:
                        assert target.node in set(moves.successors(state.node)), \
                            (state, target)
