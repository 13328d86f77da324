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

# -- numbers in a tree (format version 1) -----------------------------------------------------
# Each bound is far above any real phone menu and low enough that no figure can overflow:
# the longest possible call (patience steps of the longest prompt, then the longest hold)
# is MAX_PATIENCE * MAX_PROMPT_SECONDS + MAX_WAIT_SECONDS = 3,686,400 s, so the
# seconds-to-human histogram stays under 30 MB and no count leaves int64.
MAX_RETRIES = 100
"""`retries` of a menu or an ask: each retry is a state of the caller chain."""
MAX_PROMPT_SECONDS = 3_600
"""`seconds` of a prompt: an hour."""
MAX_WAIT_SECONDS = 86_400
"""`wait_seconds` of an agent: a day on hold."""
MAX_PATIENCE = 1_000
"""`patience` of a persona, in steps."""
MAX_REDIALS = 100
"""`redials` of a persona: a journey of 101 calls; each is simulated like the first."""
MAX_SHARE = 1_000_000.0
"""`share` of a persona (shares are normalised; the bound keeps their sum finite)."""
MAX_AGENTS = 100_000
"""`agents` of a queue."""
MAX_CALLS_PER_HOUR = 10_000_000.0
"""`calls_per_hour` of a queue."""
MAX_QUEUE_SECONDS = 86_400.0
"""`handle_seconds` and `patience_seconds` of a queue: a day."""
MAX_CHAIN_STATES = 100_000
"""States one persona's call chain may have (node, facts given, retries, transfer, queue):
the largest chain of the 20,000-node bank benchmark has about 18,000. Facts multiply
states (2^K per node for K facts each asked on a chance and tested by a `given:`
branch); past the budget the rules that follow calls and the exact analysis are skipped
(PJ008), and Monte-Carlo samples the calls instead."""
MAX_CHECK_STATES = 1_000_000
"""States all the chains one check compiles may have together: a tree of many facts makes
many chains (each caller, and each of PJ103's callers who lack one fact), each under
MAX_CHAIN_STATES, and every chain a rule judges by stays in memory. The 20,000-node bank
benchmark compiles about 141,000. Past it PJ008, as for one chain past its own budget."""
MAX_DIGITS = 30
"""Digits a number may be written with before it is refused unread (a 5,000-digit integer
would cost Python a quadratic conversion, and exceeds every bound above anyway)."""
MAX_TEXT_CHARS = 100_000
"""Characters in one string of a tree (a prompt, a name): a 100,000-character prompt
would take hours to say."""

# -- the command line and the configuration ---------------------------------------------------
MAX_CALLERS = 100_000_000
"""`--callers` of `simulate` and `report`: 10^8 calls take minutes; 10^12 would take days."""
MAX_SEED = 2**64 - 1
"""`--seed`: numpy's generators take any size, but a seed is written into every report."""
MAX_OPTION_VALUE = 1_000_000
"""Thresholds in [tool.phonejail] (PJ203, PJ204, PJ206, PJ209); percentages stop at 100."""
MAX_JOBS = 256
"""`--jobs`: processes (or Dask workers) started at once."""
MAX_LOOP_COUNT = 1_000
"""`LoopCount` of an Amazon Connect Loop block."""
