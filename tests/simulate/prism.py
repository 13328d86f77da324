"""Write one persona's call as a PRISM DTMC, straight from docs/format.md ("How a caller moves").

This is a second, independent reading of the caller semantics: it shares no
code with `phonejail.analysis.chain`, only the loaded tree. The Storm model
checker solves it, and the test compares Storm's answers with phonejail's exact
analysis.

Variables: n (node), out (0 running, then 1 resolved, 2 unresolved, 3 callback,
4 dead_end, 5 abandoned), steps, fails, one boolean per identity fact (given),
h (a human answered), r (a fact was asked again), sth (steps when the human
answered), and optionally sec / sts (seconds so far / seconds when answered).
One state is one visit, so state rewards count per visit. uv marks a call resolved
on a sensitive intent while no fact had been given (an agent's own `asks` count).
A tree with staffed queues adds w (the caller at a staffed agent is past its queue): the queue's
abandonment is taken from the Erlang formulas (`analysis.staffing`, checked on
its own against published tables), the rest of the walk is read from the tree.

With `journey=True` the model is a persona's whole journey (docs/format.md, "Redials and
journeys"): c counts the calls made before this one, and a call that ends in jail
(unresolved, dead_end, abandoned) while c < redials does not stop; it calls again from the
start with every per-call variable reset. Rewards then add up over all calls, and the label
"done" marks the journey's end. Without redials the journey is the call.
"""

from __future__ import annotations

from itertools import product

from phonejail.analysis.staffing import queue_figures
from phonejail.model.tree import (
    Agent,
    Ask,
    Branch,
    Callback,
    Handoff,
    Hangup,
    Menu,
    Persona,
    Say,
    SelfService,
    Tree,
)

OUT = {"resolved": 1, "unresolved": 2, "callback": 3, "dead_end": 4, "abandoned": 5,
       "handed_off": 6}
JAILED = "(out=2 | out=4 | out=5)"
"""A call that ends so is in jail: a persona with redials calls again."""


def _p(x: float) -> str:
    return repr(float(x))


def _commands(here: str, alts: list[tuple[str, str, float, str]]) -> list[str]:
    """One command per guard: alternatives without a fails guard hold under both."""
    commands = []
    for given in dict.fromkeys(a[0] for a in alts):
        group = [a for a in alts if a[0] == given and a[2] > 0]
        fails_guards = list(dict.fromkeys(a[1] for a in group if a[1])) or [""]
        for fails in fails_guards:
            chosen = [(p, u) for _, f, p, u in group if f in ("", fails)]
            guard = here + given + (f" & {fails}" if fails else "")
            commands.append(f"  [] {guard} -> " + " + ".join(f"{_p(p)}:{u}" for p, u in chosen)
                            + ";")
    return commands


def prism_model(tree: Tree, persona: Persona, with_seconds: bool = False,
                journey: bool = False) -> str:
    ids = list(tree.nodes)
    index = {node_id: i for i, node_id in enumerate(ids)}
    facts = list(tree.identity)
    g = {f: f"g_{k}" for k, f in enumerate(facts)}
    T = persona.patience
    max_retries = max([n.retries for n in tree.nodes.values() if isinstance(n, Menu | Ask)],
                      default=0)
    smax = T * max([n.seconds for n in tree.nodes.values()], default=0)
    staffed = {i: queue_figures(tree.queues[n.queue]) for i, n in tree.nodes.items()
               if isinstance(n, Agent) and n.queue in tree.queues}
    wait = {i: (round(staffed[i].wait_seconds) if i in staffed else n.wait_seconds)
            for i, n in tree.nodes.items() if isinstance(n, Agent)}
    wmax = max(wait.values(), default=0)
    e, z, intent = persona.mistakes, persona.zero_out, persona.intent
    nothing_given = "!(" + " | ".join(g.values()) + ")" if g else "true"
    unverified = f"&(uv'={nothing_given})" if intent in tree.sensitive else ""
    lines = ["dtmc", "module call",
             f"  n : [0..{len(ids) - 1}] init {index[tree.start]};",
             "  out : [0..6] init 0;",
             f"  steps : [0..{T}] init 0;",
             f"  fails : [0..{max_retries + 1}] init 0;",
             *(f"  {g[f]} : bool init false;" for f in facts),
             "  h : bool init false;", "  r : bool init false;", "  uv : bool init false;",
             f"  sth : [0..{T}] init 0;"]
    if staffed:
        lines.append("  w : bool init false;")
    past_queue = "&(w'=false)" if staffed else ""
    if with_seconds:
        lines += [f"  sec : [0..{smax}] init 0;", f"  sts : [0..{smax + wmax}] init 0;"]

    def go(target: str | None, fails: str = "0", extra: str = "") -> str:
        base = f"(out'=4){extra}" if target is None else \
            f"(n'={index[target]})&(fails'={fails}){past_queue}{extra}"
        return base

    def failure(node: Menu | Ask, prob: float, step_upd: str) -> list[tuple]:
        """A failure: within retries to `invalid` (or ask again), past them to `fail`."""
        again = node.invalid if isinstance(node, Menu) else node.id
        return [("", f"fails+1<={node.retries}", prob, go(again, "fails+1") + step_upd),
                ("", f"fails+1>{node.retries}", prob, go(node.fail, "0") + step_upd)]

    commands: list[str] = []
    for node_id in ids:
        node = tree.nodes[node_id]
        here = f"out=0 & n={index[node_id]}"
        step_upd = ""
        if node.takes_step:
            commands.append(f"  [] {here} & steps={T} -> (out'=5);")
            here += f" & steps<{T}"
            step_upd = "&(steps'=steps+1)"
            if with_seconds and node.seconds:
                step_upd += f"&(sec'=h ? sec : sec+{node.seconds})"
        # Each alternative: (guard on facts given, guard on fails or "", probability, update).
        alts: list[tuple[str, str, float, str]] = []
        keep_fails = "fails"
        if isinstance(node, Say):
            alts.append(("", "", 1.0, go(node.next, keep_fails) + step_upd))
        elif isinstance(node, Menu):
            def menu_alts(node: Menu, spoken: bool, step_upd: str) -> list[tuple]:
                # Spoken: understood with chance recognition x understood, and then free of
                # keying slips; not understood, a failure. Keyed: slips with chance e.
                heard, slip = (node.recognition * persona.understood, 0.0) if spoken \
                    else (1.0, e)
                alts = failure(node, 1 - heard, step_upd) if spoken else []
                serving = [o for o in node.options if intent in o.serves]
                if serving:
                    alts += [("", "", heard * (1 - slip) / len(serving), go(o.to) + step_upd)
                             for o in serving]
                    alts += failure(node, heard * slip, step_upd)
                else:
                    zero = node.option("0")
                    if zero:
                        alts.append(("", "", heard * z, go(zero.to) + step_upd))
                    else:
                        alts += failure(node, heard * z, step_upd)
                    alts += [("", "", heard * (1 - z) / len(node.options), go(o.to) + step_upd)
                             for o in node.options]
                return alts

            if node.input == "both":  # spoken at the first attempt, keyed after a failure
                commands += _commands(here + " & fails=0", menu_alts(node, True, step_upd))
                commands += _commands(here + " & fails>0", menu_alts(node, False, step_upd))
                continue
            alts += menu_alts(node, node.input == "speech", step_upd)
        elif isinstance(node, Ask):
            known = node.fact in persona.knows
            rep = f"&(r'=r | {g[node.fact]})"
            alts.append(("", "", (1 - e) if known else 0.0,
                         go(node.ok, "0", f"&({g[node.fact]}'=true)") + step_upd + rep))
            alts += [(given, fails, p, upd + rep)
                     for given, fails, p, upd in failure(node, e if known else 1.0, step_upd)]
        elif isinstance(node, Branch):
            given = sorted({c.value for c in node.cases if c.test == "given"})
            for values in product([False, True], repeat=len(given)):
                assignment = dict(zip(given, values, strict=True))
                guard = "".join(f" & {'' if v else '!'}{g[f]}" for f, v in assignment.items())
                remaining = 1.0
                for case in node.cases:
                    if case.test == "chance":
                        alts.append((guard, "", remaining * float(case.value),
                                     go(case.to, keep_fails)))
                        remaining *= 1 - float(case.value)
                    elif ((case.test == "knows" and case.value in persona.knows)
                          or (case.test == "given" and assignment[case.value])
                          or (case.test == "intent" and case.value == intent)):
                        alts.append((guard, "", remaining, go(case.to, keep_fails)))
                        remaining = 0.0
                        break
                alts.append((guard, "", remaining, go(node.else_, keep_fails)))
        elif isinstance(node, SelfService):
            settles = intent in node.resolves
            if settles:
                alts.append(("", "", node.success, "(out'=1)" + unverified + step_upd))
            rest = 1 - node.success if settles else 1.0
            alts.append(("", "", rest, ("(out'=2)" if node.next is None
                                        else go(node.next, keep_fails)) + step_upd))
        elif isinstance(node, Agent):
            if node_id in staffed:  # first the queue: hang up there, or get past it
                abandon = staffed[node_id].abandon
                commands += _commands(here + " & !w", [("", "", abandon, "(out'=5)"),
                                                       ("", "", 1 - abandon, "(w'=true)")])
                here += " & w"
            answered = "&(h'=true)&(sth'=h ? sth : steps)"
            if with_seconds:
                answered += f"&(sts'=h ? sts : sec+{wait[node_id]})"
            asked = "".join(f"&({g[f]}'=true)" for f in node.asks)
            repeat = "&(r'=r" + "".join(f" | {g[f]}" for f in node.asks) + ")"
            settles = node.success if node.resolves_intent(intent) else 0.0
            # the human's own questions come first: a resolution after them is verified
            checked = "" if node.asks else unverified
            alts.append(("", "", settles, "(out'=1)" + checked + answered + repeat + asked))
            if node.transfer is None:
                alts.append(("", "", 1 - settles, "(out'=2)" + answered + repeat + asked))
            else:  # a transfer is one step: at the patience limit the caller hangs up
                alts.append(("", f"steps<{T}", 1 - settles, go(node.transfer, "0")
                             + "&(steps'=steps+1)" + answered + repeat + asked))
                alts.append(("", f"steps={T}", 1 - settles,
                             "(out'=5)" + answered + repeat + asked))
        elif isinstance(node, Callback):
            alts.append(("", "", 1.0, "(out'=3)"))
        elif isinstance(node, Hangup):
            alts.append(("", "", 1.0, "(out'=4)"))
        elif isinstance(node, Handoff):
            alts.append(("", "", 1.0, "(out'=6)"))
        commands += _commands(here, alts)
    lines += commands
    R = persona.redials if journey else 0
    redial = f"{JAILED} & c<{R}"
    if R:  # call again from the start: everything of the call resets, one more call made
        lines.insert(lines.index("  uv : bool init false;") + 1, f"  c : [0..{R}] init 0;")
        fresh = [f"(n'={index[tree.start]})", "(out'=0)", "(steps'=0)", "(fails'=0)",
                 *(f"({g[f]}'=false)" for f in facts), "(h'=false)", "(r'=false)",
                 "(uv'=false)", "(sth'=0)", *(["(w'=false)"] if staffed else []),
                 *(["(sec'=0)", "(sts'=0)"] if with_seconds else []), "(c'=c+1)"]
        lines.append(f"  [] {redial} -> " + "&".join(fresh) + ";")
        lines.append(f"  [] out>0 & !({redial}) -> (out'=out);")
    else:
        lines.append("  [] out>0 -> (out'=out);")
    lines.append("endmodule")
    prompts, repeats, transfers, seconds = [], [], [], []
    for node_id in ids:
        node = tree.nodes[node_id]
        at = f"out=0 & n={index[node_id]}"
        if node.takes_step and node.seconds:
            seconds.append(f"  {at} & steps<{T} : {node.seconds};")
        if isinstance(node, Agent) and wait[node_id]:
            seconds.append(f"  {at}{' & w' if node_id in staffed else ''} : {wait[node_id]};")
        if isinstance(node, Ask):
            if node.takes_step:
                at_step = f"{at} & steps<{T}"
            prompts.append(f"  {at_step} : 1;")
            repeats.append(f"  {at_step} & {g[node.fact]} : 1;")
        elif isinstance(node, Agent):
            if node_id in staffed:
                at += " & w"
            if node.asks:
                prompts.append(f"  {at} : {len(node.asks)};")
                for f in node.asks:
                    repeats.append(f"  {at} & {g[f]} : 1;")
            settles = node.success if node.resolves_intent(intent) else 0.0
            if settles < 1 and node.transfer is not None:
                transfers.append(f"  {at} & steps<{T} : {_p(1 - settles)};")
    redials = [f"  {redial} : 1;"] if R else []
    for name, rows in (("prompts", prompts), ("repeats", repeats), ("transfers", transfers),
                       ("call_seconds", seconds), ("redials", redials)):
        lines += [f'rewards "{name}"', *(rows or ["  true : 0;"]), "endrewards"]
    lines.append('label "done" = out>0' + (f" & !({redial})" if R else "") + ";")
    return "\n".join(lines) + "\n"
