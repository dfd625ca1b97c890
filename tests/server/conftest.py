"""One tiny project and one server per test session (a server start loads the models and warms the
Russian frontend: seconds); modules that need other settings start their own."""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.server.harness import Project, Server, make_project


@pytest.fixture(scope="session")
def project(tmp_path_factory) -> Project:
    return make_project(tmp_path_factory.mktemp("api_project"))


@pytest.fixture(scope="session")
def server(project, tmp_path_factory) -> Iterator[Server]:
    running = Server(project.config, tmp_path_factory.mktemp("api_log") / "server.log")
    try:
        yield running.wait_ready()
    finally:
        running.stop()
