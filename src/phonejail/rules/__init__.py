"""The rule catalogue (the README's rule table): an explicit registry, one module per rule.

Each module has CODE, NAME, SEVERITY, OPTIONS and `check(ctx)`, a generator of
`Problem`s; its docstring is the user documentation `phonejail explain` prints.
Format rules (PJ0xx) are reported by the loader and have `check = None`.
Codes are grouped by hundreds so `--select PJ1` picks the trap rules (PJ3xx: security).
"""

from __future__ import annotations

from types import MappingProxyType, ModuleType

from phonejail.rules import (
    pj001_syntax,
    pj002_schema,
    pj003_duplicate_key,
    pj004_undefined_target,
    pj005_import,
    pj006_unused_suppression,
    pj007_bad_suppression,
    pj008_state_budget,
    pj009_exact_refused,
    pj101_dead_end,
    pj102_jail_loop,
    pj103_identity_gate,
    pj104_unreachable,
    pj105_persona_jailed,
    pj107_implicit_disconnect,
    pj201_no_zero_out,
    pj202_repeated_identity,
    pj203_menu_too_wide,
    pj204_human_too_far,
    pj205_no_retry_handler,
    pj206_long_prompt,
    pj207_transfer_bounce,
    pj208_speech_only,
    pj209_long_wait,
    pj210_options_unlabelled,
    pj301_unverified_change,
)
from phonejail.rules.base import Context, Option

RULES: MappingProxyType[str, ModuleType] = MappingProxyType({
    module.CODE: module
    for module in (
        pj001_syntax, pj002_schema, pj003_duplicate_key, pj004_undefined_target, pj005_import,
        pj006_unused_suppression, pj007_bad_suppression, pj008_state_budget, pj009_exact_refused,
        pj101_dead_end, pj102_jail_loop, pj103_identity_gate, pj104_unreachable,
        pj105_persona_jailed, pj107_implicit_disconnect,
        pj201_no_zero_out, pj202_repeated_identity, pj203_menu_too_wide,
        pj204_human_too_far, pj205_no_retry_handler, pj206_long_prompt,
        pj207_transfer_bounce, pj208_speech_only,
        pj209_long_wait, pj210_options_unlabelled,
        pj301_unverified_change,
    )
})

FORMAT_CODES = frozenset(code for code, rule in RULES.items()
                         if rule.check is None and not getattr(rule, "SUPPRESSIONS", False))
"""Rules the loader reports; always on, since a tree that does not load cannot be checked."""

STANDING_IN: MappingProxyType[str, tuple[str, ...]] = MappingProxyType({
    code: rule.STANDS_IN_FOR for code, rule in RULES.items() if hasattr(rule, "STANDS_IN_FOR")})
"""PJ008 and PJ009 -> the rules whose judgement they stand in for when callers cannot be
followed: each runs whenever one of those does, unless ignored by its own code, so a gate
that selects PJ105 never passes callers it could not judge."""

SUPPRESSION_CODES = frozenset(code for code, rule in RULES.items()
                              if getattr(rule, "SUPPRESSIONS", False))
"""Rules about `# phonejail: ignore[...]` comments themselves (phonejail.suppress)."""

OPTIONS: MappingProxyType[str, Option] = MappingProxyType({
    option.name: option for rule in RULES.values() for option in rule.OPTIONS
})


def documentation(code: str) -> str:
    """The rule's user documentation (its module docstring)."""
    doc = RULES[code].__doc__ or ""
    return doc.strip() + "\n"


__all__ = ["FORMAT_CODES", "OPTIONS", "RULES", "STANDING_IN", "SUPPRESSION_CODES", "Context",
           "Option", "documentation"]
