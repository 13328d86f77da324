"""Everything one tree's report shows, computed once: findings, figures, fix-first, flow.

A `TreeReport` is a plain record. The renderers (HTML, Markdown, JSON, figures)
only read it, so every page agrees with every other page.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

import numpy as np

from phonejail.analysis.arrays import ChainArrays, ZeroStepCycle, to_arrays
from phonejail.analysis.chain import Chain, ChainTooLarge, compile_chain
from phonejail.analysis.exact import TooDeepForExact
from phonejail.analysis.flow import edge_flow, pass_probabilities
from phonejail.config import Config
from phonejail.findings import Finding
from phonejail.lint import CheckResult, check_source
from phonejail.model.tree import Tree
from phonejail.report.answer import PersonaAnswer, persona_answer
from phonejail.rules import Context
from phonejail.rules.pj103_identity_gate import gated_personas
from phonejail.rules.pj105_persona_jailed import JailLimits, jail_limits
from phonejail.simulate import Simulation, run
from phonejail.sources import importer_settings, load_source

DRAW_LIMIT = 150
"""Trees with more nodes are not drawn in the report (use `phonejail graph --format dot`)."""
TRAP_CODES = ("PJ009", "PJ101", "PJ102", "PJ103", "PJ105")
"""Findings whose node is marked in red on the call-flow diagram: dead ends, jail loops,
identity gates, and the node where a jailed persona's calls are lost (PJ105's node)."""


@dataclass(frozen=True)
class FixFirst:
    """A finding, with the harm done at its node and the share of calls passing through it.

    Findings are ranked by `harm` (docs/report.md, "What to fix first"): the exact share
    of calls that end in jail *at* this node (charged as `check` charges them: a dead end
    to the node that sends the call to it, a hang-up in a loop to the loop's entry) plus
    the share of calls asked again there for an identity fact they already gave. A node
    every call passes but none is lost at ranks below one that loses 1% of calls. Errors
    come before warnings whatever their harm: they are what fails `phonejail check`.
    """

    finding: Finding
    overall: float
    """Exact share of all calls that pass through the node."""
    personas: tuple[tuple[str, float], ...]
    """Per persona: the share of its calls that pass through the node."""
    shut_out: tuple[str, ...] = ()
    """For an identity gate (PJ103): the personas it keeps from every human."""
    lost: float = 0.0
    """Exact share of all calls that end in jail at this node."""
    asked_again: float = 0.0
    """Exact share of all calls asked here for an identity fact they already gave."""

    @property
    def harm(self) -> float:
        return self.lost + self.asked_again


@dataclass(frozen=True)
class TreeReport:
    path: str
    slug: str
    """Folder name of this tree's report (unique within one run)."""
    name: str
    tree: Tree | None
    findings: tuple[Finding, ...]
    exact: Simulation | None = None
    sampled: Simulation | None = None
    refused: str | None = None
    """Why the tree was not simulated (it does not load, or a zero-step cycle)."""
    fix_first: tuple[FixFirst, ...] = ()
    flow: dict[tuple[str, str | None], float] = field(default_factory=dict)
    """Expected times per call (share-weighted) each node-to-node move is taken; None: ends."""
    marks: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Node id -> trap codes found at it (dead end, jail loop, identity gate, persona
    jailed)."""
    limits: JailLimits = field(default_factory=JailLimits)
    """PJ105's limits: a persona above its own is named in the verdict, as the gate names it."""
    uncovered: tuple[tuple[str, float], ...] = ()
    """Intents no declared persona calls for: (intent, exact jail rate of their default caller,
    who knows every fact). PJ105 judges them; they count for 0% of calls."""
    fail_on: str = "error"
    """`check`'s --fail-on: the verdict says whether `phonejail check` passes this tree."""
    answers: tuple[PersonaAnswer, ...] = ()
    """Per persona: where its calls are lost and its likeliest call (report/answer.py)."""
    through: dict[str, float] = field(default_factory=dict)
    """Node id -> exact share of calls (all personas, by share) that pass through it."""
    queue_limits: tuple[float, float] = (120.0, 0.10)
    """PJ209's limits: mean wait of served callers (s), share abandoning in a queue."""

    def count(self, severity: str) -> int:
        return sum(f.severity.value == severity for f in self.findings)

    def jailed(self, a: PersonaAnswer) -> bool:
        """Above its PJ105 limit (`persona-max-jail-rate`, else `max-jail-rate`)."""
        return self.limits.persona_jailed(a.name, a.jail_rate)

    @property
    def overall_jailed(self) -> bool:
        """All calls together above `max-overall-jail-rate` (never, when that is not set)."""
        return self.exact is not None and self.limits.overall_jailed(
            self.exact.overall.figures.jail_rate)

    @property
    def gate_fails(self) -> bool:
        """What `phonejail check` answers for this tree with the same configuration."""
        return CheckResult((self.path,), self.findings).fails(self.fail_on)


def build_report(path: str, slug: str, config: Config, callers: int, seed: int) -> TreeReport:
    """Check, analyse exactly, simulate (unless `callers` is 0) and rank the findings of a tree."""
    source = load_source(path, importer_settings(config))
    loaded = source.loaded
    findings = tuple(check_source(source, config))
    tree = loaded.tree
    if tree is None:
        return TreeReport(path, slug, path, None, findings,
                          refused="the tree has format errors (PJ0xx); fix them to see figures")
    marks: dict[str, list[str]] = defaultdict(list)
    for f in findings:
        if f.code in TRAP_CODES and f.node and f.code not in marks[f.node]:
            marks[f.node].append(f.code)
    base = TreeReport(path, slug, tree.name, tree, findings,
                      marks={k: tuple(v) for k, v in marks.items()},
                      limits=jail_limits(config.options), fail_on=config.fail_on,
                      queue_limits=(float(config.options.get("max-queue-wait-seconds", 120)),
                                    config.options.get("max-queue-abandon-percent", 10) / 100))
    try:
        chains = [compile_chain(tree, p) for p in tree.judged]
        arrays = [to_arrays(chain) for chain in chains]  # compiled once for all three uses
        exact = run(tree, method="exact", compiled=arrays)
        sampled = run(tree, method="montecarlo", callers=callers, seed=seed,
                      compiled=arrays) if callers else None
    except (ZeroStepCycle, TooDeepForExact, ChainTooLarge) as refused:
        if isinstance(refused, ChainTooLarge):
            return _sampled_only(base, tree, refused, callers, seed)
        return replace(base, refused=_refused_reason(refused, findings))
    fix_first, flow, answers = _where_calls_go(tree, findings, exact, chains, arrays)
    through: dict[str, float] = defaultdict(float)
    for answer in answers:
        for node, chance in answer.through.items():
            through[node] += answer.share * chance
    return replace(base, exact=exact, sampled=sampled, fix_first=fix_first, flow=flow,
                   answers=answers, through=dict(through),
                   uncovered=_uncovered(tree, exact))


def _refused_reason(refused: ZeroStepCycle | TooDeepForExact,
                    findings: tuple[Finding, ...]) -> str:
    """Why no figure is shown for a tree PJ009 refuses, and what to do about it: the page
    shows the flow with the trap marked and the findings, never invented figures. The cycle
    is named from the node PJ009 marks, so the banner, the finding and the red box agree."""
    if isinstance(refused, ZeroStepCycle):
        nodes = list(refused.nodes)
        marked = next((f.node for f in findings if f.code == "PJ009" and f.node in nodes), None)
        if marked is not None:
            k = nodes.index(marked)
            nodes = nodes[k:] + nodes[:k]
        cycle = " -> ".join([*nodes, nodes[0]])
        return (f"a cycle of nodes that take no step: {cycle} (PJ009). A call goes round "
                "it without taking a step, so patience never ends it there, and neither the "
                "exact analysis nor phonejail simulate follows it; put a prompt in the "
                "cycle (a say node) or send one of its nodes out of it, and the figures follow")
    return (f"{str(refused).removesuffix(': use --method montecarlo')} (PJ009): phonejail "
            "simulate --method montecarlo samples its calls")


def _sampled_only(base: TreeReport, tree: Tree, refused: ChainTooLarge, callers: int,
                  seed: int) -> TreeReport:
    """A tree past the state budget (PJ008): no exact figures (no chain is built), but
    Monte-Carlo still samples the calls, compiling each call's states as it goes
    (`simulate.montecarlo.LazyChain`), as `phonejail simulate` does; the page shows those
    estimates, labelled as sampled."""
    skipped = (f"{refused} (PJ008): the exact analysis is skipped, and with it every figure "
               "that needs it (where calls are lost, likeliest calls, what to fix first, the "
               "flow's widths)")
    if not callers:
        return replace(base, refused=f"{skipped}; `phonejail simulate` samples the calls by "
                                     "Monte-Carlo (this report sampled none here)")
    try:
        sampled = run(tree, method="montecarlo", callers=callers, seed=seed)
    except ZeroStepCycle as cycle:  # the lazy chain meets it as calls go round
        return replace(base, refused=_refused_reason(cycle, base.findings))
    return replace(base, sampled=sampled, uncovered=(),
                   refused=f"{skipped}; the figures below are Monte-Carlo estimates")


def _uncovered(tree: Tree, exact: Simulation) -> tuple[tuple[str, float], ...]:
    """The default callers of intents no persona covers (0% of calls), with their exact
    jail rates: `run` walked them beside the declared personas, as PJ105 judges them."""
    if not tree.callers:
        return ()  # every caller is a default one, and each has its row
    return tuple((p.intent, r.figures.jail_rate)
                 for p, r in zip(tree.judged, exact.personas, strict=True) if not p.declared)


def _where_calls_go(tree: Tree, findings: tuple[Finding, ...], exact: Simulation,
                    chains: list[Chain], arrays: list[ChainArrays]
                    ) -> tuple[tuple[FixFirst, ...], dict[tuple[str, str | None], float],
                               tuple[PersonaAnswer, ...]]:
    personas = tree.judged  # as `run` simulated them
    shares = [p.share for p in exact.personas]
    answers = []
    # The drawn flow shows every node's share of calls; a tree too big to draw needs only
    # the nodes that findings are about.
    nodes = sorted(tree.nodes) if len(tree.nodes) <= DRAW_LIMIT else \
        sorted({f.node for f in findings if f.node and f.node in tree.nodes})
    reach: dict[str, list[float]] = {node: [] for node in nodes}
    harm: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])  # node -> [lost, again]
    column = {node: k for k, node in enumerate(nodes)}
    flow: dict[tuple[str, str | None], float] = defaultdict(float)
    for persona, chain, a, share, result in zip(personas, chains, arrays, shares,
                                                exact.personas, strict=True):
        masks = np.zeros((len(chain.states), len(nodes)), dtype=bool)
        at = [(i, column[s.node]) for i, s in enumerate(chain.states) if s.node in column]
        if at:
            masks[tuple(np.array(at).T)] = True
        met = masks.any(axis=0)  # nodes this persona never meets: chance 0, no work
        chances = np.zeros(len(nodes))
        chances[met] = pass_probabilities(a, persona.patience, masks[:, met])
        for node, chance in zip(nodes, chances, strict=True):
            reach[node].append(float(chance))
        # Asked again: the chance a call visits one of the node's states that asks for a
        # fact the call has already given (the `repeats` counter of the chain).
        repeat_masks = masks & (a.repeats > 0)[:, None]
        repeated = repeat_masks.any(axis=0)
        again = np.zeros(len(nodes))
        again[repeated] = pass_probabilities(a, persona.patience, repeat_masks[:, repeated])
        moves = edge_flow(a, persona.patience)
        answer = persona_answer(tree, chain, a, moves, result)
        for loss in answer.losses:
            harm[loss.node][0] += share * loss.share
        for node, chance in zip(nodes, again, strict=True):
            harm[node][1] += share * float(chance)
        for edge, amount in answer.flow.items():
            flow[edge] += share * amount
        through = {n: float(c) for n, c in zip(nodes, chances, strict=True) if c > 0}
        answers.append(replace(answer, through=through))
    ranked = []
    ctx = Context(tree)
    for f in findings:
        if f.node in reach:
            per = tuple((p.name, r) for p, r in zip(personas, reach[f.node], strict=True))
            overall = sum(share * r for share, r in zip(shares, reach[f.node], strict=True))
            shut = tuple(p.name for p in gated_personas(ctx, f.node)) if f.code == "PJ103" \
                else ()
            lost, again = harm.get(f.node, (0.0, 0.0))
            ranked.append(FixFirst(f, overall, per, shut, lost, again))
    # Errors first (they fail the gate), then the most harm, then the most calls through.
    ranked.sort(key=lambda x: (-x.finding.severity.rank, -round(x.harm, 12), -x.overall,
                               x.finding.line))
    return tuple(ranked), dict(flow), tuple(answers)
