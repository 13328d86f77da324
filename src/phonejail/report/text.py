"""Words and numbers shared by the HTML, Markdown and JSON reports: one phrasing everywhere."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from phonejail.analysis.tally import Figures
from phonejail.findings import Finding
from phonejail.report.answer import Journey, Loss, PersonaAnswer, Stop
from phonejail.report.build import FixFirst, TreeReport
from phonejail.report.figures import share_text


@dataclass(frozen=True)
class Headline:
    label: str
    key: str
    exact: float | None
    sampled: float | None
    stderr: float | None
    unit: str
    """'share', 'steps', 'seconds' or 'count'."""


def _mean_se(f: Figures | None, key: str) -> float | None:
    if f is None or not f.stderr:
        return None
    value = f.stderr.get(key)
    return value if isinstance(value, float) else None


def redials(r: TreeReport) -> bool:
    """Whether some persona of the tree calls again after a jailed call (journeys differ
    from calls)."""
    return r.tree is not None and any(p.redials for p in r.tree.personas)


def _journey_se(f: Figures | None, key: str) -> float | None:
    if f is None or f.journey is None or not f.journey.stderr:
        return None
    return f.journey.stderr.get(key)


def headlines(r: TreeReport, journeys: bool | None = None) -> list[Headline]:
    """The figures a designer looks at first, exact and estimated, overall.

    Journey figures (a caller's calls together) follow when `journeys`, or, left out,
    when some persona of the tree redials.
    """
    if r.exact is None and r.sampled is None:
        return []
    e = r.exact.overall.figures if r.exact else None  # past the state budget: sampled only
    s = r.sampled.overall.figures if r.sampled else None

    def pick(f: Figures | None, getter) -> float | None:
        return None if f is None else getter(f)

    rows = [
        ("jail rate", "jail_rate", lambda f: f.jail_rate, "share", "jail_rate"),
        ("reached a human", "reached_human", lambda f: f.reached_human, "share",
         "reached_human"),
        ("steps to a human, mean", "steps_to_human_mean", lambda f: f.steps_to_human.mean,
         "steps", "steps_to_human_mean"),
        ("steps to a human, p90", "steps_to_human_p90", lambda f: f.steps_to_human.p90,
         "steps", None),
        ("seconds to a human, mean", "seconds_to_human_mean",
         lambda f: f.seconds_to_human.mean, "seconds", "seconds_to_human_mean"),
        ("seconds to a human, p90", "seconds_to_human_p90", lambda f: f.seconds_to_human.p90,
         "seconds", None),
        ("repeated identity prompts per call", "repeated_identity_prompts",
         lambda f: f.repeated_identity_prompts, "count", "repeated_identity_prompts"),
        ("identity prompts per call", "identity_prompts", lambda f: f.identity_prompts,
         "count", "identity_prompts"),
        ("transfers per call", "transfers", lambda f: f.transfers, "count", "transfers"),
        ("seconds of a whole call, mean", "call_seconds", lambda f: f.call_seconds, "seconds",
         "call_seconds"),
    ]
    if (r.exact or r.sampled).sensitive:  # only a tree with sensitive intents has them
        rows.append(("resolved with no identity given (sensitive intents)",
                     "unverified_resolutions", lambda f: f.unverified_resolutions, "share",
                     "unverified_resolutions"))
    lines = [Headline(label, key, pick(e, get), pick(s, get), _mean_se(s, se) if se else None,
                      unit) for label, key, get, unit, se in rows]
    if journeys if journeys is not None else redials(r):
        journey_rows = [
            ("calls per caller (journey)", "journey_calls", "calls", "count"),
            ("callers resolved (journey)", "journey_resolved", "resolved", "share"),
            ("journey jail rate (every call jailed)", "journey_jail_rate", "jail_rate",
             "share"),
            ("seconds on the phone per caller (journey)", "journey_seconds", "seconds",
             "seconds"),
            ("identity prompts per caller (journey)", "journey_identity_prompts",
             "identity_prompts", "count"),
        ]
        lines += [Headline(label, key, pick(e, lambda f, n=name: getattr(f.journey, n)),
                           pick(s, lambda f, n=name: getattr(f.journey, n)),
                           _journey_se(s, name), unit)
                  for label, key, name, unit in journey_rows]
    return lines


def value_text(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "share":
        return share_text(value)
    if unit == "seconds":
        minutes, seconds = divmod(round(value), 60)
        return f"{value:,.0f} s ({minutes}:{seconds:02d})"
    if unit == "steps":
        return f"{value:.1f}" if isinstance(value, float) and not value.is_integer() else \
            f"{value:.0f}"
    return f"{value:.2f}"


def estimate_text(h: Headline) -> str:
    if h.sampled is None:
        return "-"
    text = value_text(h.sampled, h.unit)
    if h.stderr is not None:
        spread = share_text(h.stderr) if h.unit == "share" else f"{h.stderr:.2f}"
        text += f" ± {spread}"
    return text


def fix_first_text(x: FixFirst, r: TreeReport) -> str:
    """'PJ103 identity-gate at 'ask_phone': 25.0% of calls end in jail here; every call
    passes here; it shuts out ...' — the harm first, as the list is ranked by it."""
    f = x.finding
    head = f"{f.code} {f.name} at '{f.node}'"
    if sum(other.finding.node == f.node for other in r.fix_first) > 1 and subject_text(f):
        head += f" ({subject_text(f)})"  # which of the node's findings this line is
    harm = []
    if x.lost > 0:
        harm.append(f"{share_text(x.lost)} of calls end in jail here")
    if x.asked_again > 0:
        harm.append(f"{share_text(x.asked_again)} of calls are asked again here for "
                    "an identity fact they gave")
    reach = "; ".join([*harm, "every call passes here" if x.overall >= 0.999995
                       else f"{share_text(x.overall)} of calls pass here"])
    if x.shut_out and r.exact is not None:
        shut = [(p.name, p.share) for p in r.exact.personas if p.name in x.shut_out]
        if shut:
            names = ", ".join(name for name, _ in shut)
            reach += (f"; it shuts out {share_text(sum(s for _, s in shut))} of callers "
                      f"({names}), who never reach a human")
    return f"{head}: {reach}"


def subject_text(f: Finding) -> str:
    """What a finding is about beside its node: "fact 'pin'", "persona 'caregiver'", or the
    part (a left-out target, a queue, an intent); '' when the node says it all. Two findings
    at one node (PJ103 for one fact, PJ202 for another) are told apart by it."""
    parts = []
    if f.fact:
        parts.append(f"fact '{f.fact}'")
    if f.persona:
        parts.append(f"persona '{f.persona}'")
    if f.part:
        parts.append(f"'{f.part}'")
    return ", ".join(parts)


BREAKDOWN_NAMES = 10
"""Most personas named in a fix-first line; with 1,000 personas every line listed them all."""


def persona_breakdown(x: FixFirst) -> str:
    """'bill payer 100.0%, ...': the share of each persona's calls through the node; past
    BREAKDOWN_NAMES personas, the most reached ones and how many more (summary.json has all)."""
    shown = x.personas
    if len(shown) > BREAKDOWN_NAMES:
        shown = tuple(sorted(shown, key=lambda named: -named[1])[:BREAKDOWN_NAMES])
    more = len(x.personas) - len(shown)
    tail = f" and {more:,} more personas (summary.json lists them all)" if more else ""
    return ", ".join(f"{name} {share_text(p)}" for name, p in shown) + tail


PERSONA_ROWS = 25
"""Most personas given a row of their own in a page's and summary.md's per-persona tables
and the flow's persona choice: a pull-request comment holds at most 65,536 characters, and
1,000 rows made a page 5 MB and hundreds of thousands of pixels tall. The others share one
pooled row, computed exactly; summary.json keeps every persona."""


def shown_personas(r: TreeReport, limit: int = PERSONA_ROWS) -> tuple[int, ...]:
    """Indices of the personas given a row of their own: every one in tree order, up to
    `limit`; past that, worst first: those above their jail limit (most jailed calls first),
    then those with the most callers."""
    people = r.answers
    if len(people) <= limit:
        return tuple(range(len(people)))
    ranked = sorted(range(len(people)), key=lambda k: (
        not r.jailed(people[k]), -people[k].share * people[k].jail_rate, -people[k].share, k))
    return tuple(ranked[:limit])


def _call_weights(r: TreeReport, ks: list[int]) -> np.ndarray:
    """Each persona's weight among all calls: its callers' share times the calls each makes
    (redials), as the overall figures weigh it."""
    assert r.exact is not None
    results = r.exact.personas
    return np.array([results[k].share * (results[k].figures.journey.calls
                                         if results[k].figures.journey else 1.0) for k in ks])


def pooled_answer(r: TreeReport, shown: tuple[int, ...]) -> PersonaAnswer | None:
    """The personas not shown, as one exact row ('975 other personas'): their share of
    callers, and per call of theirs the jail rate, the places calls are lost, the share
    reaching a human and the mean time to one, weighted as the overall figures are; so the
    shown rows and this one add up to the overall row. None when every persona is shown."""
    own_row = set(shown)
    others = [k for k in range(len(r.answers)) if k not in own_row]
    if not others or r.exact is None:
        return None
    people = [r.answers[k] for k in others]
    w = _call_weights(r, others)
    w = w / w.sum() if w.sum() > 0 else np.full(len(w), 1 / len(w))
    lost: dict[tuple[str, str, str | None, str | None], float] = defaultdict(float)
    flow: dict[tuple[str, str | None], float] = defaultdict(float)
    through: dict[str, float] = defaultdict(float)
    for weight, a in zip(w, people, strict=True):
        for x in a.losses:
            lost[(x.node, x.outcome, x.via, x.queue)] += float(weight) * x.share
        for edge, amount in a.flow.items():
            flow[edge] += float(weight) * amount
        for node, chance in a.through.items():
            through[node] += float(weight) * chance
    losses = tuple(sorted((Loss(node, outcome, share, via, queue)
                           for (node, outcome, via, queue), share in lost.items() if share > 0),
                          key=lambda x: (-x.share, x.node)))
    reached = np.array([a.reached_human for a in people])
    seconds = np.array([a.seconds_to_human or 0.0 for a in people])
    helped = float(np.dot(w, reached))
    return PersonaAnswer(
        f"{len(others):,} other personas", sum(a.share for a in people),
        float(np.dot(w, [a.jail_rate for a in people])), helped,
        float(np.dot(w * reached, seconds) / helped) if helped > 0 else None,
        losses, Journey((), "resolved", 0.0), dict(flow), dict(through))


def pooled_note(r: TreeReport, shown: tuple[int, ...]) -> str:
    """What a page says under a table that pools personas ('' when every one is shown)."""
    left = len(r.answers) - len(shown)
    if not left:
        return ""
    return (f"{len(shown)} of {len(r.answers):,} personas shown one by one: those above their "
            f"jail limit first (most jailed calls first), then those with the most callers. "
            f"The other {left:,} share the last row, exact (per call of theirs, weighted as "
            "the overall figures are); summary.json has every persona.")


# -- the answer first: verdict, where callers are lost, their likeliest call ---------------------
OUTCOME_WORDS = {"dead_end": "cut off", "abandoned": "hung up", "unresolved": "left unhelped",
                 "resolved": "helped", "callback": "promised a callback",
                 "handed_off": "handed to another flow"}


def minutes(seconds: float) -> str:
    """'7:34' for 454 seconds: how people read a call's length."""
    m, s = divmod(round(seconds), 60)
    return f"{m}:{s:02d}"


def loss_text(loss: Loss) -> str:
    """"cut off after 'ask_phone' (sent to 'goodbye')": where and how a call is lost. A
    hang-up in a staffed queue is told as one ('hung up on hold at 'desk' (queue 'desk')'):
    more agents fix it, not a shorter way."""
    if loss.outcome == "abandoned" and loss.queue is not None:
        return f"hung up on hold at '{loss.node}' (queue '{loss.queue}')"
    if loss.outcome == "abandoned":
        return f"hung up at '{loss.node}'"
    if loss.via:
        return f"cut off after '{loss.node}' (sent to '{loss.via}')"
    return f"{OUTCOME_WORDS[loss.outcome]} at '{loss.node}'"


def where_lost_text(a: PersonaAnswer, most: int = 2) -> str:
    """The places that lose this persona's calls, largest first: share of its calls each."""
    if not a.losses:
        return "nowhere"
    if a.jail_rate < 0.001:
        return f"rarely: {share_text(a.jail_rate)} of its calls"
    parts = [f"{share_text(x.share)} {loss_text(x)}" for x in a.losses[:most]]
    rest = sum(x.share for x in a.losses[most:])
    if rest > 0:
        parts.append(f"{share_text(rest)} elsewhere")
    return "; ".join(parts)


def _stop_text(stop: Stop) -> str:
    if stop.kind == "end":
        return stop.action
    if stop.kind == "queue":  # hung up waiting in a staffed queue
        return f"{stop.node}: {stop.action} in queue {stop.queue}"
    if stop.kind == "agent":
        hold = f"holds {minutes(stop.hold)}" if stop.hold else "answered at once"
        if stop.queue is not None:  # a staffed queue: its wait is the hold, then answered
            hold = f"in queue {stop.queue}, {hold}"
        asks = ""
        if stop.asked:
            again = [f"{fact} again" if fact in stop.repeated else fact for fact in stop.asked]
            asks = f", asked for the {' and the '.join(again)}"
        return f"{stop.node}: {hold}{asks}; {stop.action}"  # a human: hold, questions
    timing = f" ({stop.seconds} s)" if stop.seconds else ""
    if stop.kind == "say":
        return f"{stop.node}{timing}"
    if stop.kind == "ask" and stop.repeated:
        return f"{stop.node}{timing}: asked again, {stop.action.replace('the ', '', 1)}"
    return f"{stop.node}{timing}: {stop.action}"


def journey_steps(j: Journey) -> list[str]:
    """The likeliest call, one phrase per place; repeats of one place folded ('x3')."""
    texts = [_stop_text(s) for s in j.stops if s.kind != "transfer"]
    folded: list[str] = []
    count = 0
    for k, text in enumerate(texts):
        count += 1
        if k + 1 < len(texts) and texts[k + 1] == text:
            continue
        folded.append(f"{text} (x{count})" if count > 1 else text)
        count = 0
    return folded


def journey_end_text(j: Journey) -> str:
    """'helped after 21:33; 9 identity questions (5 repeated), 2 transfers, 20:00 on hold'."""
    parts = [f"{OUTCOME_WORDS[j.outcome]} after {minutes(j.seconds)}"]
    if j.identity_asked:
        repeats = f" ({j.identity_repeated} repeated)" if j.identity_repeated else ""
        parts.append(f"{j.identity_asked} identity question{'s' * (j.identity_asked != 1)}"
                     f"{repeats}")
    if j.transfers:
        parts.append(f"{j.transfers} transfer{'s' * (j.transfers != 1)}")
    if j.hold:
        parts.append(f"{minutes(j.hold)} on hold")
    return ", ".join(parts)


def time_to_human_text(a: PersonaAnswer) -> str:
    if a.reached_human == 0 or a.seconds_to_human is None:
        return "never reaches a human"
    if a.rarely_helped:
        return f"<1% reach a human ({share_text(a.reached_human)})"
    return f"{minutes(a.seconds_to_human)} (mean; {share_text(a.reached_human)} reach one)"


def verdict(r: TreeReport) -> str:
    """One sentence: how many calls end in phone jail, and who is hit hardest, where.

    A persona is named when its jail rate is above its PJ105 limit (`r.jailed`), so the
    sentence names exactly the callers `phonejail check` fails the tree for.
    """
    if r.exact is None:
        return f"Not simulated: {r.refused}." if r.refused else "Not simulated."
    overall = r.exact.overall.figures.jail_rate
    # A default caller (an intent no persona covers) is named by the `defaults` clause,
    # once, as the default caller it is; not also as if it were a persona of 0% share.
    covering = {intent for intent, _ in r.uncovered}
    jailed = sorted((a for a in r.answers if r.jailed(a)
                     and not (a.share == 0 and a.name in covering)),
                    key=lambda a: (-a.jail_rate, -a.share))
    defaults = [(intent, rate) for intent, rate in r.uncovered
                if r.limits.persona_jailed(intent, rate)]
    head = f"{share_text(overall)} of calls end in phone jail"
    if r.overall_jailed:
        assert r.limits.overall is not None
        head += f", above max-overall-jail-rate {share_text(r.limits.overall)}"
    tail = "".join(f"; the default caller for intent '{intent}' (no persona calls for it) is "
                   f"jailed in {share_text(rate)} of its calls" for intent, rate in defaults)
    if not jailed:
        return f"{head}; no persona is jailed above {_limit_words(r)}{tail}."
    worst = jailed[0]
    always = worst.jail_rate >= 0.999995
    how = "in every call" if always else f"in {share_text(worst.jail_rate)} of its calls"
    where = ""
    if worst.losses:
        top = worst.losses[0]
        most = "all" if top.share >= 0.999 * worst.jail_rate else \
            "mostly" if top.share > 0.5 * worst.jail_rate else "most often"
        where = f", {most} {loss_text(top)}"
    others = len(jailed) - 1
    also = (f"; {others} more persona{'s' * (others != 1)} above {_limit_words(r)}"
            if others else "")
    return (f"{head}: {worst.name} ({share_text(worst.share)} of callers) is jailed {how}"
            f"{where}{also}{tail}.")


def _limit_words(r: TreeReport) -> str:
    """'5% of its calls', or, with personas' own limits, 'its limit (...)'."""
    if not r.limits.own:
        return f"{share_text(r.limits.default)} of its calls"
    return (f"its limit ({share_text(r.limits.default)} of its calls, or its own "
            "persona-max-jail-rate)")


def gate_text(r: TreeReport) -> str:
    """What `phonejail check` answers for this tree: 'fails: 2 errors (PJ103, PJ105)'."""
    errors, warnings = r.count("error"), r.count("warning")
    counted = (f"{errors} error{'s' * (errors != 1)}, "
               f"{warnings} warning{'s' * (warnings != 1)}")
    if not r.gate_fails:
        return f"phonejail check passes this tree ({counted}; --fail-on {r.fail_on})."
    failing = "warning" if r.fail_on == "warning" else "error"
    codes = sorted({f.code for f in r.findings
                    if f.severity.value == "error" or failing == "warning"})
    return f"phonejail check fails this tree: {counted} ({', '.join(codes)})."
