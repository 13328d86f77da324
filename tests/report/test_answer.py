"""The answer first: who gets stuck, where, and their likeliest call; Markdown a PR shows."""

from __future__ import annotations

import json
import re
import textwrap

import pytest
from markdown_it import MarkdownIt

from phonejail.config import Config, load_config
from phonejail.report import html, summary_json
from phonejail.report.build import build_report
from phonejail.report.markdown import summary
from phonejail.report.text import (
    fix_first_text,
    gate_text,
    journey_end_text,
    journey_steps,
    verdict,
    where_lost_text,
)
from phonejail.simulate.render import uncovered_text
from tests.conftest import ROOT, TREES

GITHUB = MarkdownIt("commonmark").enable("table").enable("strikethrough")


@pytest.fixture(scope="module")
def isp():
    return build_report(str(TREES / "isp_billing.yaml"), "isp", Config(), 0, 1)


def test_the_isp_story_reads_like_the_story(isp) -> None:
    assert verdict(isp) == ("25.1% of calls end in phone jail: internet-only customer (25.0% "
                            "of callers) is jailed in every call, all cut off after 'ask_phone' "
                            "(sent to 'goodbye').")
    lost, changing, payer, _ = isp.answers
    assert where_lost_text(lost) == "100.0% cut off after 'ask_phone' (sent to 'goodbye')"
    assert journey_steps(lost.journey) == [
        "welcome (6 s)", "ask_phone (6 s): cannot give the home phone number (x3)",
        "goodbye: the system hangs up"]
    assert (lost.journey.outcome, lost.journey.chance) == ("dead_end", 1.0)
    j = changing.journey
    assert journey_end_text(j) == ("helped after 21:33, 7 identity questions (5 repeated), "
                                   "2 transfers, 21:00 on hold")
    assert [s.node for s in j.stops if s.kind == "agent"] == [
        "agent_cards_manila", "agent_billing_dublin", "agent_accounts_toronto"]
    # The bill payer's likeliest call: three right keys (1 - mistakes each), self-service works.
    assert payer.journey.chance == pytest.approx(0.98 ** 3 * 0.8)
    assert payer.journey.outcome == "resolved" and payer.journey.seconds == 52


@pytest.mark.parametrize("tree", sorted(TREES.glob("*.yaml")), ids=lambda p: p.stem)
def test_where_calls_are_lost_adds_up_to_the_exact_jail_rate(tree) -> None:
    r = build_report(str(tree), "t", Config(), 0, 1)
    assert r.exact is not None
    for a, p in zip(r.answers, r.exact.personas, strict=True):
        assert sum(x.share for x in a.losses) == pytest.approx(p.figures.jail_rate, abs=1e-9)
        assert 0 < a.journey.chance <= 1 + 1e-12
        if a.journey.outcome in ("dead_end", "abandoned", "unresolved"):
            assert a.losses  # a likeliest call that ends in jail is lost somewhere


def test_patience_places_the_loss_where_the_caller_hangs_up(tmp_path) -> None:
    tree = tmp_path / "loop.yaml"
    tree.write_text(textwrap.dedent("""
        phonejail: 1
        name: loop
        start: menu
        intents: [x, y]
        nodes:
          menu:
            kind: menu
            seconds: 5
            options: [{key: "1", serves: [y], to: agent}]
            invalid: menu
            retries: 100
          agent: {kind: agent}
        callers:
          - {name: lost, intent: x, patience: 4, zero_out: 1}
        """))
    r = build_report(str(tree), "t", Config(), 0, 1)
    # Intent y has no persona: its default caller is answered for too, at 0% of calls.
    a, default = r.answers
    assert default.name == "y" and default.share == 0.0
    # Pressing 0 where no option fits is a wrong key: four attempts, then patience runs out.
    assert a.jail_rate == pytest.approx(1.0)
    assert [(x.node, x.outcome, x.share) for x in a.losses] == [("menu", "abandoned", 1.0)]
    assert a.journey.outcome == "abandoned" and a.journey.chance == 1.0
    assert journey_steps(a.journey) == ["menu (5 s): no option fits: a wrong key (x4)",
                                        "hangs up: patience runs out"]


def test_summary_md_renders_as_tables_with_no_html_escapes_left(isp) -> None:
    text = summary(isp)
    assert "-&gt;" not in text and "&lt;0" not in text
    tokens = GITHUB.parse(text)
    assert not [t for t in tokens if t.type.startswith("html")]
    html = GITHUB.render(text)
    first = html.index("<table>")
    answer = html[first:html.index("</table>", first)]
    rows = answer.split("<tr>")[2:]  # after the header row
    assert len(rows) == 4 and all(row.count("<td") == 6 for row in rows)
    assert "internet-only customer" in rows[0] and "<strong>100.0%</strong>" in rows[0]
    assert "fail -&gt; 'goodbye'" in html  # the arrow is text, rendered as GitHub would


def test_check_markdown_is_a_pr_comment(run, in_repo) -> None:
    code, out, _ = run("check", "--format", "markdown", "trees/")
    assert code == 1
    assert out.startswith("### ❌ phonejail check\n\nFound 6 errors and ")
    html = GITHUB.render(out)
    assert html.count("<table>") == 4  # one per file with findings
    assert "<td>error</td>" in html and "PJ103" in html
    code, out, _ = run("check", "--format", "markdown", "trees/isp_billing_fixed.yaml")
    assert (code, out) == (0, "### ✅ phonejail check\n\nNo findings in 1 file.\n")


def test_markdown_from_a_hostile_tree_opens_no_html_or_columns(run, tmp_path) -> None:
    tree = tmp_path / "h.yaml"
    tree.write_text('phonejail: 1\nname: "<img src=x> | [a](http://x)"\nstart: "m"\n'
                    'intents: [x]\nnodes:\n  m: {kind: menu, say: "<b>", options: '
                    '[{key: "1"}]}\ncallers:\n  - {name: "<i>p</i> | q", intent: x}\n')
    code, out, _ = run("check", "--format", "markdown", tree)
    assert code == 1
    assert not [t for t in GITHUB.parse(out) if t.type.startswith("html")]
    code, _, _ = run("report", "-q", tree, "-o", tmp_path / "out", "--callers", "100")
    text = (tmp_path / "out" / "h" / "summary.md").read_text()
    tokens = GITHUB.parse(text)
    assert not [t for t in tokens if t.type.startswith("html")]
    assert "<a " not in GITHUB.render(text)
    table = next(k for k, t in enumerate(tokens) if t.type == "table_open")
    row = tokens[[t.type for t in tokens].index("tbody_open", table):]
    cells = 0
    for t in row:
        if t.type == "td_open":
            cells += 1
        if t.type == "tr_close":
            break
    assert cells == 6  # the `|` in the persona's name did not add a column


JUDGED_TREES = sorted([*TREES.glob("*.yaml"), *(ROOT / "tests/rules/good").glob("*.yaml"),
                       *(ROOT / "tests/rules/bad").glob("pj1*.yaml"),
                       ROOT / "tests/rules/bad/pj301_unverified_change.yaml"])


def _pj105_callers(out: str) -> set[str]:
    """Who `check`'s PJ105 findings name: a persona, or the default caller of an intent."""
    named = set()
    for line in out.splitlines():
        if " PJ105 " in line and "of all calls" not in line:
            found = re.search(r"persona '([^']*)'|intent '([^']*)'", line)
            assert found, line
            named.add(found.group(1) or found.group(2))
    return named


@pytest.mark.parametrize("config", [
    "", "max-overall-jail-rate = 0.01\n",
    # Own limits that let the jailed personas of the example trees pass, and a strict one.
    '[tool.phonejail.persona-max-jail-rate]\n"caregiver checking a refill" = 1.0\n'
    '"internet-only customer" = 1.0\n"outage reporter" = 0.001\n'])
def test_the_verdict_names_whom_the_gate_fails_the_tree_for(run, tmp_path, config) -> None:
    """The page's verdict and `phonejail check` read one set of PJ105 limits: on every example
    tree the verdict names exactly the callers PJ105 names, the overall limit alike, and the
    page's gate line says what `check` exits with."""
    (tmp_path / "pyproject.toml").write_text(f"[tool.phonejail]\n{config}")
    settings = load_config(tmp_path / "pyproject.toml")
    seen_pj105 = 0
    for path in JUDGED_TREES:
        code, out, _ = run("check", "--no-snippet", "--config", str(tmp_path / "pyproject.toml"),
                           str(path))
        r = build_report(str(path), path.stem, settings, 0, 1)
        if r.exact is None:
            continue
        said = verdict(r)
        named = {a.name for a in r.answers if r.jailed(a)} | {
            intent for intent, rate in r.uncovered if r.limits.persona_jailed(intent, rate)}
        assert named == _pj105_callers(out), (path, said, out)
        worst = _worst(r)
        assert worst is None or f": {worst} (" in said, (path, said)
        assert all(f"intent '{intent}'" in said for intent, rate in r.uncovered
                   if r.limits.persona_jailed(intent, rate)), (path, said)
        assert ("above max-overall-jail-rate" in said) == ("of all calls end in phone jail"
                                                          in out), (path, said)
        assert r.gate_fails == (code == 1), (path, out)
        assert gate_text(r).startswith("phonejail check fails" if code == 1
                                       else "phonejail check passes")
        seen_pj105 += bool(named)
    assert seen_pj105 >= 2  # the test judged trees that fail the gate, not only passing ones


def _worst(r) -> str | None:
    jailed = sorted((a for a in r.answers if r.jailed(a)), key=lambda a: (-a.jail_rate, -a.share))
    return jailed[0].name if jailed else None


def test_a_jailed_intent_no_persona_calls_for_is_in_the_verdict(run, tmp_path) -> None:
    """PJ105 judges the default caller of an intent no persona covers; so does the verdict."""
    tree = tmp_path / "t.yaml"
    tree.write_text(textwrap.dedent("""\
        phonejail: 1
        name: uncovered
        start: menu
        intents: [pay, lost_card]
        callers:
          - {name: payer, share: 1, intent: pay}
        nodes:
          menu:
            kind: menu
            say: "To pay press 1. For a lost card press 2."
            seconds: 4
            options:
              - {key: "1", serves: [pay], to: agent}
              - {key: "2", serves: [lost_card], to: closed}
            invalid: agent
            fail: agent
          closed: {kind: hangup}
          agent: {kind: agent, resolves: [pay, lost_card]}
        """))
    code, out, _ = run("check", "--no-snippet", str(tree))
    r = build_report(str(tree), "t", Config(), 0, 1)
    assert code == 1 and _pj105_callers(out) == {"lost_card"}
    assert r.uncovered and r.uncovered[0][0] == "lost_card"
    assert verdict(r).endswith("; the default caller for intent 'lost_card' (no persona calls "
                               "for it) is jailed in 98.0% of its calls.")
    # The page and summary.md say what `phonejail simulate` says of such intents.
    said = uncovered_text(r.exact)
    assert said.startswith("No persona under callers: calls for 'lost_card': it is judged as a "
                           "default caller (knowing every fact) at 0% of calls")
    assert said in html.tree_page(r, []).replace("&#x27;", "'")
    assert said in summary(r)


TWO_AT_ONE_NODE = """\
phonejail: 1
name: two at one desk
start: ask_account
intents: [pay]
identity:
  account_number: {label: account number}
  pin: {label: PIN}
callers:
  - {name: customer, share: 1, intent: pay, knows: [account_number, pin]}
nodes:
  ask_account: {kind: ask, fact: account_number, say: "Your account number?", seconds: 4,
                ok: ask_pin, fail: desk}
  ask_pin: {kind: ask, fact: pin, say: "Your PIN?", seconds: 3, ok: desk, fail: desk}
  desk: {kind: agent, queue: desk, asks: [account_number, pin], resolves: [pay]}
"""


def test_two_findings_at_one_node_name_what_each_is_about(tmp_path) -> None:
    """The desk asks again for both facts: two PJ202 findings at one node, told apart in
    every fix-first list by their fact; a finding alone at its node is not."""
    tree = tmp_path / "two.yaml"
    tree.write_text(TWO_AT_ONE_NODE, encoding="utf-8")
    r = build_report(str(tree), "two", Config(), 0, 1)
    at_desk = [x for x in r.fix_first if x.finding.node == "desk"]
    assert sorted(x.finding.fact for x in at_desk if x.finding.code == "PJ202") == \
        ["account_number", "pin"]
    lines = {fix_first_text(x, r) for x in at_desk if x.finding.code == "PJ202"}
    assert {line.split(":")[0] for line in lines} == {
        "PJ202 repeated-identity at 'desk' (fact 'account_number')",
        "PJ202 repeated-identity at 'desk' (fact 'pin')"}
    alone = [x for x in r.fix_first
             if sum(y.finding.node == x.finding.node for y in r.fix_first) == 1]
    assert all("(fact" not in fix_first_text(x, r).split(":")[0] for x in alone)
    md = summary(r)
    assert "PJ202 repeated-identity at 'desk' (fact 'pin')" in md
    page = html.tree_page(r, []).replace("&#x27;", "'")
    assert "PJ202 repeated-identity at 'desk' (fact 'account_number')" in page
    data = json.loads(summary_json.summary(r))
    assert sorted((x["code"], x["fact"]) for x in data["fix_first"] if x["node"] == "desk"
                  and x["code"] == "PJ202") == [("PJ202", "account_number"), ("PJ202", "pin")]


def _likeliest(tmp_path, text: str):
    tree = tmp_path / "t.yaml"
    tree.write_text(textwrap.dedent(text), encoding="utf-8")
    r = build_report(str(tree), "t", Config(), 0, 1)
    assert r.exact is not None
    return r, r.answers[0], r.exact.personas[0].figures


@pytest.fixture(scope="module")
def small_business():
    return build_report(str(TREES / "small_business.yaml"), "sb", Config(), 0, 1)


def test_a_staffed_agent_is_one_visit_in_the_likeliest_call(small_business) -> None:
    """The bakery's owner answers from the queue 'counter': the waiting (the chain's
    `queued` state) and the answer are one visit, as `phonejail call` tells it; no transfer
    the tree does not have, and the queue's wait (0.4 s, 0 rounded) is the hold."""
    r = small_business
    for a, p in zip(r.answers, r.exact.personas, strict=True):
        j = a.journey
        assert journey_steps(j) == ["greeting (2 s)",
                                    "owner: in queue counter, answered at once; helps"]
        assert journey_end_text(j) == "helped after 0:02"
        assert j.transfers == 0 and j.identity_asked == 0
        assert j.hold == round(r.exact.queues["counter"].wait_seconds) == 0
        assert j.seconds == p.figures.seconds_to_human.mean == 2
        assert j.chance == pytest.approx(0.85 * (1 - r.exact.queues["counter"].abandon))
    assert ("| greeting (2 s) → owner: in queue counter, answered at once; helps; "
            "*helped after 0:02 (83.7% of its calls)* |") in summary(r)


STAFFED_ASKS = """\
    phonejail: 1
    name: staffed desk that asks
    start: welcome
    intents: [pay]
    identity:
      account_number: {label: account number}
      pin: {label: PIN}
    nodes:
      welcome: {kind: say, say: "Thanks for calling.", seconds: 3, next: desk}
      desk: {kind: agent, queue: billing, asks: [account_number, pin], resolves: [pay]}
    queues:
      # Erlang C (no patience_seconds): nobody hangs up, the served wait is 342.2 s.
      billing: {agents: 9, calls_per_hour: 100, handle_seconds: 300}
    callers:
      - {name: payer, share: 1, intent: pay, knows: [account_number, pin]}
    """


def test_a_staffed_agent_who_asks_two_facts_asks_them_once_after_the_hold(tmp_path) -> None:
    """Every call goes this one way, so the likeliest call is the exact figures: two
    identity questions (not four), and the queue's wait in the time to the human."""
    r, a, f = _likeliest(tmp_path, STAFFED_ASKS)
    j = a.journey
    assert journey_steps(j) == [
        "welcome (3 s)",
        "desk: in queue billing, holds 5:42, asked for the account number and the PIN; helps"]
    assert journey_end_text(j) == "helped after 5:45, 2 identity questions, 5:42 on hold"
    assert j.chance == pytest.approx(1.0)
    assert j.identity_asked == f.identity_prompts == 2
    assert j.identity_repeated == f.repeated_identity_prompts == 0
    assert j.hold == round(r.exact.queues["billing"].wait_seconds) == 342
    assert j.seconds == f.seconds_to_human.mean == f.call_seconds == 345
    assert j.transfers == f.transfers == 0


def test_a_transfer_into_a_staffed_queue_is_one_transfer(tmp_path) -> None:
    """A real transfer stays a transfer; the queue behind it adds no second one."""
    _, a, _ = _likeliest(tmp_path, """\
        phonejail: 1
        name: transfer into a queue
        start: welcome
        intents: [pay]
        identity:
          account_number: {label: account number}
        nodes:
          welcome: {kind: say, say: "Thanks for calling.", seconds: 3, next: front}
          front: {kind: agent, wait_seconds: 30, asks: [account_number], resolves: [],
                  transfer: desk}
          desk: {kind: agent, queue: billing, asks: [account_number], resolves: [pay]}
        queues:
          billing: {agents: 9, calls_per_hour: 100, handle_seconds: 300, patience_seconds: 600}
        callers:
          - {name: payer, share: 1, intent: pay, knows: [account_number]}
        """)
    j = a.journey
    assert journey_steps(j) == [
        "welcome (3 s)",
        "front: holds 0:30, asked for the account number; cannot help, transfers",
        "desk: in queue billing, holds 0:46, asked for the account number again; helps"]
    assert journey_end_text(j) == ("helped after 1:19, 2 identity questions (1 repeated), "
                                   "1 transfer, 1:16 on hold")


def test_a_likeliest_call_that_hangs_up_in_the_queue_ends_there(tmp_path) -> None:
    """One agent for 8.3 erlangs: most callers hang up waiting (the queue's abandonment),
    no human reached, no patience spent."""
    r, a, f = _likeliest(tmp_path, """\
        phonejail: 1
        name: understaffed
        start: welcome
        intents: [pay]
        nodes:
          welcome: {kind: say, say: "Thanks for calling.", seconds: 3, next: desk}
          desk: {kind: agent, queue: billing}
        queues:
          billing: {agents: 1, calls_per_hour: 100, handle_seconds: 300, patience_seconds: 60}
        callers:
          - {name: payer, share: 1, intent: pay}
        """)
    j = a.journey
    assert journey_steps(j) == ["welcome (3 s)", "desk: hangs up on hold in queue billing"]
    assert j.outcome == "abandoned" and j.hold == 0 and j.identity_asked == 0
    assert j.chance == pytest.approx(r.exact.queues["billing"].abandon)
    assert j.chance == pytest.approx(f.outcomes["abandoned"])


VOICE = """
    phonejail: 1
    name: voice
    start: main
    intents: [billing, support, sales]
    nodes:
      main:
        kind: menu
        input: {input}
        recognition: 0.6
        seconds: 4
        options:
          - {{key: "1", serves: [billing], to: billing_desk}}
          - {{key: "2", serves: [support], to: support_desk}}
        invalid: main
        retries: {retries}
        fail: bye
      billing_desk: {{kind: agent}}
      support_desk: {{kind: agent}}
      bye: {{kind: hangup}}
    callers:
      - {{name: accent, share: 0.3, intent: support, understood: 0.5}}
      - {{name: clear, share: 0.6, intent: billing}}
      - {{name: seller, share: 0.1, intent: sales, zero_out: 0}}
    """


def test_a_voice_menu_that_mishears_is_told_as_a_no_match_not_a_wrong_key(tmp_path) -> None:
    """At a speech menu the caller speaks (docs/format.md, "Voice menus"): a choice is said,
    and an attempt the menu does not understand is a no-match, not a wrong key, nor 'no
    option fits' for a caller whose option is right there."""
    r, accent, _ = _likeliest(tmp_path, VOICE.format(input="speech", retries=2))
    clear, seller = r.answers[1], r.answers[2]
    # Understood with 0.6 x 0.5 = 0.3: three no-matches (0.343) beat the others.
    assert journey_steps(accent.journey) == ["main (4 s): not understood (a no-match) (x3)",
                                             "bye: the system hangs up"]
    assert accent.journey.chance == pytest.approx(0.7 ** 3)
    assert journey_steps(clear.journey)[0] == "main (4 s): says 1"
    # No option serves 'sales': understood, the caller guesses among options for others.
    assert journey_steps(seller.journey)[0] == "main (4 s): no option fits: says 1 (a guess)"


def test_a_keypad_fallback_is_pressed_after_the_no_match(tmp_path) -> None:
    """A `both` menu hears the first attempt and takes keys after a failed one."""
    r, accent, _ = _likeliest(tmp_path, VOICE.format(input="both", retries=1))
    assert journey_steps(accent.journey)[:2] == ["main (4 s): not understood (a no-match)",
                                                 "main (4 s): presses 2"]
    # A keyed menu: a caller whose option is there and who fails slips a finger.
    keys = VOICE.format(input="dtmf", retries=0).replace("recognition: 0.6", "")
    r, _, _ = _likeliest(tmp_path, keys.replace("understood: 0.5", "mistakes: 0.6"))
    accent = r.answers[0]
    assert journey_steps(accent.journey)[0] == "main (4 s): presses a wrong key (a slip)"


def test_a_hang_up_on_hold_is_told_apart_from_patience_running_out(small_business,
                                                                   tmp_path) -> None:
    """The bakery loses 1.3% of calls in the queue 'counter' (Erlang A): 'hung up on hold at
    'owner' (queue 'counter')' says more agents fix it; 'hang up at 'owner'' read as if the
    caller's patience ran out at a human."""
    r = small_business
    for a in r.answers:
        (loss,) = a.losses
        assert (loss.node, loss.outcome, loss.queue) == ("owner", "abandoned", "counter")
        assert where_lost_text(a) == "1.3% hung up on hold at 'owner' (queue 'counter')"
    # Patience running out at a menu is no queue.
    tree = tmp_path / "loop.yaml"
    tree.write_text(textwrap.dedent("""
        phonejail: 1
        name: loop
        start: menu
        intents: [x]
        nodes:
          menu:
            kind: menu
            seconds: 5
            options: [{key: "1", serves: [x], to: agent}]
            invalid: menu
            retries: 100
          agent: {kind: agent}
        callers:
          - {name: lost, intent: x, patience: 2, mistakes: 0.5}
        """))
    (a,) = build_report(str(tree), "t", Config(), 0, 1).answers
    assert [(x.node, x.queue) for x in a.losses] == [("menu", None)]
    assert where_lost_text(a) == "25.0% hung up at 'menu'"
