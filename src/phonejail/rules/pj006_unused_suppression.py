"""PJ006 unused-suppression (warning): a `# phonejail: ignore[...]` that hides nothing.

What it finds
    A suppression comment naming a rule that found nothing on the line (or the
    node) the comment covers. The finding points at the code in the comment.
    It is only reported when that rule ran: a rule turned off by `select`,
    `ignore` or `per-file-ignores` never makes its suppressions unused.

Why it matters
    A suppression outlives the problem it excused: the menu was fixed, the node
    moved, or a rule was renamed. Left in place it would silently hide the next,
    real finding on that line. (ruff's RUF100 does the same for `# noqa`.)

How to fix
    Delete the comment, or the code that no longer applies.

Example (fails)
    main_menu:  # phonejail: ignore[PJ201] the operator is on key 9
      kind: menu
      options:
        - {key: "0", to: agent}   # key 0 reaches a human: nothing to hide

Use instead
    main_menu:
      kind: menu
      options:
        - {key: "0", to: agent}
"""

from phonejail.findings import Severity

CODE = "PJ006"
NAME = "unused-suppression"
SEVERITY = Severity.WARNING
OPTIONS = ()
SUPPRESSIONS = True  # reported by phonejail.suppress, after every other rule
check = None
