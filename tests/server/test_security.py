"""An API key (GSV_API_KEY or server.api_key) guards every endpoint; clients with it get through."""

from __future__ import annotations

import httpx
import openai
import pytest

from tests.server.harness import TEXT, Server

pytestmark = pytest.mark.slow

KEY = "test-key-9f3a"


@pytest.fixture(scope="module")
def keyed_server(project, tmp_path_factory):
    running = Server(project.config, tmp_path_factory.mktemp("key_log") / "server.log", env={"GSV_API_KEY": KEY})
    try:
        yield running.wait_ready()
    finally:
        running.stop()


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": KEY}],
                         ids=["none", "wrong key", "no Bearer"])
@pytest.mark.parametrize("method, route", [("GET", "/tts"), ("POST", "/tts"), ("GET", "/v1/models"),
                                           ("POST", "/v1/audio/speech"), ("GET", "/set_gpt_weights"),
                                           ("GET", "/control"), ("GET", "/docs")])
def test_every_endpoint_needs_the_key(keyed_server, headers, method, route):
    response = httpx.request(method, f"{keyed_server.url}{route}", headers=headers, timeout=30,
                             params={"command": "exit"} if route == "/control" else None)
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer" in response.json()["message"]


def test_the_right_key_works_for_both_kinds_of_client(keyed_server):
    answer = httpx.post(f"{keyed_server.url}/tts", json={"voice": "anna", "text": TEXT},
                        headers={"Authorization": f"Bearer {KEY}"}, timeout=120)
    assert answer.status_code == 200 and answer.content[:4] == b"RIFF"
    client = openai.OpenAI(base_url=f"{keyed_server.url}/v1", api_key=KEY, max_retries=0, timeout=120)
    assert client.audio.speech.create(model="tts-1", voice="anna", input=TEXT, response_format="wav").content == \
        answer.content
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{keyed_server.url}/v1", api_key="wrong", max_retries=0).models.list()
    assert keyed_server.process.poll() is None  # still serving
