"""PJ007 bad-suppression (warning): a `# phonejail:` comment that cannot be used.

What it finds
    A comment starting `# phonejail:` that is not a valid suppression: not
    written `ignore[CODES] reason`, no reason after the brackets, no code in
    the brackets, a code or name that is no rule, or a format rule (PJ001 to
    PJ005) or a suppression rule (PJ006, PJ007), which cannot be suppressed.
    The suppression does not apply, so the finding it meant to hide is shown.

Why it matters
    A suppression is a decision someone must be able to review: which rule,
    on which node, and why. A typo (`ignore[PJ10l]`) or another tool's syntax
    (`disable=PJ101`, `noqa`) would otherwise look like it works and not.

How to fix
    Write `# phonejail: ignore[PJ101] reason` (codes or rule names, separated
    by commas) at the end of the node's first line, at the end of the line a
    finding points at, or alone on the line above it.

Example (fails)
    goodbye: {kind: hangup}   # phonejail: disable=PJ101

Use instead
    goodbye: {kind: hangup}   # phonejail: ignore[PJ101] legal requires a hard stop here
"""

from phonejail.findings import Severity

CODE = "PJ007"
NAME = "bad-suppression"
SEVERITY = Severity.WARNING
OPTIONS = ()
SUPPRESSIONS = True  # reported by phonejail.suppress, after every other rule
check = None
