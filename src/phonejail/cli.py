"""The `phonejail` command: a thin layer over the library that parses options and prints.

Exit codes (README, "`phonejail check`"): 0 nothing at or above --fail-on; 1 findings at
or above it (a file that does not parse is a finding); 2 usage error, bad
configuration or a path that does not exist.
"""

from __future__ import annotations

import io
import os
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import IO, Any, NoReturn

import click
import yaml

from phonejail import __version__
from phonejail.config import FAIL_ON, Config, ConfigError, load_config, search_start
from phonejail.defaults import COMPARE_LIMITS, DEFAULT_CALLERS, DEFAULT_SEED, METHODS, TABLE_FORMATS
from phonejail.fileio import InputError, OutputError, atomic_write, read_capped, writable_target
from phonejail.findings import Finding, Problem
from phonejail.importers import DEFAULT_INFO, DEFAULT_OPEN, DEFAULT_SUCCESS, FORMATS, Settings
from phonejail.limits import MAX_CALLERS, MAX_FILE_BYTES, MAX_JOBS, MAX_OPTION_VALUE, MAX_SEED
from phonejail.lint import (
    CheckResult,
    MissingPath,
    check_paths,
    check_source,
    collect,
    collect_files,
    stamp,
)
from phonejail.model.build import did_you_mean
from phonejail.model.schema import schema_text
from phonejail.model.tree import DTMF_KEYS, Tree
from phonejail.model.yamlread import YMap, YScalar, YSeq, read_yaml
from phonejail.output import CHECK_FORMATS
from phonejail.output.text import summary as text_summary
from phonejail.rules import FORMAT_CODES, RULES, documentation
from phonejail.sources import (
    FLOW_CHOICE,
    UNIT_MARK,
    flow_matches,
    import_any,
    importer_settings,
    load_source,
    source_from_bytes,
    split_unit,
)
from phonejail.sweep import EXECUTORS, SweepError
from phonejail.textsafe import json_text, visible

# The engines (numpy), the report (matplotlib) and the staffing sweep are imported by
# the commands that run them: pre-commit hooks and editors run `check` on every save.

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _config(config_file: str | None, paths: Sequence[str] = ()) -> Config:
    """The --config file, or the nearest configuration to the trees (docs/configuration.md)."""
    if config_file:
        return load_config(Path(config_file))
    return load_config(search_from=search_start(paths))


def _config_files(config: Config) -> list[str]:
    """The configuration file read, if any: an input like the trees, never an output."""
    return [config.source] if config.source else []


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="phonejail")
def cli() -> None:
    """Find phone jail in IVR phone menus before callers do.

    A phone menu is a YAML graph of nodes (see `phonejail schema`). phonejail
    checks it for traps: dead ends with no way to a human, loops callers cannot
    leave, identity gates, repeated identity questions, no 0 for an operator,
    agents who bounce a call, voice menus with no keys, long queues, and account
    changes for callers nobody verified.
    """


def _sweep_options(command: Any) -> Any:
    """--jobs, --executor and --scheduler: how many trees are worked on at once, and where."""
    command = click.option(
        "--scheduler", default=None, metavar="ADDRESS",
        help="With --executor dask: the Dask scheduler (tcp://host:8786). [default: a local "
        "cluster of --jobs workers]")(command)
    command = click.option(
        "--executor", type=click.Choice(EXECUTORS), default="local", show_default=True,
        help="local: processes on this machine; dask: a Dask cluster "
        "(pip install 'phonejail[dask]').")(command)
    return click.option(
        "-j", "--jobs", type=click.IntRange(1, MAX_JOBS), default=None,
        help="Trees worked on at once; the output is the same for any number. "
        "[default: the cores this process may use]")(command)


def _swept(work: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a sweeping library call, turning an executor that cannot run into a usage error."""
    try:
        return work(*args, **kwargs)
    except SweepError as error:
        raise click.UsageError(str(error)) from None


def _branch_chance_option(command: Any) -> Any:
    return click.option(
        "--branch-chance", "branch_chances", multiple=True, metavar="NAME=P",
        callback=lambda _c, _p, v: _branch_chances(v),
        help="Imported flows: chance of a branch. NAME is a branch label (an error type such "
        "as QueueAtCapacity, a condition's value) or BLOCK.LABEL for one block. "
        "Repeatable.")(command)


def _flow_option(command: Any) -> Any:
    return click.option(
        "--flow", "flow_name", default=None, metavar="NAME",
        help="Templates (Terraform, CloudFormation) holding several flows: the flow to "
        "read, by resource address, resource name or flow name.")(command)


def _watch_option(command: Any) -> Any:
    return click.option("--watch", is_flag=True, help="Keep running: run again whenever a "
                        "tree (or the configuration file) is saved. Ctrl-C stops; the exit "
                        "code is the last run's.")(command)


def _watching(paths: Sequence[str], once: Any, config_file: str | None, doing: str) -> int:
    """Run `once` now and after every save under `paths`; a bad run is reported, not fatal."""
    from phonejail.watch import watch

    def job() -> int:
        try:
            return once()
        except (click.ClickException, ConfigError, OutputError, InputError) as error:
            message = error.format_message() if isinstance(error, click.ClickException) \
                else str(error)
            click.echo(f"phonejail: {message}", err=True)
            return error.exit_code if isinstance(error, click.ClickException) else EXIT_USAGE

    def ready() -> None:
        click.echo(f"phonejail: watching {', '.join(paths)} for changes (Ctrl-C stops)",
                   err=True)

    def changed(names: list[str]) -> None:
        if sys.stdout.isatty():
            click.clear()
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        click.echo(f"phonejail: {time.strftime('%H:%M:%S')} {shown} changed; {doing} again",
                   err=True)

    try:
        config = _config(config_file, paths)
    except ConfigError:
        config = Config()  # the first run reports it; a fixed file is picked up when saved
    extra = [config.source] if config.source else []
    if config_file and config_file not in extra:
        extra.append(config_file)
    return watch(paths, job, changed, extra, ready)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(list(CHECK_FORMATS)), default="text",
              show_default=True, help="Output format: text for people; json, sarif (code "
              "scanning), github (Actions annotations), junit (GitLab, Jenkins) or markdown "
              "(a pull-request comment) for CI.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
              help="Lowest severity that makes the exit code 1.  [default: error]")
@click.option("--select", multiple=True, metavar="CODES",
              help="Only these rules: codes or prefixes (PJ1, PJ202), comma-separated or "
              "repeated. Format rules PJ001-PJ005 always run.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Skip these rules (codes or "
              "prefixes).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="A TOML file of settings: a phonejail.toml (keys at the top or under "
              "[tool.phonejail]) or a pyproject.toml. [default: the nearest .phonejail.toml, "
              "phonejail.toml or pyproject.toml with [tool.phonejail], from the trees' folder "
              "up]")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write the report to this file instead of standard output (`-`: "
              "standard output).")
@click.option("-q", "--quiet", is_flag=True, help="One line per finding: no source lines "
              "and no summary line.")
@click.option("--no-snippet", is_flag=True, help="Text format: leave out the source line and "
              "caret under each finding.")
@click.option("--stdin-filename", default=None, metavar="PATH",
              help="With `check -`: the path to show in findings, match against "
              "per-file-ignores and look for a configuration from (.json: a flow export).")
@_flow_option
@_branch_chance_option
@_watch_option
@_sweep_options
def check(paths: Sequence[str], fmt: str, fail_on: str | None, select: Sequence[str],
          ignore: Sequence[str], config_file: str | None, output: str | None,
          quiet: bool, no_snippet: bool, stdin_filename: str | None, flow_name: str | None,
          branch_chances: tuple[tuple[str, float], ...], watch: bool,
          jobs: int | None, executor: str, scheduler: str | None) -> int:
    """Validate and lint phone-menu trees: files, or folders (phonejail trees and flow
    exports in them); `-` reads one tree from standard input.

    \b
    Examples:
      phonejail check trees/
      phonejail check --select PJ1 --fail-on warning menus/main.yaml
      phonejail check --format sarif -o phonejail.sarif trees/
      cat menu.yaml | phonejail check - --stdin-filename menus/main.yaml
      phonejail check --watch trees/
    """
    reading_stdin = "-" in paths
    if reading_stdin and len(paths) > 1:
        raise click.BadParameter("`-` (standard input) cannot be mixed with other paths",
                                 param_hint="PATHS")
    if stdin_filename is not None and not reading_stdin:
        raise click.UsageError("--stdin-filename goes with `check -` (a tree on standard "
                               "input)")
    if watch and reading_stdin:
        raise click.UsageError("--watch needs files or folders to watch, not `-`")

    def once() -> int:
        return _check_once(paths, fmt, fail_on, select, ignore, config_file, output, quiet,
                           no_snippet, stdin_filename, flow_name, branch_chances, jobs,
                           executor, scheduler)

    return _watching(paths, once, config_file, "checking") if watch else once()


def _check_once(paths: Sequence[str], fmt: str, fail_on: str | None, select: Sequence[str],
                ignore: Sequence[str], config_file: str | None, output: str | None,
                quiet: bool, no_snippet: bool, stdin_filename: str | None,
                flow_name: str | None, branch_chances: tuple[tuple[str, float], ...],
                jobs: int | None, executor: str, scheduler: str | None) -> int:
    config = _config(config_file, [stdin_filename] if stdin_filename else paths
                     ).with_overrides(select, ignore, fail_on)
    config = replace(config, branch_chances=branch_chances)
    if config.unignorable():
        click.echo(f"phonejail: note: ignoring {', '.join(config.unignorable())} has no "
                   f"effect: the format rules ({', '.join(sorted(FORMAT_CODES))}) always run "
                   "(a tree that does not load cannot be checked)", err=True)
    if "-" in paths:
        result = _check_stdin(stdin_filename or STDIN_NAME, config, flow_name)
    else:
        result = _check_files(paths, config, quiet, jobs, executor, scheduler, flow_name)
    if not result.files:
        skipped = (f"; {len(result.skipped)} other YAML "
                   f"file{'s' * (len(result.skipped) != 1)} skipped" if result.skipped else "")
        click.echo(f"phonejail: no phonejail trees (YAML with a `phonejail:` key, or flow "
                   f"exports) under {', '.join(paths)}{skipped}", err=True)
    output = _to_file(output)
    coloured = _colour(sys.stdout) and output is None
    text = CHECK_FORMATS[fmt](result, color=coloured, quiet=quiet, config=config,
                              snippet=not no_snippet)
    if output:
        inputs = [split_unit(f)[0] for f in result.files]  # a template's flows: the template
        atomic_write(Path(output), text, inputs=[*inputs, *_config_files(config)])
    else:
        click.echo(text, nl=False, color=coloured)
    return EXIT_FINDINGS if result.fails(config.fail_on) else EXIT_OK


STDIN_NAME = "<stdin>"
"""The path shown for a tree read from standard input without --stdin-filename."""


def _check_files(paths: Sequence[str], config: Config, quiet: bool, jobs: int | None,
                 executor: str, scheduler: str | None, flow_name: str | None) -> CheckResult:
    try:
        collected = collect_files(paths, config)
    except MissingPath as missing:
        raise click.BadParameter(f"'{missing}' does not exist", param_hint="PATHS") from None
    collected = replace(collected, files=tuple(_only_flow(collected.files, flow_name, paths)))
    progress = _Progress(len(collected.files), "checking",
                         enabled=sys.stderr.isatty() and not quiet)
    try:  # the files are named now, so they are not searched (or read) a second time
        result = _swept(check_paths, collected.files, config, jobs, executor, scheduler,
                        progress)
    finally:
        progress.close()
    return replace(result, skipped=collected.skipped)


def _check_stdin(shown: str, config: Config, flow_name: str | None) -> CheckResult:
    """One tree from standard input; one byte over the size limit is enough to refuse it."""
    data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
    source = source_from_bytes(data, shown, importer_settings(config), flow_name)
    findings = tuple(sorted(check_source(source, config)))
    return CheckResult((shown,), findings,
                       texts={shown: data.decode("utf-8-sig", errors="replace")})


def _only_flow(files: Sequence[str], flow_name: str | None, paths: Sequence[str]
               ) -> list[str]:
    """`--flow NAME`: only that flow of the templates collected."""
    if flow_name is None:
        return list(files)
    kept = [f for f in files if flow_matches(f, flow_name)]
    if not kept:
        raise click.BadParameter(f"no flow '{flow_name}' in a template under "
                                 f"{', '.join(paths)}", param_hint="--flow")
    return kept


class _Progress:
    """A progress bar on standard error, shown only on a terminal and once a run passes 1 s."""

    def __init__(self, total: int, label: str, enabled: bool) -> None:
        self.total, self.label, self.enabled = total, label, enabled
        self.started = time.monotonic()
        self.done = 0
        self.bar: Any = None

    def __call__(self, n: int) -> None:
        self.done += n
        if not self.enabled:
            return
        if self.bar is None and time.monotonic() - self.started > 1.0:
            self.bar = click.progressbar(length=self.total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
            self.bar.update(self.done)
        elif self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _load_tree_or_findings(path: str, branch_chances: tuple[tuple[str, float], ...] = (),
                           flow_name: str | None = None) -> Tree:
    """Load a tree for simulation; a tree with format errors is refused with its findings.

    `path` may name one flow of a template (`main.tf#ADDRESS`), or `flow_name` does."""
    if not Path(split_unit(path)[0]).exists():
        raise click.BadParameter(f"'{path}' does not exist", param_hint="TREE")
    config = replace(_config(None, [split_unit(path)[0]]), branch_chances=branch_chances)
    source = load_source(path, importer_settings(config), flow_name)
    loaded = source.loaded
    if loaded.tree is None:
        _flow_to_pick(loaded.problems, path)
        _refuse(path, stamp(path, [source.remap(p) for p in loaded.problems], Config()),
                "simulating")
    return loaded.tree


def _colour(stream: IO[str]) -> bool:
    """Colour text for a terminal, unless NO_COLOR is set (no-color.org)."""
    return stream.isatty() and not os.environ.get("NO_COLOR")


def _flow_to_pick(problems: Sequence[Problem | Finding], path: str) -> None:
    """A file of several flows with none picked, or an unknown one: a usage error (exit 2),
    where a command wants one tree."""
    for problem in problems:
        if problem.part == FLOW_CHOICE:
            raise click.BadParameter(f"{path}: {problem.message}", param_hint="--flow")


def _refuse(path: str, findings: Sequence[Finding], doing: str) -> NoReturn:
    """Print a broken tree's findings on standard error and stop with exit 1."""
    result = CheckResult((path,), tuple(sorted(findings)))
    click.echo(CHECK_FORMATS["text"](result, color=_colour(sys.stderr), quiet=True),
               err=True, nl=False)
    raise _Refused(f"{path} has errors; fix them before {doing} "
                   "(`phonejail check` lists them)")


class _Refused(click.ClickException):
    """The input cannot be simulated (exit 1: a finding, not a usage error)."""

    exit_code = 1


@cli.command()
@click.argument("tree", type=click.Path(dir_okay=False))
@click.option("--callers", type=click.IntRange(1, MAX_CALLERS), default=DEFAULT_CALLERS,
              show_default=True,
              help="Monte-Carlo: callers to simulate, a call each (personas with `redials` "
              "call again after a jailed call).")
@click.option("--seed", type=click.IntRange(0, MAX_SEED), default=DEFAULT_SEED,
              show_default=True,
              help="Monte-Carlo: random seed; the same seed gives byte-identical output.")
@click.option("--method", type=click.Choice(METHODS), default="montecarlo", show_default=True,
              help="montecarlo samples calls; exact computes every figure from the Markov "
              "chain (no sampling error).")
@click.option("--persona", default=None, help="Only this persona (by name).")
@click.option("--format", "fmt", type=click.Choice(TABLE_FORMATS), default="text",
              show_default=True)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@_flow_option
@_branch_chance_option
def simulate(tree: str, callers: int, seed: int, method: str, persona: str | None, fmt: str,
             quiet: bool, flow_name: str | None,
             branch_chances: tuple[tuple[str, float], ...]) -> int:
    """Walk the tree's personas through it and measure phone jail.

    Per persona and overall: outcomes (resolved, unresolved, callback, handed
    off, dead end, abandoned), jail rate, share reaching a human, steps and
    seconds to a human, identity prompts, repeated identity prompts, transfers
    and call seconds. Trees with `sensitive` intents add unverified resolutions,
    personas with `redials` add journeys (a caller's calls together), and
    staffed `queues` add the queues' wait and abandonment. Personas come from
    `callers:` in the tree, or one per intent.

    \b
    Examples:
      phonejail simulate trees/isp_billing.yaml
      phonejail simulate --method exact --format json trees/isp_billing.yaml
      phonejail simulate --callers 1000000 --persona "bill payer" trees/isp_billing.yaml
    """
    from phonejail.simulate import (
        ChainTooLarge,
        TooDeepForExact,
        UnknownPersona,
        ZeroStepCycle,
        run,
    )
    from phonejail.simulate.render import RENDERERS

    given = click.get_current_context().get_parameter_source
    if method == "exact":
        unused = [f"--{name}" for name in ("callers", "seed")
                  if given(name) is click.core.ParameterSource.COMMANDLINE]
        if unused:
            click.echo(f"phonejail: warning: {' and '.join(unused)} unused with --method exact "
                       "(it samples no calls)", err=True)
    loaded = _load_tree_or_findings(tree, branch_chances, flow_name)
    total = callers if method == "montecarlo" else len(loaded.judged)
    progress = _Progress(total, "simulating", enabled=sys.stderr.isatty() and not quiet)
    try:
        result = run(loaded, method, callers, seed, persona, progress)
    except UnknownPersona as error:
        raise click.BadParameter(str(error), param_hint="--persona") from None
    except ZeroStepCycle as cycle:
        raise _Refused(f"{tree}: a cycle of nodes that take no step: {cycle}; a call could go "
                       "round it forever without the caller hearing anything. Break it (e.g. "
                       "an agent that resolves the intent, or a prompt on the way)") from None
    except TooDeepForExact as error:
        raise _Refused(f"{tree}: {error}") from None
    except ChainTooLarge as error:
        raise _Refused(f"{tree}: {error} (PJ008): the exact analysis cannot follow it; "
                       "use --method montecarlo") from None
    finally:
        progress.close()
    click.echo(RENDERERS[fmt](result), nl=False)
    return EXIT_OK


def _csv(value: str | None) -> list[str] | None:
    return None if value is None else [v.strip() for v in value.split(",") if v.strip()]


@cli.command()
@click.argument("tree", type=click.Path(dir_okay=False))
@click.option("--persona", default=None, help="Call as this persona (by name): its intent, "
              "facts and patience.  [default: the first]")
@click.option("--keys", default=None, metavar="KEYS", help="A scripted call: the keys pressed "
              "at each menu in turn, comma-separated (2,1,0). The call hangs up when they run "
              "out.")
@click.option("--facts", default=None, metavar="FACTS", help="The identity facts you can give, "
              "comma-separated (\"\" for none).  [default: the persona's]")
@click.option("--seed", type=click.IntRange(0, MAX_SEED), default=DEFAULT_SEED,
              show_default=True,
              help="Seed for the tree's own draws (chance branches, success).")
def call(tree: str, persona: str | None, keys: str | None, facts: str | None,
         seed: int) -> int:
    """Dial a tree: hear each prompt, press keys, give facts, until the call ends.

    Shows the step and seconds counters, the keys each menu allows and where they
    lead, identity questions (and when one is asked again), holds and transfers,
    then the outcome. Without --keys it asks you at each menu and ask; where the
    tree draws (a chance branch, a self-service's success) Enter lets the seed decide
    or you pick.

    \b
    Examples:
      phonejail call trees/isp_billing.yaml
      phonejail call trees/isp_billing.yaml --persona "bill payer" --keys 1,1
      phonejail call trees/isp_billing.yaml --keys 1,2 --facts account_number
    """
    from phonejail.call import ScriptedCaller, dial
    from phonejail.call.render import lines
    from phonejail.call.terminal import TerminalCaller

    loaded = _load_tree_or_findings(tree)
    names = [p.name for p in loaded.personas]
    if persona is not None and persona not in names:
        raise click.BadParameter(f"no persona {persona!r}{did_you_mean(persona, names)}; "
                                 f"this tree has: {', '.join(names)}", param_hint="--persona")
    chosen = next(p for p in loaded.personas if persona in (None, p.name))
    known = _csv(facts)
    if known is not None:
        unknown = [f for f in known if f not in loaded.identity]
        if unknown:
            raise click.BadParameter(
                f"no identity fact {unknown[0]!r}{did_you_mean(unknown[0], loaded.identity)}"
                f"; this tree has: {', '.join(loaded.identity) or 'none'}",
                param_hint="--facts")
        chosen = replace(chosen, knows=frozenset(known))
    pressed = _csv(keys)
    if pressed is not None:
        bad = [k for k in pressed if k not in DTMF_KEYS]
        if bad:
            raise click.BadParameter(f"{bad[0]!r} is not a phone key (0-9, * or #)",
                                     param_hint="--keys")
        caller: Any = ScriptedCaller(pressed, chosen.knows)
    else:
        caller = TerminalCaller(read=_read_line, say=click.echo)
    for event in dial(loaded, chosen, caller, seed):
        for line in lines(event):
            click.echo(visible(line))  # prompts and labels are the tree's text: shown, not obeyed
    return EXIT_OK


def _read_line(prompt: str) -> str | None:
    """One line from standard input after `prompt`; None at the end of input."""
    click.echo(visible(prompt), nl=False)
    line = sys.stdin.readline()
    if not line:
        click.echo()
        return None
    if not sys.stdin.isatty():
        click.echo(line.rstrip("\n"))  # echo piped answers, so the transcript reads whole
    return line.rstrip("\n")


@cli.command()
@click.argument("tree", type=click.Path(dir_okay=False))
@click.option("--queue", "queue_name", default=None,
              help="The queue under `queues` to staff; may be left out if there is one.")
@click.option("--agents", default=None,
              help="Numbers of agents: a range 4..20, or a list 8,10,12..14.  [default: from "
              "below the load to a few past what the PJ209 limits need]")
@click.option("--format", "fmt", type=click.Choice(TABLE_FORMATS), default="text",
              show_default=True)
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="A TOML file with [tool.phonejail] settings (the PJ209 limits).")
def staff(tree: str, queue_name: str | None, agents: str | None, fmt: str,
          config_file: str | None) -> int:
    """Per number of agents: utilisation, mean wait, queue abandonment and jail rate.

    The queue's figures come from the Erlang A model (Erlang C without
    patience_seconds); the jail rate and the share reaching a human are the
    whole tree's, exact, with that queue staffed by that many agents. The row
    marked * is the tree's own staffing.

    \b
    Examples:
      phonejail staff trees/small_business.yaml --agents 1..4
      phonejail staff menus/main.yaml --queue billing --agents 4..20 --format csv
    """
    from phonejail.simulate import ChainTooLarge, TooDeepForExact, ZeroStepCycle
    from phonejail.simulate.staff import RENDERERS as STAFF_RENDERERS
    from phonejail.simulate.staff import StaffingError, choose_queue, default_agents, parse_agents
    from phonejail.simulate.staff import sweep as staff_sweep

    limits = _config(config_file, [tree]).options
    loaded = _load_tree_or_findings(tree)
    try:
        queue = choose_queue(loaded, queue_name)
    except StaffingError as error:
        raise click.BadParameter(str(error), param_hint="--queue") from None
    try:
        counts = (parse_agents(agents) if agents is not None else default_agents(
            queue, limits["max-queue-wait-seconds"], limits["max-queue-abandon-percent"] / 100))
    except StaffingError as error:
        raise click.BadParameter(str(error), param_hint="--agents") from None
    try:
        table = staff_sweep(loaded, queue, counts)
    except ZeroStepCycle as cycle:
        raise _Refused(f"{tree}: a cycle of nodes that take no step: {cycle}") from None
    except TooDeepForExact as error:
        raise _Refused(f"{tree}: {error}") from None
    except ChainTooLarge as error:
        raise _Refused(f"{tree}: {error} (PJ008): the exact jail rates cannot be had") from None
    click.echo(STAFF_RENDERERS[fmt](table), nl=False)
    return EXIT_OK


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Folder for the reports (created if missing; files phonejail did not write "
              "are left alone).")
@click.option("--callers", type=click.IntRange(1, MAX_CALLERS), default=DEFAULT_CALLERS,
              show_default=True,
              help="Monte-Carlo callers per tree (more calls if personas redial), shown "
              "beside exact figures.")
@click.option("--seed", type=click.IntRange(0, MAX_SEED), default=DEFAULT_SEED,
              show_default=True)
@click.option("--baseline", type=click.Path(dir_okay=False, exists=True), default=None,
              help="An earlier version of the tree: each page gets a comparison with it.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
              help="Lowest severity that makes the exit code 1.  [default: error]")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="A TOML file with [tool.phonejail] settings.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary line.")
@click.option("--force", is_flag=True, help="Replace files in the output folder that "
              "phonejail did not write (by default they are left alone and the run stops).")
@_flow_option
@_branch_chance_option
@_sweep_options
@_watch_option
def report(paths: Sequence[str], out_dir: str, callers: int, seed: int, baseline: str | None,
           fail_on: str | None, config_file: str | None, quiet: bool, force: bool,
           flow_name: str | None, branch_chances: tuple[tuple[str, float], ...],
           jobs: int | None, executor: str, scheduler: str | None, watch: bool) -> int:
    """Write HTML, Markdown, JSON and figures for each tree, and an index: the main job.

    For every tree, OUT/<tree>/ gets index.html (self-contained: open it from disk),
    summary.md (for a pull-request comment), summary.json and the figures as PNG;
    OUT/index.html lists the trees, worst first. Exit codes as `phonejail check`.

    \b
    Example:
      phonejail report trees/ -o reports/
      phonejail report menus/main.yaml --baseline old/main.yaml -o reports/
      phonejail report --watch menus/ -o reports/   # reload the page after a save
    """
    def once() -> int:
        return _report_once(paths, out_dir, callers, seed, baseline, fail_on, config_file,
                            quiet, force, flow_name, branch_chances, jobs, executor,
                            scheduler)

    watched = [*paths, *([baseline] if baseline else [])]
    return _watching(watched, once, config_file, "writing the reports") if watch else once()


def _report_once(paths: Sequence[str], out_dir: str, callers: int, seed: int,
                 baseline: str | None, fail_on: str | None, config_file: str | None,
                 quiet: bool, force: bool, flow_name: str | None,
                 branch_chances: tuple[tuple[str, float], ...], jobs: int | None,
                 executor: str, scheduler: str | None) -> int:
    from phonejail.report import write_reports

    config = replace(_config(config_file, paths).with_overrides(fail_on=fail_on),
                     branch_chances=branch_chances)
    try:
        files = _only_flow(collect(paths, config), flow_name, paths)
    except MissingPath as missing:
        raise click.BadParameter(f"'{missing}' does not exist", param_hint="PATHS") from None
    progress = _Progress(len(files), "writing reports",
                         enabled=sys.stderr.isatty() and not quiet)
    try:  # the files are named now, so they are not searched (or read) a second time
        done = _swept(write_reports, files, Path(out_dir), config, callers, seed, baseline,
                      progress, force=force, jobs=jobs, executor=executor, scheduler=scheduler)
    finally:
        progress.close()
    findings = tuple(f for r in done.reports for f in r.findings)
    result = CheckResult(tuple(r.path for r in done.reports), tuple(sorted(findings)))
    if not quiet:
        index = Path(out_dir) / "index.html"
        click.echo(f"Wrote {len(done.written)} files for {len(done.reports)} "
                   f"tree{'s' * (len(done.reports) != 1)}: open {index}")
        click.echo(text_summary(result))
    # The baseline gate of `compare`: a figure beyond its threshold fails the report too
    # (a NEW that does not load already fails by its format errors).
    regressions = [(c, r) for c in done.comparisons for r in c.regressions]
    for c, r in regressions:
        click.echo(f"{visible(c.new_path)}: regressed against {visible(c.old_path)}: "
                   f"{visible(r.text())}")
    return EXIT_FINDINGS if result.fails(config.fail_on) or regressions else EXIT_OK


@cli.command()
@click.argument("tree", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["dot", "mermaid", "png", "svg"]),
              default="mermaid", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write to this file (required for png and svg; `-`: standard output).")
@click.option("--widths/--no-widths", default=True, show_default=True,
              help="Edge widths by the exact share of calls taking each move (traps are "
              "marked either way).")
@click.option("--no-flow", "no_widths", is_flag=True, hidden=True)  # --no-widths' old name
@_flow_option
def graph(tree: str, fmt: str, output: str | None, widths: bool, no_widths: bool,
          flow_name: str | None) -> int:
    """Draw the call flow: dead ends, jail loops and identity gates in red.

    mermaid renders in GitHub Markdown (put it in a ```mermaid block); dot is for
    Graphviz; png and svg are drawn with matplotlib.
    """
    from phonejail.model.load import load_for_drawing
    from phonejail.output.text import render as text_render
    from phonejail.report import flowchart
    from phonejail.report.build import DRAW_LIMIT, build_report
    from phonejail.report.figures import plain_text

    if fmt in ("png", "svg") and output is None:
        raise click.UsageError(f"--format {fmt} writes a file: give -o FILE (or -o - for "
                               "standard output)")
    output = _to_file(output)
    if not Path(split_unit(tree)[0]).exists():
        raise click.BadParameter(f"'{tree}' does not exist", param_hint="TREE")
    if flow_name:
        tree = f"{split_unit(tree)[0]}{UNIT_MARK}{flow_name}"  # one flow of a template
    if fmt in ("png", "svg"):
        size = len(getattr(load_source(tree).loaded.tree, "nodes", ()))
        if size > DRAW_LIMIT:  # checked first: the analysis of a huge tree takes a while too
            raise click.UsageError(f"{tree} has {size:,} nodes; png and svg are drawn up to "
                                   f"{DRAW_LIMIT} (no layout stays readable past that): use "
                                   "--format dot (Graphviz) or mermaid")
    r = build_report(tree, "graph", Config(), 0, DEFAULT_SEED)  # traps, and flows if wanted
    code = EXIT_OK
    if r.tree is None:
        # A tree whose only errors are targets naming no node is drawn all the same, those
        # targets marked: a picture helps most exactly then. Its errors go to stderr, exit 1.
        _flow_to_pick(r.findings, tree)
        loaded = load_for_drawing(tree)
        if loaded is None:
            _refuse(tree, r.findings, "drawing it")
        click.echo(text_render(CheckResult((tree,), r.findings)), err=True, nl=False)
        diagram = flowchart.describe(loaded)
        code = EXIT_FINDINGS
    else:
        loaded = r.tree
        diagram = flowchart.describe(loaded, r.marks, r.flow if widths and not no_widths
                                     else {})
    if fmt in ("png", "svg"):
        buffer = io.BytesIO()
        with plain_text():
            flowchart.draw(diagram, loaded.name).savefig(
                buffer, format=fmt, bbox_inches="tight",
                metadata={"Date": None} if fmt == "svg" else {"Software": None})
        data: str | bytes = buffer.getvalue()
    else:
        data = (flowchart.to_dot if fmt == "dot" else flowchart.to_mermaid)(diagram,
                                                                           loaded.name)
    if output:
        atomic_write(Path(output), data, inputs=[split_unit(tree)[0]])
    elif isinstance(data, bytes):
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        click.echo(data, nl=False)
    return code


def _finite(_ctx: Any, param: click.Parameter, value: float | None) -> float | None:
    """FloatRange lets `nan` through (it compares false with every bound)."""
    if value is not None and value != value:
        raise click.BadParameter("expected a number, not nan", param_hint=param.opts[0])
    return value


def _compare_limit_options(command: Any) -> Any:
    """--max-regression and the other thresholds of `compare`, named as their config keys."""
    helps = {
        "max-regression": "Exit 1 if NEW's exact jail rate, of all calls or of a persona in "
        "both versions, is worse than OLD's by more than this many percentage points.",
        "max-reached-human-regression": "The same for the share of calls reaching a human "
        "(points).",
        "max-steps-to-human-regression": "The same for the mean steps to a human.",
        "max-seconds-to-human-regression": "The same for the mean seconds to a human.",
    }
    for key in reversed(COMPARE_LIMITS):
        command = click.option(
            f"--{key}", key.replace("-", "_"), type=click.FloatRange(0, MAX_OPTION_VALUE),
            default=None, metavar="N", callback=_finite,
            help=f"{helps[key]}  [default: {COMPARE_LIMITS[key]:g}, or the config's {key}]")(
                command)
    return command


@cli.command()
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]),
              default="text", show_default=True)
@click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
              help="Exit 1 if NEW adds findings at or above this severity.  [default: error]")
@_compare_limit_options
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="A TOML file with [tool.phonejail] settings.  [default: the one nearest "
              "to NEW]")
def compare(old: str, new: str, fmt: str, fail_on: str | None, config_file: str | None,
            **limits: float | None) -> int:
    """Compare two versions of a tree, and fail if NEW is worse for callers.

    Shows the exact figures with deltas, and findings added and removed (matched by
    rule, node, fact and persona, never by message or line). Exit 1 when NEW does
    not load, when an exact figure of all calls or of a persona got worse beyond its
    threshold, or when NEW adds findings at --fail-on; the output says which. An OLD
    that does not load (or does not exist: a new tree) is compared against nothing.
    Both versions are judged with NEW's configuration.

    \b
    Example:
      phonejail compare trees/isp_billing.yaml trees/isp_billing_fixed.yaml
      git show main:menus/main.yaml > /tmp/main.yaml
      phonejail compare /tmp/main.yaml menus/main.yaml --max-regression 0.5
    """
    from phonejail.report.build import TreeReport, build_report
    from phonejail.report.compare import compare as compare_reports
    from phonejail.report.compare import to_dict as comparison_dict
    from phonejail.report.compare import to_markdown as comparison_markdown
    from phonejail.report.compare import to_text as comparison_text

    config = _config(config_file, [new]).with_overrides(fail_on=fail_on)
    given = {key: limits[key.replace("-", "_")] for key in COMPARE_LIMITS}
    thresholds = {**config.compare_limits, **{k: v for k, v in given.items() if v is not None}}

    def side(path: str, slug: str) -> TreeReport:
        if not Path(path).is_file():
            why = "no such file" if not Path(path).exists() else "not a file"
            return TreeReport(path, slug, path, None, (), refused=why)
        return build_report(path, slug, config, 0, DEFAULT_SEED)

    c = compare_reports(side(old, "old"), side(new, "new"), thresholds)
    if fmt == "json":
        click.echo(json_text(comparison_dict(c)))
    else:
        click.echo((comparison_markdown if fmt == "markdown" else comparison_text)(c), nl=False)
    return EXIT_FINDINGS if c.fails(config.fail_on) else EXIT_OK


@cli.command("import")
@click.argument("flow", type=click.Path(dir_okay=False, exists=True))
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="The phonejail tree to write (YAML; `-`: standard output).")
@click.option("--from", "fmt", type=click.Choice(FORMATS), default=None,
              help="The export's format.  [default: detected from the content]")
@click.option("--callers", "callers_file", type=click.Path(dir_okay=False, exists=True),
              default=None, help="A YAML list of personas to add to the tree (intents are "
              "those the import derives from the menus: see the written file); a persona "
              "the tree would not load with is refused before anything is written.")
@click.option("--success-chance", type=click.FloatRange(0, 1), default=DEFAULT_SUCCESS,
              show_default=True, help="Chance that functions, Lambdas, HTTP requests and "
              "subflows take their success branch.")
@click.option("--open-chance", type=click.FloatRange(0, 1), default=DEFAULT_OPEN,
              show_default=True, help="Chance that an hours-of-operation check finds the "
              "centre open (Connect).")
@click.option("--info-chance", type=click.FloatRange(0, 1), default=DEFAULT_INFO,
              show_default=True, help="Chance that recorded information a menu option leads "
              "to settles the caller's need.")
@_flow_option
@_branch_chance_option
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
def import_(flow: str, output: str, fmt: str | None, callers_file: str | None,
            success_chance: float, open_chance: float, info_chance: float,
            flow_name: str | None, branch_chances: tuple[tuple[str, float], ...],
            force: bool) -> int:
    """Turn a Twilio Studio or Amazon Connect flow export into a phonejail tree.

    Reads the Studio flow definition (also wrapped as the Flows API resource or a
    JavaScript module), the Connect flow language (also DescribeContactFlow
    output), or a flow in a Terraform file or CloudFormation template (--flow picks
    one of several), and writes a commented YAML tree: each node names the widget or
    action it came from. `check`, `simulate` and `report` also read exports and
    templates directly. docs/importers.md has the whole mapping.

    \b
    Examples:
      phonejail import flows/main_ivr.json -o trees/main_ivr.yaml
      phonejail import infra/connect.tf --flow main_line -o trees/main_line.yaml
    """
    out = Path(output)
    inputs = [flow, *([callers_file] if callers_file else [])]
    to_stdout = _to_file(output) is None
    if not to_stdout:
        writable_target(out, inputs)
    if not to_stdout and out.exists() and not force:
        raise click.BadParameter(f"'{output}' exists; add --force to replace it",
                                 param_hint="--output")
    from phonejail.importers.common import to_yaml

    callers = _callers(callers_file) if callers_file else None
    data = read_capped(flow)
    settings = Settings(success_chance, open_chance, info_chance, branch_chances,
                        _config(None, [flow]).identity_words)
    imported, problems, shown = import_any(data, flow, fmt, settings, flow_name)
    if imported is None:
        _flow_to_pick(problems, flow)
    findings = sorted(stamp(shown, problems, Config()))
    if findings:
        result = CheckResult((shown,), tuple(findings))
        click.echo(CHECK_FORMATS["text"](result, color=_colour(sys.stderr), quiet=True),
                   err=True, nl=False)
    if imported is None:
        raise _Refused(f"{flow} cannot be imported")
    text = to_yaml(imported, callers)
    if callers_file:
        _check_callers(callers_file, text)
    if to_stdout:  # a pipe: the tree alone, warnings went to stderr
        click.echo(text, nl=False)
        return EXIT_OK
    atomic_write(out, text, inputs=inputs)
    nodes = len(imported.nodes)
    click.echo(f"Wrote {output}: {nodes} node{'s' * (nodes != 1)} from "
               f"{'a Twilio Studio' if imported.format == 'twilio' else 'an Amazon Connect'} flow"
               f"{_warnings(len(findings))}. Next: phonejail check "
               f"{output}")
    return EXIT_OK


def _to_file(output: str | None) -> str | None:
    """`-o -` is standard output, as Unix tools read it; None for standard output."""
    return None if output == "-" else output


def _warnings(count: int) -> str:
    return "" if not count else f", {count} warning{'s' * (count != 1)}"


def _branch_chances(values: Sequence[str]) -> tuple[tuple[str, float], ...]:
    pairs = []
    for value in values:
        name, _, chance = value.rpartition("=")
        try:
            number = float(chance)
        except ValueError:
            number = -1.0
        if not name.strip() or not 0 <= number <= 1:
            raise click.BadParameter(f"'{value}': expected NAME=P with P from 0 to 1, e.g. "
                                     "QueueAtCapacity=0.2", param_hint="--branch-chance")
        pairs.append((name.strip(), number))
    return tuple(pairs)


def _check_callers(path: str, tree_text: str) -> None:
    """Refuse personas the imported tree would not load with (an unknown intent, a
    patience of 0, ...): a usage error at the persona's place in `path`, before anything
    is written, never a tree that fails its first check."""
    from phonejail.model.load import load_bytes

    wrong = [p for p in load_bytes(tree_text.encode(), path).problems
             if p.message.startswith("callers")]
    if not wrong:
        return
    root, _ = read_yaml(read_capped(path))
    if isinstance(root, YMap):  # `callers: [...]` under a key
        root = next((v for k, v in root.pairs
                     if isinstance(k, YScalar) and k.value == "callers"), root)
    index = re.match(r"callers\[(\d+)\]", wrong[0].message)
    persona = root.items[int(index.group(1))] if index and isinstance(root, YSeq) \
        and int(index.group(1)) < len(root.items) else root
    mark = persona.mark if persona is not None else None
    where = f"{mark.line}:{mark.column}: " if mark is not None else ""
    raise click.BadParameter(f"{path}:{where}{wrong[0].message}", param_hint="--callers")


def _callers(path: str) -> list[dict[str, Any]]:
    """Personas to merge into an imported tree; shape errors are usage errors (exit 2)."""
    raw = read_capped(path)
    root, problems = read_yaml(raw)
    if problems or root is None:
        where = f"{problems[0].line}:{problems[0].column}: {problems[0].message}" if problems \
            else "empty"
        raise click.BadParameter(f"{path}: {where}", param_hint="--callers")
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except yaml.YAMLError as error:  # a key PyYAML cannot hash (`? [a, b]`), say
        mark = getattr(error, "problem_mark", None)
        where = f"{mark.line + 1}:{mark.column + 1}: " if mark else ""
        raise click.BadParameter(f"{path}: {where}{getattr(error, 'problem', None) or error}",
                                 param_hint="--callers") from None
    if isinstance(data, dict) and "callers" in data:
        data = data["callers"]
    if not isinstance(data, list) or not all(isinstance(p, dict) for p in data):
        raise click.BadParameter(f"{path}: expected a list of personas (mappings)",
                                 param_hint="--callers")
    return data


@cli.command()
@click.argument("code", required=False)
def explain(code: str | None) -> int:
    """What a rule finds, why it matters for callers, and how to fix it.

    Without CODE, list every rule.
    """
    if code is None:
        width = max(len(rule.NAME) for rule in RULES.values())
        for rule_code, rule in RULES.items():
            summary = documentation(rule_code).splitlines()[0].split("): ", 1)[-1]
            click.echo(f"{rule_code}  {rule.NAME:<{width}}  {rule.SEVERITY.value:<7}  {summary}")
        return EXIT_OK
    key = code.strip().upper()
    by_name = {rule.NAME: c for c, rule in RULES.items()}
    key = by_name.get(code.strip().lower(), key)
    if key not in RULES:
        # Codes are matched in capitals, names in lower case: `dead-ends` -> dead-end.
        hint = did_you_mean(key, RULES) or did_you_mean(code.strip().lower(), by_name)
        raise click.BadParameter(f"no rule '{code}'{hint}; "
                                 "`phonejail explain` lists them", param_hint="CODE")
    click.echo(documentation(key), nl=False)
    return EXIT_OK


@cli.command()
@click.option("--stdio", is_flag=True, help="Speak over standard input and output (the only "
              "transport; accepted because editors pass it).")
def lsp(stdio: bool) -> int:
    """Run the Language Server: findings as diagnostics while you edit a tree.

    Diagnostics on open, change and save; hover on a rule code shows `phonejail
    explain`; go-to-definition on a target jumps to its node; completion of node
    ids, intents, facts and kinds. Needs the lsp extra: pip install 'phonejail[lsp]'.
    The README shows the VS Code and Neovim set-up.
    """
    try:
        from phonejail.lsp.server import serve
    except ImportError as missing:
        raise click.UsageError(f"`phonejail lsp` needs pygls ({missing}): "
                               "pip install 'phonejail[lsp]'") from None
    serve()
    return EXIT_OK


@cli.command()
def schema() -> int:
    """Print the JSON Schema (draft-07) of the tree format, for editors and validators."""
    click.echo(schema_text(), nl=False)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (never raises for user errors)."""
    try:
        result = cli.main(args=list(argv) if argv is not None else None, prog_name="phonejail",
                          standalone_mode=False)
    except click.exceptions.Exit as done:
        return done.exit_code
    except ConfigError as error:
        click.echo(f"phonejail: configuration error: {error}", err=True)
        return EXIT_USAGE
    except (OutputError, InputError) as error:
        click.echo(f"phonejail: {error}", err=True)
        return EXIT_USAGE
    except click.ClickException as error:
        error.show()
        return EXIT_USAGE if isinstance(error, click.UsageError) else error.exit_code
    except click.Abort:
        click.echo("Aborted.", err=True)
        return 130
    return result if isinstance(result, int) else EXIT_OK
