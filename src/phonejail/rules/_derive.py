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

from typing import TYPE_CHECKING

from phonejail.analysis.chain import (
    Chain,
    ChainTooLarge,
    State,
    Target,
    Visit,
    expand,
    start_state,
)
from phonejail.analysis.plain import PlainChain, rows
from phonejail.model.tree import Ask, Branch, Menu, Node, Persona, Tree

if TYPE_CHECKING:
    from phonejail.analysis.arrays import ChainArrays

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
                 budget: int, like_arrays: PlainChain | ChainArrays | None = None) -> Chain:
    """`compile_chain(tree, persona, budget)`, taking from `like` (another caller's chain
    of the same intent; `like_index` its `index()`, `like_arrays` its `to_plain` or
    `to_arrays` if had) the moves of every state at a node that does not tell the two
    callers apart. Raises ChainTooLarge as compile_chain does.

    The walk is compile_chain's: states are taken in the order they were found (so the
    i-th taken is state i, its children's parent) and each state's targets in the order
    of its moves. A state of `like`'s chain is known by its index there (`found_as`), so
    the moves copied from it are followed without hashing a state (by `like_arrays`,
    whose targets are those moves' states, in order).
    """
    differ = differences(persona, like.persona)
    assert differ is not None, "a chain is derived from a caller of the same intent"
    nodes = tree.nodes
    # Per node: whether its moves are the like caller's (asked once per node, not per state).
    shared: dict[str, bool] = {}
    like_states, like_visits, like_moves = like.states, like.visits, like.moves
    n_like = len(like_states)
    if like_arrays is not None:
        bounds, targets = rows(like_arrays)
    found_as = [-1] * n_like  # per state of `like`'s chain: its index here, once found
    others: dict[State, int] = {}  # the index here of each state `like`'s chain lacks
    seen: dict[tuple[str, int], Visit] = {}  # compile_chain's visits by node and repeats
    start = start_state(tree)
    states: list[State] = [start]
    at_of: list[int | None] = [like_index.get(start)]
    if at_of[0] is not None:
        found_as[at_of[0]] = 0
    else:
        others[start] = 0
    visits: list[Visit] = []
    all_moves: list[tuple[tuple[float, Target], ...]] = []
    parent = [-1]
    i = 0
    while i < len(states):
        state, at = states[i], at_of[i]
        same = shared.get(state.node)
        if same is None:
            same = shared[state.node] = not (reads(nodes[state.node]) & differ)
        merged: tuple[tuple[float, Target], ...]
        if same and at is not None:
            # The moves of `expand(tree, persona, state)`: they read nothing that differs.
            visit, merged = like_visits[at], like_moves[at]
            if like_arrays is not None:
                heads = [t for t in targets[bounds[at]:bounds[at + 1]] if t < n_like]
            else:
                heads = [like_index[t] for _, t in merged if isinstance(t, State)]
            for t in heads:
                if found_as[t] < 0:
                    if len(states) >= budget:
                        raise ChainTooLarge(persona.name, budget)
                    found_as[t] = len(states)
                    states.append(like_states[t])
                    at_of.append(t)
                    parent.append(i)
        else:
            visit, merged = expand(tree, persona, state, seen)
            for _, target in merged:
                if not isinstance(target, State):
                    continue
                t = like_index.get(target)
                if t is None:
                    if target in others:
                        continue
                elif found_as[t] >= 0:
                    continue
                if len(states) >= budget:
                    raise ChainTooLarge(persona.name, budget)
                if t is None:
                    others[target] = len(states)
                else:
                    found_as[t] = len(states)
                states.append(target)
                at_of.append(t)
                parent.append(i)
        visits.append(visit)
        all_moves.append(merged)
        i += 1
    return Chain(persona, tuple(states), tuple(visits), tuple(all_moves), tuple(parent),
                 sensitive=persona.intent in tree.sensitive)
