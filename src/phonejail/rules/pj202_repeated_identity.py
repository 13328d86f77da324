"""PJ202 repeated-identity (warning): a path on which the same fact is asked twice.

What it finds
    A prompt or a human that asks a caller for an identity fact the caller
    has already given in the same call: the IVR asking for the account
    number twice, the agent asking for it after it was keyed in, or the
    second and third agent after a transfer asking again who the caller is.
    Each (node, fact) is reported once, at the `ask` node or at the fact in
    the agent's `asks`, with where the fact was first given and a path that
    leads there, and names only the callers who can really be asked again:
    those who know the fact (a human asking a caller for a fact they lack got
    nothing from them), whose calls get there within their patience (the
    exact figures of `phonejail simulate --method exact`). The same question
    asked again after a wrong key or silence is a retry, not a repeat.

Why it matters
    "Never ask callers to repeat information they have already given" is a
    rule of the GetHuman standard, and the most common complaint about phone
    menus after not reaching a human at all. Each repeat costs time, and on a
    line that transfers between call centres it is what makes callers feel
    they are going round in circles.

How to fix
    Pass what the IVR collected to the agent's desktop (screen pop) and
    across transfers, and drop the repeated `ask`/`asks`. If a second check
    is a real security need, ask for a different fact (a PIN) instead.

Example (fails)
    ask_account: {kind: ask, fact: account_number, ok: agent_billing}
    agent_billing:
      kind: agent
      asks: [account_number]        # the caller keyed it in a minute ago

Use instead
    ask_account: {kind: ask, fact: account_number, ok: agent_billing}
    agent_billing:
      kind: agent
      asks: []                      # the number reaches the agent with the call
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

from phonejail.analysis.chain import Chain, State
from phonejail.findings import Problem, Severity
from phonejail.model.tree import Agent, Ask, Loc
from phonejail.rules._jail import CallerFlow
from phonejail.rules._regions import listing
from phonejail.rules.base import Context

CODE = "PJ202"
NAME = "repeated-identity"
SEVERITY = Severity.WARNING
OPTIONS = ()


def _repeated(ctx: Context, state: State) -> list[tuple[str, Loc]]:
    node = ctx.tree.nodes[state.node]
    if isinstance(node, Ask) and node.fact in state.given:
        return [(node.fact, node.loc)]
    if isinstance(node, Agent):
        locs = node.asks_locs or (node.where("asks"),) * len(node.asks)
        return [(fact, loc) for fact, loc in zip(node.asks, locs, strict=True)
                if fact in state.given]
    return []


def _given_at(path: list[State], fact: str) -> str:
    for before, after in zip(path, path[1:], strict=False):
        if fact not in before.given and fact in after.given:
            return before.node
    return path[0].node  # pragma: no cover - a repeat needs the fact given on the way


def _askers(ctx: Context) -> frozenset[str]:
    """Nodes a fact can be asked again at (`_repeated`): an ask, an agent who asks."""
    return frozenset(node_id for node_id, node in ctx.tree.nodes.items()
                     if isinstance(node, Ask) or (isinstance(node, Agent) and node.asks))


def _repeats(ctx: Context, chain: Chain, visited: Sequence[float] | None,
             askers: frozenset[str]) -> Iterator[tuple[int, str, Loc]]:
    """(state index, fact, where) of each real repeat in `chain`.

    Real: the caller gave the fact in this call (they know it: a human's `asks` of a
    fact the caller lacks got nothing from them); the state is met within the caller's
    patience (`visited`, expected visits per call, when the exact figures are had); and
    it is no retry: a state with failures counted is the question asked again after a
    wrong key or silence, which is a retry, not a repeat. `askers`: `_askers(ctx)`; a
    state elsewhere, or with nothing given yet, repeats nothing.
    """
    knows = chain.persona.knows
    for i, state in enumerate(chain.states):
        if (state.fails or not state.given or state.node not in askers
                or (visited is not None and visited[i] <= 0)):
            continue
        for fact, loc in _repeated(ctx, state):
            if fact in knows:
                yield i, fact, loc


def check(ctx: Context) -> Iterator[Problem]:
    found: dict[tuple[str, str], tuple[Loc, list[State], list[str]]] = {}
    askers = _askers(ctx)
    on_paths: list[set[tuple[str, str]]] = []  # per caller: repeats on its paths, reached or not
    for persona in ctx.callers:
        flow = ctx.flow_of(persona)  # the chain and visits `Context.jail_of` has
        if isinstance(flow, CallerFlow):
            chain, visited = flow.chain, flow.visits
        else:  # no exact figures (PJ102 says why): every state a path reaches counts
            chain, visited = ctx.chain(persona), None
        keys: set[tuple[str, str]] = set()
        for i, fact, loc in _repeats(ctx, chain, None, askers):
            key = (chain.states[i].node, fact)
            keys.add(key)
            if visited is not None and visited[i] <= 0:
                continue  # a repeat on a path, but not within the caller's patience
            if key not in found:  # the path is built once, not at every state that repeats
                found[key] = (loc, chain.path(i), [])
            _, _, who = found[key]
            if persona.name not in who:
                who.append(persona.name)
        on_paths.append(keys)
    # The path shown is a mistake-free caller's shortest way there, when there is one.
    shown: dict[tuple[str, str], list[State]] = {}
    for persona, keys in zip(ctx.callers, on_paths, strict=True):
        if len(shown) == len(found):
            break  # every repeat has its path: the callers after could change none
        if persona.mistakes < 1 and all(k not in found or k in shown for k in keys):
            # Without slips a caller takes some of its moves and no other (with every
            # slip, mistakes 1, it would take none of the right keys): its careful chain
            # holds no state the chain above does not, so no repeat still unshown.
            continue
        careful = ctx.chain(replace(persona, mistakes=0.0), like=persona)
        for i, fact, _ in _repeats(ctx, careful, None, askers):
            key = (careful.states[i].node, fact)
            if key in found and key not in shown:
                shown[key] = careful.path(i)
    tree = ctx.tree
    for (node_id, fact), (loc, path, who) in sorted(found.items(), key=lambda kv: kv[1][0]):
        path = shown.get((node_id, fact), path)
        node = tree.nodes[node_id]
        given = _given_at(path, fact)
        asker = (f"the human at '{node_id}'" + (f" ({node.queue})" if node.queue else "")
                 if isinstance(node, Agent) else f"'{node_id}'")
        route = " -> ".join(_compress([s.node for s in path]))
        yield Problem(
            CODE, loc.line, loc.column,
            f"{asker} asks again for the {tree.identity[fact].label} ({fact}), already given "
            f"at '{given}' (line {tree.nodes[given].loc.line}); path: {route} "
            f"(callers: {listing(who, 4)})",
            node=node_id, fact=fact,
        )


def _compress(path: list[str], keep: int = 8) -> list[str]:
    if len(path) <= keep:
        return path
    return [*path[:3], "...", *path[-(keep - 4):]]
