"""PJ102 jail-loop (error): a set of nodes a call can enter and never leave.

What it finds
    Nodes that some caller can reach and from which, for that caller, every
    path only leads back into the same nodes: no human resolves the call, no
    recording settles it, no hangup or callback ends it. Only the caller's
    patience ends such a call. Typical causes are a menu whose every option
    and handler returns to itself, and agents who transfer a call back and
    forth for an intent neither of them resolves. Each loop is reported once,
    at the node callers enter it by, with the callers (personas, or intents
    when no personas are declared) who are caught in it.

Why it matters
    A loop is worse than a dead end: the caller keeps pressing keys and
    waiting on hold and the system never says it cannot help. It burns the
    caller's time and the centre's agent minutes, and ends as an abandoned
    call with the problem unsolved.

How to fix
    Give the loop an exit for the callers it traps: an option for key 0 to an
    agent who resolves their intent, a `fail` handler to a human or a
    callback, or an agent at the end of the transfer chain whose `resolves`
    covers the intent.

Example (fails)
    agent_cards: {kind: agent, resolves: [pay_bill], transfer: agent_billing}
    agent_billing: {kind: agent, resolves: [pay_bill], transfer: agent_cards}

Use instead
    agent_cards: {kind: agent, resolves: [pay_bill], transfer: agent_accounts}
    agent_accounts: {kind: agent, resolves: [pay_bill, update_card]}
"""

from __future__ import annotations

from collections.abc import Iterator

from phonejail.analysis.chain import states_that_end
from phonejail.findings import Problem, Severity
from phonejail.rules._regions import listing, regions
from phonejail.rules.base import Context

CODE = "PJ102"
NAME = "jail-loop"
SEVERITY = Severity.ERROR
OPTIONS = ()


def check(ctx: Context) -> Iterator[Problem]:
    caught: dict[str, list[str]] = {}
    for persona in ctx.callers:
        chain = ctx.chain(persona)
        ends = states_that_end(chain)
        for i, state in enumerate(chain.states):
            if i not in ends:
                names = caught.setdefault(state.node, [])
                if persona.name not in names:
                    names.append(persona.name)
    for entry, members in regions(ctx, caught):
        node = ctx.tree.nodes[entry]
        who = sorted({name for m in members for name in caught[m]})
        where = (f"'{entry}' loops on itself" if len(members) == 1
                 else f"{len(members)} nodes from '{entry}' on form a loop: {listing(members)}")
        yield Problem(
            CODE, node.loc.line, node.loc.column,
            f"{where}; a call that gets here never ends until the caller gives up "
            f"(caught: {listing(who, 5)})",
            node=entry,
        )
