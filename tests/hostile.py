"""A hostile alphabet for property tests: what an attacker would put in a tree's strings."""

from __future__ import annotations

from hypothesis import strategies as st

PIECES = [*"ab \"'<>&%:,|#`*_[]{}()\\=+-@$~;.!", "\n", "\r", "\t", "\x00", "\x1b", "\x07",
          "\x7f", "\x9b", "\u202e", "\u2066", "\u2028", "\ufeff", "é", "\u200d", "::", "%%{",
          '"]; a -> b [', "\x1b]0;", "::error file=x::", "<script>", "-->", "]]>", "=HYPERLINK("]
"""Quotes and the structure of every output format (XML, Markdown, DOT, mermaid, CSV, GitHub
workflow commands), control characters, bidi overrides and separators."""

hostile_text = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)
"""Any string made of the pieces above (lone surrogates are added where a test wants them)."""
