"""The test-side tool check: a missing tool skips a test locally and fails it in CI."""

from __future__ import annotations

import pytest

from GPT_SoVITS.text.symbols import get_table, register_table, table_names
from tests.external import require_program, restored_symbol_registry, tools_required


def test_missing_tool_skips_with_the_reason_locally(monkeypatch):
    monkeypatch.delenv("GSV_REQUIRE_TOOLS", raising=False)
    monkeypatch.delenv("CI", raising=False)
    assert not tools_required()
    with pytest.raises(pytest.skip.Exception, match="no-such-tool-gsv is not installed \\(apt-get install it\\)"):
        require_program("no-such-tool-gsv", "apt-get install it")


@pytest.mark.parametrize("variable,value", [("GSV_REQUIRE_TOOLS", "1"), ("CI", "true")])
def test_missing_tool_fails_in_ci(monkeypatch, variable, value):
    monkeypatch.delenv("GSV_REQUIRE_TOOLS", raising=False)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv(variable, value)
    with pytest.raises(pytest.fail.Exception, match="no-such-tool-gsv is not installed .*required here"):
        require_program("no-such-tool-gsv", "apt-get install it")


def test_present_tool_gives_its_path():
    assert require_program("sh", "part of every system").endswith("/sh")


def test_registered_tables_are_forgotten_after_the_block():
    before = table_names()
    with restored_symbol_registry():
        register_table("v2+leak", lambda: get_table("v2"))
        assert get_table("v2+leak") is get_table("v2")
    assert table_names() == before and "v2+leak" not in table_names()
