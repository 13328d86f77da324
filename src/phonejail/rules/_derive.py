"""A caller's chain built from a like caller's: the same chain `compile_chain` gives, faster.

The callers the rules follow come in families: PJ103's caller who lacks one fact
beside the caller of the same intent who knows it, PJ202's mistake-free caller
beside the caller as declared. Two callers of one intent take the same moves at
every node that reads nothing in which they differ (`analysis.chain._moves`
reads the persona only there): so breadth first from the start, a state the like
caller's chain already has, at such a node, takes its moves and visit from that
chain, and only the states at nodes that tell the callers apart are expanded
anew. The walk is `compile_chain`'s, step for step (same order, same budget
check), so the chain is equal to the compiled one, field by field; tests hold
the two equal on every tree of the repository and on random trees.
"""

from __future__ import annotations

from collections import deque

from phonejail.analysis.chain import (
    Chain,
    ChainTooLarge,
    State,
    Target,
    Visit,
    expand,
    start_state,
)
from phonejail.model.tree import Ask, Branch, Menu, Node, Persona, Tree

_MENU_READS = frozenset({"mistakes", "zero_out", "understood"})


def reads(node: Node) -> frozenset[str]:
    """What of a caller, besides the intent, a visit's moves at `node` depend on in
    `analysis.chain._moves`: 'mistakes', 'zero_out', 'understood' (a menu: keying
    slips, pressing 0, being understood), 'knows FACT' (an ask of the fact, a branch
    on knowing it). Every other node (say, agent, self-service, hangup, ...; a
    transfer or a queue at an agent) moves every caller of an intent alike."""
    if isinstance(node, Menu):
        return _MENU_READS
    if isinstance(node, Ask):
        return frozenset({"mistakes", f"knows {node.fact}"})
    if isinstance(node, Branch):
        return frozenset(f"knows {c.value}" for c in node.cases if c.test == "knows")
    return frozenset()


def differences(persona: Persona, like: Persona) -> frozenset[str] | None:
    """What `reads` may name in which the two callers differ; None if their intents do
    (every agent and self-service then tells them apart: nothing to share)."""
    if persona.intent != like.intent:
        return None
    differ = {name for name in ("mistakes", "zero_out", "understood")
              if getattr(persona, name) != getattr(like, name)}
    return frozenset(differ | {f"knows {f}" for f in persona.knows ^ like.knows})


def derive_chain(tree: Tree, persona: Persona, like: Chain, like_index: dict[State, int],
                 budget: int) -> Chain:
    """`compile_chain(tree, persona, budget)`, taking from `like` (another caller's chain
    of the same intent; `like_index` its `index()`) the moves of every state at a node
    that does not tell the two callers apart. Raises ChainTooLarge as compile_chain does.
    """
    differ = differences(persona, like.persona)
    assert differ is not None, "a chain is derived from a caller of the same intent"
    nodes = tree.nodes
    # Per node: whether its moves are the like caller's (asked once per node, not per state).
    shared: dict[str, bool] = {}
    start = start_state(tree)
    index = {start: 0}
    states, visits, all_moves, parent = [start], [], [], [-1]
    queue = deque([start])
    seen: dict[tuple[str, int], Visit] = {}
    like_visits, like_moves = like.visits, like.moves
    while queue:
        state = queue.popleft()
        same = shared.get(state.node)
        if same is None:
            same = shared[state.node] = not (reads(nodes[state.node]) & differ)
        at = like_index.get(state) if same else None
        merged: tuple[tuple[float, Target], ...]
        if at is None:
            visit, merged = expand(tree, persona, state, seen)
        else:  # the moves of `expand(tree, persona, state)`: they read nothing that differs
            visit, merged = like_visits[at], like_moves[at]
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
