"""The baseline: one caller at a time, in plain Python, straight from docs/format.md
("How a caller moves").

This is what a designer would write in an afternoon: walk the tree's records
with `random.random()`, one call after another. It shares no code with
phonejail's engines (only the loaded tree), so the test suite also uses it as
an independent reading of the caller semantics.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

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


@dataclass
class Totals:
    calls: int = 0
    outcomes: Counter = field(default_factory=Counter)
    steps_to_human: list[int] = field(default_factory=list)
    seconds_to_human: list[int] = field(default_factory=list)
    prompts: int = 0
    repeats: int = 0
    with_repeat: int = 0
    transfers: int = 0
    call_seconds: int = 0
    call_seconds_sq: int = 0
    unverified: int = 0


def one_call(tree: Tree, p: Persona, rng: random.Random, totals: Totals) -> None:
    node_id: str | None = tree.start
    given: set[str] = set()
    fails = steps = seconds = held = visits = prompts = repeats = transfers = 0
    human = False
    outcome = None

    def failure(node: Menu | Ask) -> str | None:
        nonlocal fails
        fails += 1
        if fails <= node.retries:
            return node.invalid if isinstance(node, Menu) else node.id
        fails = 0
        return node.fail

    while outcome is None:
        if node_id is None:
            outcome = "dead_end"
            break
        node = tree.nodes[node_id]
        visits += 1
        if node.takes_step and steps == p.patience or visits > 10_000:
            outcome = "abandoned"
            break
        if node.takes_step:
            steps += 1
            seconds += node.seconds
        if isinstance(node, Say):
            node_id = node.next
        elif isinstance(node, Menu):
            serving = [o for o in node.options if p.intent in o.serves]
            # Spoken: speech menus always, `both` menus until an attempt has failed.
            spoken = node.input == "speech" or (node.input == "both" and fails == 0)
            slip = 0.0 if spoken else p.mistakes
            if spoken and rng.random() >= node.recognition * p.understood:
                node_id = failure(node)  # not understood: a no-match
            elif serving:
                if rng.random() < slip:
                    node_id = failure(node)
                else:
                    node_id, fails = rng.choice(serving).to, 0
            elif rng.random() < p.zero_out:
                zero = node.option("0")
                node_id, fails = (zero.to, 0) if zero else (failure(node), fails)
            else:
                node_id, fails = rng.choice(node.options).to, 0
        elif isinstance(node, Ask):
            prompts += 1
            repeats += node.fact in given
            if node.fact in p.knows and rng.random() >= p.mistakes:
                given.add(node.fact)
                node_id, fails = node.ok, 0
            else:
                node_id = failure(node)
        elif isinstance(node, Branch):
            node_id = node.else_
            for case in node.cases:
                if case.test == "chance":
                    holds = rng.random() < float(case.value)
                else:
                    holds = {"knows": case.value in p.knows, "given": case.value in given,
                             "intent": case.value == p.intent}[case.test]
                if holds:
                    node_id = case.to
                    break
        elif isinstance(node, SelfService):
            if p.intent in node.resolves and rng.random() < node.success:
                outcome = "resolved"
                totals.unverified += p.intent in tree.sensitive and not given
            elif node.next is None:
                outcome = "unresolved"
            else:
                node_id = node.next
        elif isinstance(node, Agent):
            if not human:
                human = True
                totals.steps_to_human.append(steps)
                totals.seconds_to_human.append(seconds + node.wait_seconds)
            fails = 0
            held += node.wait_seconds
            for fact in node.asks:
                prompts += 1
                repeats += fact in given
                given.add(fact)
            if node.resolves_intent(p.intent) and rng.random() < node.success:
                outcome = "resolved"
                totals.unverified += p.intent in tree.sensitive and not given
            elif node.transfer is None:
                outcome = "unresolved"
            elif steps == p.patience:  # a transfer is one step of patience
                outcome = "abandoned"
            else:
                steps += 1
                transfers += 1
                node_id = node.transfer
        elif isinstance(node, Callback):
            outcome = "callback"
        elif isinstance(node, Hangup):
            outcome = "dead_end"
        elif isinstance(node, Handoff):
            outcome = "handed_off"
    totals.calls += 1
    totals.outcomes[outcome] += 1
    totals.prompts += prompts
    totals.repeats += repeats
    totals.with_repeat += repeats > 0
    totals.transfers += transfers
    totals.call_seconds += seconds + held
    totals.call_seconds_sq += (seconds + held) ** 2


def walk(tree: Tree, persona: Persona, calls: int, seed: int = 1) -> Totals:
    rng = random.Random(seed)
    totals = Totals()
    for _ in range(calls):
        one_call(tree, persona, rng, totals)
    return totals
