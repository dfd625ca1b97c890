"""Fixtures of the tools tests: the tiny converted Whisper model, built once per session."""

from __future__ import annotations

import pytest

from tests.tools.tiny_whisper import build_tiny_whisper


@pytest.fixture(scope="session")
def tiny_whisper(tmp_path_factory):
    return build_tiny_whisper(tmp_path_factory.mktemp("whisper"))
