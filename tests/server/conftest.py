"""One tiny project per test session and one server per test module (starting one takes seconds)."""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.server.harness import Project, Server, make_project


@pytest.fixture(scope="session")
def project(tmp_path_factory) -> Project:
    return make_project(tmp_path_factory.mktemp("api_project"))


@pytest.fixture(scope="module")
def server(project, tmp_path_factory) -> Iterator[Server]:
    running = Server(project.config, tmp_path_factory.mktemp("api_log") / "server.log")
    try:
        yield running.wait_ready()
    finally:
        running.stop()
