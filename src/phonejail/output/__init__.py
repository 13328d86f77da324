"""Renderers for `phonejail check`: one module per format, each a `render(result)` -> str."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping

from phonejail.lint import CheckResult

_MODULES = {"text": "text", "json": "json_", "sarif": "sarif", "github": "github",
            "junit": "junit", "markdown": "markdown"}


class _Renderers(Mapping[str, Callable[..., str]]):
    """Format name -> its `render`, the module imported when the format is first asked for:
    `check` on every save renders text and need not load the XML writer JUnit uses."""

    def __getitem__(self, fmt: str) -> Callable[..., str]:
        module = importlib.import_module(f"phonejail.output.{_MODULES[fmt]}")
        render: Callable[..., str] = module.render
        return render

    def __iter__(self) -> Iterator[str]:
        return iter(_MODULES)

    def __len__(self) -> int:
        return len(_MODULES)


CHECK_FORMATS: Mapping[str, Callable[..., str]] = _Renderers()

__all__ = ["CHECK_FORMATS", "CheckResult"]
