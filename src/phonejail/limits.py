"""Every limit phonejail puts on its input, in one table (like SnakeYAML's LoaderOptions).

The loader, the importers, the configuration and the CLI read their bounds from here,
and docs/format.md ("Limits") lists the same table, so a bound is changed in one place.
A value outside its range is a located PJ002 finding (tree files) or a usage error
(command-line options); it never reaches an array size, a histogram or a float sum.
"""

from __future__ import annotations

MAX_FILE_BYTES = 10 * 1024 * 1024
"""Largest file read (tree, flow export, configuration, callers file): a 20,000-node tree
is about 2 MB. Reads stop at this many bytes plus one."""
MAX_DEPTH = 64
"""Deepest nesting of YAML collections: a phone tree needs about six levels."""
MAX_ALIASES = 50
"""Aliases (``*name``) per document, the limit SnakeYAML also uses."""
MAX_ALIAS_EXPANSION = 100_000
"""Nodes that aliases may stand for in total once expanded (alias bombs)."""
