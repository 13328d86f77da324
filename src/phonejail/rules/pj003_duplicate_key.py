"""PJ003 duplicate-key (error): a mapping key written twice.

What it finds
    The same key twice in one mapping, anywhere in the file: two nodes with
    the same id, `next` given twice in a node, a persona field repeated. The
    finding is at the second occurrence and names the line of the first.

Why it matters
    YAML parsers silently keep the last value, so a node pasted twice or an
    edited copy of a node replaces the original without a word. phonejail
    keeps the first, reports the second, and refuses to analyse the tree until
    it is fixed.

How to fix
    Rename one of the two (for nodes: give the copy a new id and point a target
    at it), or delete the one you did not mean.

Example (fails)
    nodes:
      main_menu: {kind: say, next: agent}
      main_menu: {kind: say, next: goodbye}

Use instead
    nodes:
      main_menu: {kind: say, next: agent}
      closing: {kind: say, next: goodbye}
"""

from phonejail.findings import Severity

CODE = "PJ003"
NAME = "duplicate-key"
SEVERITY = Severity.ERROR
OPTIONS = ()
check = None  # reported by the loader (phonejail.model.yamlread)
