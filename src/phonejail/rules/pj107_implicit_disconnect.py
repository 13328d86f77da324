"""PJ107 implicit-disconnect (warning): a left-out target that calls take, and how many do.

What it finds
    A target that is not written: a menu option without `to:`, a menu without
    `invalid` or `fail`, an ask without `ok` or `fail`, a branch case without
    `to:` or a branch without `else`, a `say` without `next`. phonejail keeps
    the format's meaning, the call is disconnected there (flows imported from
    Twilio or Connect rely on it), but reports each one that calls take, with
    the exact share of all calls that are disconnected by it and the callers
    who are. A left-out target no caller can take is not reported (`no_input`
    is one: silence is not simulated; PJ205 reports it). When the disconnects
    jail a persona above `max-jail-rate`, PJ105 reports an error too.

Why it matters
    A target left out by accident reads like an unfinished edit, and nothing
    in the YAML says "hang up here". Callers who take it are cut off with no
    word: the plainest phone jail there is.

How to fix
    Write the target: a human (`to: agent_general`), a callback, or a hangup
    node that says goodbye if ending the call is what you mean (`to: goodbye`,
    `goodbye: {kind: hangup, say: "..."}`), so the intent is on the page.

Example (fails)
    shop_menu:
      kind: menu
      options:
        - {key: "1", serves: [order], to: agent_orders}
        - {key: "2", serves: [returns]}          # no to: shoppers are cut off

Use instead
    shop_menu:
      kind: menu
      options:
        - {key: "1", serves: [order], to: agent_orders}
        - {key: "2", serves: [returns], to: agent_returns}
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from phonejail.findings import Problem, Severity
from phonejail.model.tree import Branch, Loc, Menu, Node
from phonejail.rules._jail import Refusal, caller_shares, left_out_taken, percent
from phonejail.rules.base import Context

CODE = "PJ107"
NAME = "implicit-disconnect"
SEVERITY = Severity.WARNING
OPTIONS = ()

_WRITTEN_AS = {"next": "`next:`", "invalid": "`invalid:` handler", "fail": "`fail:` handler",
               "ok": "`ok:` target", "else": "`else:`"}


def _where(node: Node, label: str) -> Loc:
    """The option or case the target is missing from, else the node."""
    if isinstance(node, Menu) and label.startswith("key "):
        option = node.option(label[4:])
        if option is not None:
            return option.loc
    if isinstance(node, Branch) and label.startswith("case "):
        return node.cases[int(label[5:]) - 1].loc
    return node.loc


def _what(node: Node, label: str) -> str:
    if label.startswith("key "):
        return f"option {label} of menu '{node.id}' has no `to:`"
    if label.startswith("case "):
        return f"{label} of branch '{node.id}' has no `to:`"
    return f"{node.kind} '{node.id}' has no {_WRITTEN_AS[label]}"


def check(ctx: Context) -> Iterator[Problem]:
    tree = ctx.tree
    overall: dict[tuple[str, str], float] = defaultdict(float)
    callers: dict[tuple[str, str], list[str]] = defaultdict(list)
    refused = False
    # The left-out targets taken come from each caller's flow (`CallerJail.left_out` is
    # the same figure): no outcome shares are needed.
    for persona, share in zip(ctx.callers, caller_shares(tree, ctx.callers), strict=True):
        flow = ctx.flow_of(persona)
        if isinstance(flow, Refusal):  # PJ009 (or PJ008, PJ102) names this caller
            refused = True
            continue
        for key, taken in left_out_taken(tree, persona, flow).items():
            overall[key] += share * taken
            callers[key].append(f"'{persona.name}' {percent(taken)} of its calls")
    order = {node_id: i for i, node_id in enumerate(tree.nodes)}
    for node_id, label in sorted(overall, key=lambda k: (order[k[0]], k[1])):
        node = tree.nodes[node_id]
        loc = _where(node, label)
        who = callers[(node_id, label)]
        shown = ", ".join(who[:4]) + (f" and {len(who) - 4} more" if len(who) > 4 else "")
        yield Problem(
            CODE, loc.line, loc.column,
            f"{_what(node, label)}: calls that go there are disconnected, "
            f"{percent(overall[(node_id, label)])} of all calls"
            f"{' phonejail could follow' if refused else ''} ({shown})",
            node=node_id, part=label,
        )
