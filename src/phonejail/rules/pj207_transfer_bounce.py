"""PJ207 transfer-bounce (warning): a call can be transferred back to an agent it already reached.

What it finds
    An agent whose `transfer` can send a caller to a human that caller has
    already spoken to in the same call, with the path: "texas -> manila ->
    texas". It follows each caller the way `simulate` does, so a human that
    always settles the caller's intent (`success: 1`) is no bounce for them.

Why it matters
    This is the phone journey "to Texas, India, the Philippines and back
    several times": each agent passes the caller on because the next one
    should know, until the call comes round to the first again. Every
    transfer is one step of the caller's patience (docs/format.md), each new
    agent usually asks again who the caller is, and in the end the caller
    hangs up no wiser. `simulate` shows the cost: transfers per call and
    abandoned calls.

How to fix
    Give the call a way out of the circle: let the last agent own the call
    (resolve it, or end the transfers with a callback), or send every
    transfer to one team that can settle the intent, with the facts the first
    agent already took passed along.

Example (fails)
    texas:  {kind: agent, resolves: [update_card], success: 0.5, transfer: manila}
    manila: {kind: agent, resolves: [update_card], success: 0.5, transfer: texas}

Use instead
    texas:  {kind: agent, resolves: [update_card], success: 0.5, transfer: cards}
    cards:  {kind: agent, resolves: [update_card], transfer: callback}
    callback: {kind: callback}
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from phonejail.analysis.chain import Chain, State
from phonejail.findings import Problem, Severity
from phonejail.rules._regions import listing
from phonejail.rules.base import Context

CODE = "PJ207"
NAME = "transfer-bounce"
SEVERITY = Severity.WARNING
OPTIONS = ()


def _successors(chain: Chain) -> list[list[int]]:
    index = chain.index()
    return [[index[t] for _, t in moves if isinstance(t, State)] for moves in chain.moves]


def _landing(chain: Chain, succ: list[list[int]], transfer: int) -> set[int]:
    """The human states a transfer puts the caller through to, before any other step."""
    found: set[int] = set()
    seen = set(succ[transfer])
    queue = deque(seen)
    while queue:
        i = queue.popleft()
        visit = chain.visits[i]
        if visit.human:
            found.add(i)
        elif not visit.step:
            for j in succ[i]:
                if j not in seen:
                    seen.add(j)
                    queue.append(j)
    return found


def _bounces(chain: Chain) -> Iterator[tuple[str, str, list[str]]]:
    """(transferring agent, agent reached again, path of nodes) for each bounce in `chain`."""
    succ = _successors(chain)
    back_to: dict[str, list[int]] = {}
    for i, state in enumerate(chain.states):
        if state.transferring:
            for j in _landing(chain, succ, i):
                back_to.setdefault(chain.states[j].node, []).append(i)
    # Each agent's answered states, found in one pass (not one pass per agent reached again).
    answered: dict[str, list[int]] = {}
    for i, state in enumerate(chain.states):
        if chain.visits[i].human:
            answered.setdefault(state.node, []).append(i)
    for again, transfers in back_to.items():
        # Breadth first from every visit to `again`: the shortest way round to each transfer.
        sources = answered.get(again, [])
        parent = dict.fromkeys(sources, -1)
        queue = deque(sources)
        while queue:
            i = queue.popleft()
            for j in succ[i]:
                if j not in parent:
                    parent[j] = i
                    queue.append(j)
        for transfer in transfers:
            if transfer not in parent:
                continue
            way = [transfer]
            while parent[way[-1]] >= 0:
                way.append(parent[way[-1]])
            nodes: list[str] = []
            for i in reversed(way):
                if not nodes or nodes[-1] != chain.states[i].node:
                    nodes.append(chain.states[i].node)
            yield chain.states[transfer].node, again, [*nodes, again]


def check(ctx: Context) -> Iterator[Problem]:
    found: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    for persona in ctx.callers:
        for agent, again, path in _bounces(ctx.chain(persona)):
            shortest, who = found.setdefault((agent, again), (path, []))
            if len(path) < len(shortest):
                found[(agent, again)] = (path, who)
            if persona.name not in who:
                who.append(persona.name)
    tree = ctx.tree
    for (agent, again), (path, who) in sorted(
            found.items(), key=lambda kv: (tree.nodes[kv[0][0]].loc.line, kv[0][1])):
        loc = tree.nodes[agent].where("transfer")
        to = "to itself" if agent == again else f"to '{again}'"
        yield Problem(
            CODE, loc.line, loc.column,
            f"'{agent}' can transfer callers {to}, a human they already reached in this call; "
            f"path: {' -> '.join(path)} (callers: {listing(who, 4)})",
            node=agent, part=again,
        )
