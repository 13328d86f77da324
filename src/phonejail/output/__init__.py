"""Renderers for `phonejail check`: one module per format, each a `render(result)` -> str."""

from __future__ import annotations

from collections.abc import Callable

from phonejail.lint import CheckResult
from phonejail.output import github, json_, junit, markdown, sarif, text

CHECK_FORMATS: dict[str, Callable[..., str]] = {
    "text": text.render,
    "json": json_.render,
    "sarif": sarif.render,
    "github": github.render,
    "junit": junit.render,
    "markdown": markdown.render,
}

__all__ = ["CHECK_FORMATS", "CheckResult"]
