"""Fixtures for the SoVITS model tests: the full-size generator is built once per session."""

from __future__ import annotations

import pytest

from GPT_SoVITS.module.config import S2Config
from GPT_SoVITS.module.models import build_generator
from tests.conftest import REPO_ROOT
from tests.module.tiny import tiny_s2_config


@pytest.fixture(scope="session")
def s2_config() -> S2Config:
    return S2Config.from_file(REPO_ROOT / "configs" / "s2.json")


@pytest.fixture(scope="session")
def full_generator(s2_config):
    """The real-size v2 generator (~53M parameters) on the v2 table, in eval mode."""
    return build_generator(s2_config, "v2").eval()


@pytest.fixture
def tiny_generator():
    import torch

    torch.manual_seed(0)
    return build_generator(tiny_s2_config(), "v2")
