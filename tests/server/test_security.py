"""An API key (GSV_API_KEY or server.api_key) guards every endpoint; clients with it get through.
The same server then serves older api_v2's /set_refer_audio and /control restart and exit."""

from __future__ import annotations

import time

import httpx
import openai
import pytest

from tests.server.harness import REF_TEXT, TEXT, Server

pytestmark = pytest.mark.slow

KEY = "test-key-9f3a"
AUTH = {"Authorization": f"Bearer {KEY}"}


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


def tts(server, **values) -> httpx.Response:
    return httpx.post(f"{server.url}/tts", json=values, headers=AUTH, timeout=120)


def test_set_refer_audio_then_control_restart_then_exit(keyed_server, project):
    """Older api_v2's default reference holds until a restart, which re-executes the same command
    (the key still applies); exit ends the process. Runs last: it stops this module's server."""
    server = keyed_server
    without_reference = {"text": TEXT, "text_lang": "ru", "prompt_text": REF_TEXT, "prompt_lang": "ru", "top_k": 1,
                         "seed": 0}
    try:
        assert tts(server, **without_reference).json()["message"] == "ref_audio_path is required"
        relative = httpx.get(f"{server.url}/set_refer_audio", params={"refer_audio_path": "references/ref.wav"},
                             headers=AUTH, timeout=30)
        assert relative.status_code == 400  # relative to the server's root (the repository), not references/
        answer = httpx.get(f"{server.url}/set_refer_audio", params={"refer_audio_path": str(project.reference)},
                           headers=AUTH, timeout=30)
        assert answer.json() == {"message": "success"}
        assert tts(server, **without_reference).content == \
            tts(server, **without_reference, ref_audio_path=str(project.reference)).content
        answer = httpx.get(f"{server.url}/control", params={"command": "restart"}, headers=AUTH,
                           timeout=30)
        assert answer.json() == {"message": "restarting"}
        deadline = time.monotonic() + 60
        while "restarting:" not in server.log_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "restarting:" in server.log_text()
        server.wait_ready(AUTH)  # the same process (re-executed) answers again, with the config's state
        assert tts(server, voice="anna", text=TEXT).status_code == 200
        assert tts(server, **without_reference).status_code == 400
        assert httpx.post(f"{server.url}/control", json={"command": "exit"}, headers=AUTH,
                          timeout=30).status_code == 200
        assert server.process.wait(timeout=60) == 0
    finally:
        server.stop()
