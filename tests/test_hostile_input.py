"""Importer inputs the hostile sweep found crashing: each is a clear answer now."""

from __future__ import annotations

import pytest

from tests.importers.test_importers import FIXTURES


@pytest.mark.parametrize("callers", ["? [a, b]\n: 1\n", "- {name: p, intent: x}\n- ? [1]\n  : 2\n"])
def test_a_callers_file_with_a_complex_key_is_a_usage_error(run, tmp_path, callers: str) -> None:
    path = tmp_path / "callers.yaml"
    path.write_text(callers)
    code, out, err = run("import", FIXTURES / "twilio_ivr.json", "-o", tmp_path / "t.yaml",
                         "--callers", path)
    assert code == 2 and out == "" and "unhashable key" in err and "Traceback" not in err
    assert not (tmp_path / "t.yaml").exists()


def test_a_lone_surrogate_in_an_export_is_a_located_syntax_error(run, tmp_path) -> None:
    flow = (FIXTURES / "twilio_ivr.json").read_text().replace('"name": "', '"name": "\\ud800', 1)
    path = tmp_path / "flow.json"
    path.write_text(flow)
    code, out, _ = run("check", path)
    assert code == 1 and "PJ001 syntax: JSON: a lone surrogate escape" in out
    paired = tmp_path / "paired.json"  # a pair of escapes is one character: read as written
    paired.write_text(flow.replace("\\ud800", "\\ud83d\\ude00"))
    code, out, _ = run("check", paired)
    assert "lone surrogate" not in out and "PJ001" not in out
