"""`phonejail lsp`: phonejail's findings, rules and ids in the editor (Language Server Protocol).

One small handler per feature, as pygls's examples are built, over the same
engine as `phonejail check` (`phonejail.lint.check_loaded`):

- diagnostics: every finding of a tree, published when it is opened, saved, and
  a moment after each change (changes are debounced and linted off the event
  loop, one at a time, so typing stays responsive on big trees);
- hover: on a rule code (a finding's place, or `PJ201` written anywhere) the
  rule's `phonejail explain` text; on a node id, the node's kind and prompt;
- go-to-definition: from a target (`next:`, `to:`, `ok:`...), a fact, an
  intent or a queue to where it is defined; references: every place it is used;
- document symbols: the nodes, for the editor's outline;
- completion: node ids after target keys, intents, facts, queues and kinds.

Only documents that are phonejail trees (a top-level `phonejail:` key, or the
schema modeline naming phonejail) get diagnostics, so the server can be attached
to every YAML file next to yaml-language-server.
"""

from __future__ import annotations

import asyncio
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from phonejail import __version__
from phonejail.config import Config, ConfigError, load_config
from phonejail.findings import Finding, Severity
from phonejail.lint import check_loaded, looks_like_a_tree
from phonejail.lsp.outline import (
    Outline,
    completion_key,
    completions,
    is_tree_text,
    outline,
    outline_of,
    rule_code_at,
    token_width,
)
from phonejail.model.load import load_located
from phonejail.rules import RULES, documentation

DEBOUNCE_SECONDS = 0.3
"""Quiet time after a change before it is linted: a keystroke burst is checked once."""

_SEVERITY = {Severity.ERROR: types.DiagnosticSeverity.Error,
             Severity.WARNING: types.DiagnosticSeverity.Warning}
_COMPLETION_KIND = {"node": types.CompletionItemKind.Reference,
                    "fact": types.CompletionItemKind.Field,
                    "intent": types.CompletionItemKind.EnumMember,
                    "queue": types.CompletionItemKind.Value,
                    "kind": types.CompletionItemKind.Keyword}


@dataclass
class _Document:
    """What the server last worked out for one open document."""

    findings: tuple[Finding, ...] = ()
    outline: Outline | None = None
    """The last outline that could be built: kept while the YAML is broken mid-edit."""
    outlined: str | None = field(default=None, repr=False)
    """The text `outline` was last worked out for: requests on unchanged text reuse it (a
    20,000-node tree takes a second or more to read)."""
    pending: asyncio.Task[None] | None = field(default=None, repr=False)


class PhonejailServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("phonejail", __version__)
        self.documents: dict[str, _Document] = {}
        # One lint at a time: the engine pauses the garbage collector while it builds.
        self.linter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="phonejail-lint")
        self.config_errors_shown: set[str] = set()
        self.linting = 0
        """Lints handed to the lint thread and not finished."""

    def config_for(self, path: str) -> Config:
        """The [tool.phonejail] settings nearest the file, as `phonejail check` would use."""
        try:
            return load_config(search_from=Path(path).parent)
        except ConfigError as error:
            if str(error) not in self.config_errors_shown:
                self.config_errors_shown.add(str(error))
                self.window_show_message(types.ShowMessageParams(
                    types.MessageType.Warning,
                    f"phonejail: configuration error, using the defaults: {error}"))
            return Config()


server = PhonejailServer()


# --- positions: phonejail counts characters from 1, LSP counts UTF-16 units from 0 -----------

def _line(lines: list[str], line: int) -> str:
    return lines[line - 1].rstrip("\r\n") if 1 <= line <= len(lines) else ""


def _to_lsp(lines: list[str], line: int, column: int) -> types.Position:
    text = _line(lines, line)
    return types.Position(max(line - 1, 0), len(text[:column - 1].encode("utf-16-le")) // 2)


def _from_lsp(lines: list[str], position: types.Position) -> tuple[int, int]:
    text = _line(lines, position.line + 1)
    units, column = 0, 0
    while column < len(text) and units < position.character:
        units += len(text[column].encode("utf-16-le")) // 2
        column += 1
    return position.line + 1, column + 1


def _range(lines: list[str], line: int, column: int, width: int) -> types.Range:
    return types.Range(_to_lsp(lines, line, column), _to_lsp(lines, line, column + width))


# --- linting ------------------------------------------------------------------------------

def _lint(text: str, path: str, config: Config) -> tuple[tuple[Finding, ...], Outline | None]:
    """Findings and outline of a document's current text (runs on the lint thread)."""
    if not (is_tree_text(text) or looks_like_a_tree(text.encode("utf-8", "replace"))) \
            or config.excluded(path):
        return (), outline(text)
    loaded, root = load_located(text.encode("utf-8"), path)
    return tuple(check_loaded(loaded, config, text=text)), outline_of(root)


def _diagnostic(lines: list[str], finding: Finding) -> types.Diagnostic:
    width = token_width(_line(lines, finding.line), finding.column)
    return types.Diagnostic(
        range=_range(lines, finding.line, finding.column, width),
        message=f"{finding.name}: {finding.message}",
        severity=_SEVERITY[finding.severity],
        code=finding.code,
        source="phonejail",
    )


async def _lint_and_publish(ls: PhonejailServer, uri: str, delay: float) -> None:
    if delay:
        await asyncio.sleep(delay)
    document = ls.workspace.get_text_document(uri)
    version, text = document.version, document.source
    config = ls.config_for(document.path)
    loop = asyncio.get_running_loop()
    ls.linting += 1
    try:
        findings, found = await loop.run_in_executor(ls.linter, _lint, text, document.path,
                                                      config)
    finally:
        ls.linting -= 1
    state = ls.documents.get(uri)
    if state is None or ls.workspace.get_text_document(uri).version != version:
        return  # closed, or changed again while linting: the newer lint publishes
    state.findings = findings
    state.outlined = text
    if found is not None:
        state.outline = found
    lines = text.splitlines()
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
        uri=uri, version=version, diagnostics=[_diagnostic(lines, f) for f in findings]))


def _schedule(ls: PhonejailServer, uri: str, delay: float) -> None:
    state = ls.documents.setdefault(uri, _Document())
    if state.pending is not None and not state.pending.done():
        state.pending.cancel()
    state.pending = asyncio.ensure_future(_lint_and_publish(ls, uri, delay))


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: PhonejailServer, params: types.DidOpenTextDocumentParams) -> None:
    _schedule(ls, params.text_document.uri, 0)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: PhonejailServer, params: types.DidChangeTextDocumentParams) -> None:
    _schedule(ls, params.text_document.uri, DEBOUNCE_SECONDS)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: PhonejailServer, params: types.DidSaveTextDocumentParams) -> None:
    _schedule(ls, params.text_document.uri, 0)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: PhonejailServer, params: types.DidCloseTextDocumentParams) -> None:
    state = ls.documents.pop(params.text_document.uri, None)
    if state is not None and state.pending is not None:
        state.pending.cancel()
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
        uri=params.text_document.uri, diagnostics=[]))


@server.feature(types.EXIT)
def exit_now(ls: PhonejailServer, params: None) -> None:
    """On `exit`, stop even in the middle of linting a big tree: the interpreter would
    otherwise wait for the lint thread to finish before the process ends."""
    if ls.linting:
        sys.stdout.flush()
        os._exit(0 if getattr(ls.protocol, "_shutdown", False) else 1)


def _outline_of(ls: PhonejailServer, uri: str) -> tuple[list[str], Outline | None]:
    """The document's lines and its outline: fresh if the text reads, else the last good one."""
    text = ls.workspace.get_text_document(uri).source
    state = ls.documents.setdefault(uri, _Document())
    if state.outlined != text:
        fresh = outline(text)
        state.outlined = text
        if fresh is not None:
            state.outline = fresh
    return text.splitlines(), state.outline


# --- hover -----------------------------------------------------------------------------------

@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: PhonejailServer, params: types.HoverParams) -> types.Hover | None:
    uri = params.text_document.uri
    lines = ls.workspace.get_text_document(uri).source.splitlines()
    line, column = _from_lsp(lines, params.position)
    written = rule_code_at(_line(lines, line), column)
    codes = [written] if written in RULES else []
    if not codes:
        state = ls.documents.get(uri)
        for finding in state.findings if state else ():
            width = token_width(_line(lines, finding.line), finding.column)
            if finding.line == line and finding.column <= column <= finding.column + width \
                    and finding.code not in codes:
                codes.append(finding.code)
    if codes:
        text = "\n\n".join(f"```text\n{documentation(code).rstrip()}\n```" for code in codes)
        return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, text))
    found = _outline_of(ls, uri)[1]
    named = found.at(line, column) if found else None
    if found is None or named is None or named[0] != "node":
        return None
    node_id = named[1]
    if node_id not in found.node_kinds:
        return types.Hover(types.MarkupContent(
            types.MarkupKind.Markdown, f"`{node_id}`: no such node in this tree"))
    prompt = found.node_prompts.get(node_id)
    text = f"`{node_id}` ({found.node_kinds[node_id]})" + (f": \"{prompt}\"" if prompt else "")
    return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, text))


# --- go to definition ------------------------------------------------------------------------

@server.feature(types.TEXT_DOCUMENT_DEFINITION)
def definition(ls: PhonejailServer,
               params: types.DefinitionParams) -> types.Location | None:
    uri = params.text_document.uri
    lines, found = _outline_of(ls, uri)
    if found is None:
        return None
    named = found.at(*_from_lsp(lines, params.position))
    if named is None:
        return None
    span = found.names(named[0]).get(named[1])
    if span is None:
        return None
    return types.Location(uri, _range(lines, span.line, span.column, span.width))


@server.feature(types.TEXT_DOCUMENT_REFERENCES)
def references(ls: PhonejailServer,
               params: types.ReferenceParams) -> list[types.Location] | None:
    """Every place a node (fact, intent, queue) is used: who sends calls to this node?"""
    uri = params.text_document.uri
    lines, found = _outline_of(ls, uri)
    named = found.at(*_from_lsp(lines, params.position)) if found else None
    if found is None or named is None:
        return None
    spans = sorted((r.span for r in found.references if (r.space, r.name) == named),
                   key=lambda span: (span.line, span.column))
    defined = found.names(named[0]).get(named[1])
    if params.context.include_declaration and defined is not None:
        spans.insert(0, defined)
    return [types.Location(uri, _range(lines, s.line, s.column, s.width)) for s in spans]


@server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def symbols(ls: PhonejailServer,
            params: types.DocumentSymbolParams) -> list[types.DocumentSymbol] | None:
    """The nodes, in the order written: the editor's outline and "go to symbol"."""
    lines, found = _outline_of(ls, params.text_document.uri)
    if found is None or not found.is_tree:
        return None
    result = []
    for node_id, span in found.names("node").items():
        where = _range(lines, span.line, span.column, span.width)
        result.append(types.DocumentSymbol(
            name=node_id, kind=types.SymbolKind.Function, range=where, selection_range=where,
            detail=found.node_kinds.get(node_id, "")))
    return result


# --- completion ------------------------------------------------------------------------------

@server.feature(types.TEXT_DOCUMENT_COMPLETION,
                types.CompletionOptions(trigger_characters=[":", " ", "[", ","]))
def completion(ls: PhonejailServer,
               params: types.CompletionParams) -> types.CompletionList | None:
    uri = params.text_document.uri
    lines, found = _outline_of(ls, uri)
    if found is None:
        return None
    line, column = _from_lsp(lines, params.position)
    key = completion_key(lines, line, column)
    if key is None:
        return None
    items = [types.CompletionItem(label=label, kind=_COMPLETION_KIND[space], detail=detail)
             for label, space, detail in completions(found, key)]
    return types.CompletionList(is_incomplete=False, items=items) if items else None


def serve() -> None:
    """Speak LSP on standard input and output until the client says exit."""
    server.start_io()


__all__ = ["PhonejailServer", "serve", "server"]
