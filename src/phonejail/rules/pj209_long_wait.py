"""PJ209 long-wait (warning): a staffed queue where callers wait too long or give up.

What it finds
    A queue under `queues` whose model figures (Erlang A; Erlang C without
    `patience_seconds`, see docs/format.md, "Queues") exceed a limit: the mean
    wait of the callers who are served is above `max-queue-wait-seconds`
    (default 120), or the share of callers who hang up in the queue is above
    `max-queue-abandon-percent` (default 10). The finding names the fewest
    agents that keep the queue within both limits.

Why it matters
    Hold time is where phone jail is felt: "please hold, your call is
    important to us", then music, then nothing. A caller who hangs up in the
    queue reached no one, and most of them call back later, adding to the
    load. Small businesses win their callers by "putting money into staffing";
    this warning says how much.

How to fix
    Add agents to the queue (the message says how many are needed), shorten
    the handle time, or take calls off the queue: a callback offer, self-service
    for the intents that need no human. `phonejail staff TREE --queue NAME
    --agents 4..20` shows wait, abandonment and jail rate for each staffing.

Options
    max-queue-wait-seconds = 120    (in [tool.phonejail] of pyproject.toml)
    max-queue-abandon-percent = 10

Example (fails)
    queues:
      billing: {agents: 9, calls_per_hour: 100, handle_seconds: 300, patience_seconds: 120}

Use instead
    queues:
      billing: {agents: 10, calls_per_hour: 100, handle_seconds: 300, patience_seconds: 120}
"""

from __future__ import annotations

from collections.abc import Iterator

from phonejail.findings import Problem, Severity
from phonejail.rules.base import Context, Option

CODE = "PJ209"
NAME = "long-wait"
SEVERITY = Severity.WARNING
OPTIONS = (
    Option("max-queue-wait-seconds", 120, "longest mean wait of served callers in a queue"),
    Option("max-queue-abandon-percent", 10, "largest share of callers hanging up in a queue, "
                                            "in percent"),
)


def check(ctx: Context) -> Iterator[Problem]:
    if not ctx.tree.queues:
        return
    from phonejail.analysis.staffing import agents_needed, queue_figures

    max_wait = ctx.options["max-queue-wait-seconds"]
    max_abandon = ctx.options["max-queue-abandon-percent"] / 100
    for queue in ctx.tree.queues.values():
        figures = queue_figures(queue)  # the loader refuses the queues that have none
        over = []
        if figures.wait_seconds > max_wait:
            over.append(f"served callers wait {figures.wait_seconds:.0f} seconds on average, "
                        f"more than {max_wait}")
        if figures.abandon > max_abandon:
            over.append(f"{figures.abandon:.1%} of callers hang up in the queue, more than "
                        f"{max_abandon:.0%}")
        if not over:
            continue
        needed = agents_needed(queue, max_wait, max_abandon)
        yield Problem(
            CODE, queue.loc.line, queue.loc.column,
            f"queue '{queue.name}': {' and '.join(over)} ({queue.agents} agents for "
            f"{figures.offered_erlangs:.3g} erlangs offered); {needed} agents would keep it "
            f"within both limits",
            part=queue.name,
        )
