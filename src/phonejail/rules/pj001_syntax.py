"""PJ001 syntax (error): YAML that cannot be read.

What it finds
    A file phonejail cannot read as YAML: a syntax error, a file that is not
    UTF-8 text (binary, or another encoding), a file over 10 MB, nesting deeper
    than 64 levels, more than 50 aliases (*name), aliases that expand to more
    than 100,000 nodes, or an alias inside its own anchor.

Why it matters
    A menu that does not parse cannot be checked, simulated or deployed. The
    size, depth and alias limits answer hostile input ("alias bombs", a
    30,000-deep [[[...]]]) with a finding instead of a hang or a crash: a real
    phone tree needs a few levels of nesting and few aliases.

How to fix
    Go to the line and column given: for the common slips the message says what
    happened and how to fix it, and points where the slip is rather than where
    the parser gave up: a tab in the indentation, a `: ` inside unquoted prompt
    text (`say: Hours: 9 to 5` -> quote it), a value starting with `*`, `&`,
    `!`, `@` or a backtick (quote it), an unclosed quote or bracket (the
    opening one is shown), a line indented one space too many or too few. A
    file saved as UTF-16 must be saved as UTF-8.

Example (fails)
    nodes:
      welcome: {kind: say, next: menu

Use instead
    nodes:
      welcome: {kind: say, next: menu}
"""

from phonejail.findings import Severity

CODE = "PJ001"
NAME = "syntax"
SEVERITY = Severity.ERROR
OPTIONS = ()
check = None  # reported by the loader (phonejail.model.yamlread)
