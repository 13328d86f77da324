"""Configuration files: where they are found, the two shapes of a phonejail TOML file,
per-file-ignores and exclude globs, and bad keys named as the user wrote them."""

from __future__ import annotations

from pathlib import Path

import pytest

from phonejail.config import Config, ConfigError, glob_matches, load_config

TREE = ("phonejail: 1\nname: t\nstart: a\nintents: [x]\nnodes:\n"
        "  a: {kind: say, seconds: 20, next: b}\n  b: {kind: agent}\n")
"""A clean tree but for one PJ206 long prompt (20 seconds) once the limit is 10."""


def _tree(folder: Path, name: str = "t.yaml") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TREE)
    return path


@pytest.mark.parametrize(("files", "chosen"), [
    ({".phonejail.toml": "", "phonejail.toml": "", "pyproject.toml": "[tool.phonejail]"},
     ".phonejail.toml"),
    ({"phonejail.toml": "", "pyproject.toml": "[tool.phonejail]"}, "phonejail.toml"),
    ({"pyproject.toml": "[tool.phonejail]"}, "pyproject.toml"),
    ({"pyproject.toml": "[tool.black]"}, None),
])
def test_discovery_prefers_phonejail_files_over_pyproject(tmp_path, files, chosen) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    config = load_config(search_from=tmp_path)
    assert config.source == (str(tmp_path / chosen) if chosen else None)


def test_the_nearest_folder_wins_even_over_a_preferred_name_further_up(tmp_path) -> None:
    (tmp_path / ".phonejail.toml").write_text("fail-on = 'never'\n")
    (tmp_path / "menus").mkdir()
    (tmp_path / "menus" / "pyproject.toml").write_text("[tool.phonejail]\nfail-on = 'warning'\n")
    assert load_config(search_from=tmp_path / "menus").fail_on == "warning"
    assert load_config(search_from=tmp_path).fail_on == "never"


@pytest.mark.parametrize("text", [
    "ignore = ['PJ2']\nmax-prompt-seconds = 10\n",
    "[tool.phonejail]\nignore = ['PJ2']\nmax-prompt-seconds = 10\n",
])
def test_a_phonejail_toml_is_flat_or_a_tool_table(tmp_path, text) -> None:
    (tmp_path / "phonejail.toml").write_text(text)
    config = load_config(tmp_path / "phonejail.toml")
    assert config.ignore == ("PJ2",) and config.options["max-prompt-seconds"] == 10


@pytest.mark.parametrize(("name", "text", "message"), [
    ("phonejail.toml", "max-menu-option = 3\n",
     "phonejail.toml: unknown key 'max-menu-option' (did you mean 'max-menu-options'?)"),
    ("phonejail.toml", "[tool.phonejail]\nmax-menu-option = 3\n",
     "phonejail.toml: unknown key 'max-menu-option' in [tool.phonejail] (did you mean "
     "'max-menu-options'?)"),
    ("pyproject.toml", "[tool.phonejail]\nexclud = []\n",
     "unknown key 'exclud' in [tool.phonejail] (did you mean 'exclude'?)"),
    ("phonejail.toml", "fail-on = 'never'\n[tool.phonejail]\nignore = []\n",
     "phonejail.toml: 'fail-on' is outside [tool.phonejail]"),
    ("phonejail.toml", "fail-on = 'sometimes'\n",
     "phonejail.toml: fail-on: expected one of error, warning, never"),
    ("phonejail.toml", "exclude = 'legacy'\n", "exclude: expected a list of globs"),
    ("phonejail.toml", "per-file-ignores = ['PJ2']\n",
     "per-file-ignores: expected a table of glob = [codes]"),
    ("phonejail.toml", "[per-file-ignores]\n'legacy/*' = 'PJ2'\n",
     "per-file-ignores \"legacy/*\": expected a list of codes"),
    ("phonejail.toml", "[per-file-ignores]\n'legacy/*' = ['PJ9']\n",
     "per-file-ignores \"legacy/*\": 'PJ9' matches no rule"),
])
def test_a_bad_key_is_named_where_it_was_written(tmp_path, name, text, message) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path / name)
    assert message in str(raised.value)


@pytest.mark.parametrize(("pattern", "path", "matches"), [
    ("legacy/", "legacy/a.yaml", True),
    ("legacy/", "menus/legacy/a.yaml", True),
    ("legacy", "legacy", True),
    ("legacy/", "legacy.yaml", False),
    ("*.yaml", "deep/down/x.yaml", True),
    ("menus/*.yaml", "menus/x.yaml", True),
    ("menus/*.yaml", "menus/sub/x.yaml", False),
    ("menus/**/*.yaml", "menus/x.yaml", True),
    ("menus/**/*.yaml", "menus/sub/deeper/x.yaml", True),
    ("**/draft_*.yaml", "a/b/draft_1.yaml", True),
    ("**/draft_*.yaml", "a/b/final.yaml", False),
    ("./menus/x.yaml", "menus/x.yaml", True),
    ("menu[12].yaml", "menu2.yaml", True),
    ("menu[!12].yaml", "menu2.yaml", False),
    ("menu?.yaml", "menu3.yaml", True),
    ("a.b", "aXb", False),
])
def test_globs(pattern, path, matches) -> None:
    assert glob_matches(pattern, path) is matches


def test_per_file_ignores_turn_rules_off_for_matching_files_only(tmp_path) -> None:
    (tmp_path / "phonejail.toml").write_text(
        "max-prompt-seconds = 10\n[per-file-ignores]\n'imported/*.yaml' = ['PJ2']\n")
    config = load_config(tmp_path / "phonejail.toml")
    assert not config.enabled_in("PJ206", str(tmp_path / "imported" / "a.yaml"))
    assert config.enabled_in("PJ206", str(tmp_path / "menus" / "a.yaml"))
    assert config.enabled_in("PJ101", str(tmp_path / "imported" / "a.yaml"))
    # A tree that does not load cannot be checked: format rules cannot be turned off.
    assert config.enabled_in("PJ002", str(tmp_path / "imported" / "a.yaml"))


def test_config_pickles_for_worker_processes(tmp_path) -> None:
    import pickle

    (tmp_path / "phonejail.toml").write_text(
        "exclude = ['x/']\n[per-file-ignores]\n'a.yaml' = ['PJ2']\n")
    config = load_config(tmp_path / "phonejail.toml")
    assert pickle.loads(pickle.dumps(config)) == config
    assert pickle.loads(pickle.dumps(Config())) == Config()


def test_check_finds_a_phonejail_toml_beside_the_trees(run, tmp_path, monkeypatch) -> None:
    _tree(tmp_path / "menus")
    (tmp_path / "menus" / ".phonejail.toml").write_text("max-prompt-seconds = 10\n")
    monkeypatch.chdir(tmp_path)  # the configuration is beside the trees, not here
    code, out, err = run("check", "-q", "menus")
    assert (code, err) == (0, "")
    assert out == ("menus/t.yaml:6:18: warning PJ206 long-prompt: the prompt of 'a' lasts "
                   "20 seconds, more than 10\n")


def test_check_applies_per_file_ignores_and_exclude(run, tmp_path, monkeypatch) -> None:
    (tmp_path / "phonejail.toml").write_text(
        "max-prompt-seconds = 10\nexclude = ['drafts/']\n"
        "[per-file-ignores]\n'imported/*.yaml' = ['PJ206']\n")
    for folder in ("menus", "imported", "drafts"):
        _tree(tmp_path / folder)
    monkeypatch.chdir(tmp_path)
    code, out, err = run("check", "--no-snippet", ".")
    assert (code, err) == (0, "")
    assert out == ("menus/t.yaml:6:18: warning PJ206 long-prompt: the prompt of 'a' lasts "
                   "20 seconds, more than 10\n"
                   "Found 0 errors and 1 warning in 1 of 2 files.\n")
    # A file named on the command line is checked even if `exclude` matches it.
    code, out, _ = run("check", "-q", "drafts/t.yaml")
    assert code == 0 and out.startswith("drafts/t.yaml:6:18: warning PJ206")


def test_ignoring_a_format_rule_is_noted_and_changes_nothing(run, tmp_path) -> None:
    """A format rule cannot be ignored: the finding stays, and stderr says why, once."""
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "phonejail.toml").write_text("[per-file-ignores]\n'*.yaml' = ['PJ001']\n")
    broken = tmp_path / "a" / "t.yaml"
    broken.write_text("phonejail: 1\nstart: [\n")
    code, out, err = run("check", "-q", "--ignore", "PJ001,PJ2", broken)
    assert code == 1 and ": error PJ001 syntax:" in out
    assert err == ("phonejail: note: ignoring PJ001 has no effect: the format rules (PJ001, "
                   "PJ002, PJ003, PJ004, PJ005) always run (a tree that does not load cannot "
                   "be checked)\n")
    # A prefix that also matches rules that can be ignored is not noted.
    code, _, err = run("check", "-q", "--ignore", "PJ0", _tree(tmp_path / "b"))
    assert (code, err) == (0, "")


def test_an_explicit_config_file_is_used_whatever_its_name(run, tmp_path) -> None:
    tree = _tree(tmp_path)
    config = tmp_path / "ci-settings.toml"
    config.write_text("[tool.phonejail]\nmax-prompt-seconds = 10\nfail-on = 'warning'\n")
    code, out, err = run("check", "-q", "--config", config, tree)
    assert (code, err) == (1, "")
    assert out == (f"{tree}:6:18: warning PJ206 long-prompt: the prompt of 'a' lasts 20 "
                   "seconds, more than 10\n")
    config.write_text("fail-on = 'often'\n")
    code, out, err = run("check", "-q", "--config", config, tree)
    assert (code, out) == (2, "")
    assert err == (f"phonejail: configuration error: {config}: fail-on: expected one of "
                   "error, warning, never\n")


def test_the_findings_that_say_callers_went_unjudged_run_with_the_rules_they_speak_for(
        tmp_path) -> None:
    """`--select PJ1` once passed a tree whose callers the exact analysis could not follow
    (PJ009 is PJ0xx): PJ008 and PJ009 now run whenever an error they speak for runs."""
    selected = Config(select=("PJ1",))
    assert selected.enabled("PJ009") and selected.enabled("PJ008")
    assert Config(select=("PJ105",)).enabled("PJ009")
    assert Config(select=("PJ102",)).enabled("PJ008") and \
        not Config(select=("PJ102",)).enabled("PJ009")
    assert not Config(select=("PJ2",)).enabled("PJ009")  # warnings only: nothing to speak for
    assert not Config(select=("PJ1",), ignore=("PJ009",)).enabled("PJ009")  # by its code
    assert Config(select=("PJ1",), ignore=("PJ0",)).enabled("PJ009")  # a prefix is not its code
    assert not Config(select=("PJ1",), ignore=("PJ0",)).enabled("PJ006")
    (tmp_path / "phonejail.toml").write_text(
        "select = ['PJ1']\n[per-file-ignores]\n'a/*.yaml' = ['PJ0']\n'b/*.yaml' = ['PJ009']\n"
        "'c/*.yaml' = ['PJ1']\n")
    config = load_config(tmp_path / "phonejail.toml")
    assert config.enabled_in("PJ009", str(tmp_path / "a" / "t.yaml"))
    assert not config.enabled_in("PJ009", str(tmp_path / "b" / "t.yaml"))
    assert not config.enabled_in("PJ009", str(tmp_path / "c" / "t.yaml"))
    assert config.enabled_in("PJ009", str(tmp_path / "d" / "t.yaml"))


def test_check_selecting_the_trap_rules_fails_a_tree_it_could_not_follow(run) -> None:
    refused = Path(__file__).parent / "rules" / "bad" / "pj009_exact_refused.yaml"
    code, out, _ = run("check", "-q", "--select", "PJ1", refused)
    assert code == 1 and ": error PJ009 exact-refused:" in out
    code, out, _ = run("check", "-q", "--select", "PJ1", "--ignore", "PJ009", refused)
    assert (code, out) == (0, "")
