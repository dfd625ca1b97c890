"""Shared fixtures: reference data shipped with the tests and a temporary experiment root."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
DATA_DIR = TESTS_DIR / "data"
MANIFEST_DIR = DATA_DIR / "manifests"
REPO_ROOT = TESTS_DIR.parent


def manifest_path(name: str) -> Path:
    """Path of a shipped manifest, e.g. `manifest_path("s2G_v2")`."""
    return MANIFEST_DIR / f"{name}_manifest.tsv"


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT
