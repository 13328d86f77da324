"""A dialled call as the transcript `phonejail call` prints: one event, a few lines of text."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import singledispatch

from phonejail.call import (
    Answered,
    Counters,
    Drawn,
    Ended,
    Event,
    Failed,
    IdentityAsked,
    Offered,
    OnHold,
    Pressed,
    Prompted,
    Routed,
    Started,
    Transferred,
)

INDENT = "    "


def clock(seconds: int) -> str:
    """Seconds as a designer reads a call's length: 52 s, 6:12."""
    if seconds < 60:
        return f"{seconds} s"
    return f"{seconds // 60}:{seconds % 60:02d}"


def _at(at: Counters) -> str:
    return f"[step {at.step} | {clock(at.seconds)}]"


def _goes(to: str | None) -> str:
    return "the line goes dead" if to in (None, "dead_end") else to


@singledispatch
def lines(event: Event) -> list[str]:  # pragma: no cover - every event type is registered
    raise TypeError(f"no rendering for {type(event).__name__}")


@lines.register
def _(event: Started) -> list[str]:
    knows = ", ".join(event.knows) if event.knows else "nothing"
    return [f"Calling {event.tree} as {event.persona!r}: intent {event.intent}, knows "
            f"{knows}, patience {event.patience} steps.", ""]


@lines.register
def _(event: Prompted) -> list[str]:
    kind = event.kind.replace("_", "-")
    text = f'"{event.text}"' if event.text else "(no prompt text)"
    return [f"{_at(event.at)} {event.node} ({kind}, {event.seconds} s): {text}"]


@lines.register
def _(event: Offered) -> list[str]:
    keys = "  ".join(f"{k.key} -> {_goes(k.to)}" + (f" ({', '.join(k.serves)})" if k.serves
                                                      else "") for k in event.keys)
    if event.heard is None:
        return [f"{INDENT}keys: {keys}"]
    return [f"{INDENT}say a choice (written as its key): {keys}",
            f"{INDENT}understood with chance {event.heard:.0%} (recognition x understood); "
            "if not, it counts as a wrong key"]


@lines.register
def _(event: Pressed) -> list[str]:
    verb = "say" if event.spoken else "press"
    if event.to is None:
        return [f"{INDENT}you {verb} {event.key}: not a choice this menu offers"
                if event.spoken else f"{INDENT}you press {event.key}: not a key this menu offers"]
    return [f"{INDENT}you {verb} {event.key} -> {event.to}"]


@lines.register
def _(event: IdentityAsked) -> list[str]:
    who = "the agent asks for" if event.by_human else "asks for"
    return [f"{INDENT}{who} your {event.label}" + (" (asked again)" if event.again else "")]


@lines.register
def _(event: Answered) -> list[str]:
    return [f"{INDENT}you {'give it' if event.gave else 'cannot give it'}"]


@lines.register
def _(event: Failed) -> list[str]:
    if event.retrying:
        return [f"{INDENT}failed: try {event.fails + 1} of {event.retries + 1} -> {event.to}"]
    return [f"{INDENT}failed, no tries left -> {_goes(event.to)}"]


@lines.register
def _(event: Drawn) -> list[str]:
    odds = ", ".join(f"{p:.0%} {to}" for p, to in event.odds)
    how = "you pick" if event.picked else "drawn"
    return [f"{INDENT}{event.node} draws: {odds}; {how}: {event.odds[event.chosen][1]}"]


@lines.register
def _(event: Routed) -> list[str]:
    return [f"{INDENT}{event.node} routes the call -> {_goes(event.to)}"]


@lines.register
def _(event: OnHold) -> list[str]:
    queue = f" in queue {event.queue}" if event.queue else ""
    return [f"{_at(event.at)} {event.node} (agent): on hold {clock(event.wait_seconds)}{queue}, "
            "then a human answers"]


@lines.register
def _(event: Transferred) -> list[str]:
    return [f"{INDENT}transferred -> {event.to}"]


@lines.register
def _(event: Ended) -> list[str]:
    human = (f"a human answered at step {event.human_at.step} after "
             f"{clock(event.human_at.seconds)}" if event.human_at else "no human answered")
    repeated = f", {event.repeated} asked again" if event.repeated else ""
    return ["", f"Outcome: {event.outcome} ({event.why}).",
            f"{event.at.step} step{'s' * (event.at.step != 1)}, {clock(event.at.seconds)}; "
            f"{human}; "
            f"{event.identity_prompts} identity prompt{'s' * (event.identity_prompts != 1)}"
            f"{repeated}; "
            f"{event.transfers} transfer{'s' * (event.transfers != 1)}."]


def transcript(events: Iterable[Event]) -> Iterator[str]:
    """Every line of a call, in order."""
    for event in events:
        yield from lines(event)
