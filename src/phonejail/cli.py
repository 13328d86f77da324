"""The `phonejail` command: a thin layer over the library that parses options and prints.

Exit codes (DESIGN.md section 4): 0 nothing at or above --fail-on; 1 findings at
or above it (a file that does not parse is a finding); 2 usage error, bad
configuration or a path that does not exist.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click

from phonejail import __version__
from phonejail.config import FAIL_ON, Config, ConfigError, load_config
from phonejail.fileio import atomic_write, same_file
from phonejail.lint import MissingPath, check_paths
from phonejail.model.build import did_you_mean
from phonejail.model.schema import schema_text
from phonejail.output import CHECK_FORMATS
from phonejail.rules import RULES, documentation

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _config(config_file: str | None) -> Config:
    return load_config(Path(config_file) if config_file else None)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="phonejail")
def cli() -> None:
    """Find phone jail in IVR phone menus before callers do.

    A phone menu is a YAML graph of nodes (see `phonejail schema`). phonejail
    checks it for traps: dead ends with no way to a human, loops callers cannot
    leave, identity gates, repeated identity questions, no 0 for an operator.
    """


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(list(CHECK_FORMATS)), default="text",
              show_default=True, help="Output format: text for people; json, sarif (code "
              "scanning), github (Actions annotations) or junit (GitLab, Jenkins) for CI.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
              help="Lowest severity that makes the exit code 1.  [default: error]")
@click.option("--select", multiple=True, metavar="CODES",
              help="Only these rules: codes or prefixes (PJ1, PJ202), comma-separated or "
              "repeated. Format rules PJ001-PJ004 always run.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Skip these rules (codes or "
              "prefixes).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="A TOML file with [tool.phonejail] settings. [default: the nearest "
              "pyproject.toml that has them]")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write the report to this file instead of standard output.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, no summary line.")
def check(paths: Sequence[str], fmt: str, fail_on: str | None, select: Sequence[str],
          ignore: Sequence[str], config_file: str | None, output: str | None,
          quiet: bool) -> int:
    """Validate and lint phone-menu trees: files, or folders of *.yaml / *.yml.

    \b
    Examples:
      phonejail check trees/
      phonejail check --select PJ1 --fail-on warning menus/main.yaml
      phonejail check --format sarif -o phonejail.sarif trees/
    """
    config = _config(config_file).with_overrides(select, ignore, fail_on)
    try:
        result = check_paths(paths, config)
    except MissingPath as missing:
        raise click.BadParameter(f"'{missing}' does not exist", param_hint="PATHS") from None
    if not result.files:
        click.echo(f"phonejail: no *.yaml or *.yml files under {', '.join(paths)}", err=True)
    stdout_tty = sys.stdout.isatty() and output is None
    text = CHECK_FORMATS[fmt](result, color=stdout_tty, quiet=quiet, config=config)
    if output:
        if any(same_file(output, f) for f in result.files):
            raise click.BadParameter(f"'{output}' is one of the trees being checked; "
                                     "refusing to overwrite it", param_hint="--output")
        atomic_write(Path(output), text)
    else:
        click.echo(text, nl=False, color=stdout_tty)
    return EXIT_FINDINGS if result.fails(config.fail_on) else EXIT_OK


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
        raise click.BadParameter(f"no rule '{code}'{did_you_mean(key, [*RULES, *by_name])}; "
                                 "`phonejail explain` lists them", param_hint="CODE")
    click.echo(documentation(key), nl=False)
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
    except click.ClickException as error:
        error.show()
        return EXIT_USAGE if isinstance(error, click.UsageError) else error.exit_code
    except click.Abort:
        click.echo("Aborted.", err=True)
        return 130
    return result if isinstance(result, int) else EXIT_OK
