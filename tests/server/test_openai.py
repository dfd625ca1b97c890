"""The official `openai` Python package against `/v1/audio/speech` and `/v1/models`."""

from __future__ import annotations

import io
import subprocess

import httpx
import openai
import pytest
import soundfile as sf

from tests.server.harness import TEXT
from tests.server.test_encoders import require_ffmpeg

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(server):
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key="not-needed-on-loopback", max_retries=0, timeout=120)


def tts_wav(server, voice: str, **extra) -> bytes:
    response = httpx.post(f"{server.url}/tts", json={"voice": voice, "text": TEXT, **extra}, timeout=120)
    assert response.status_code == 200, response.text
    return response.content


def test_speech_wav_equals_the_same_voice_over_tts(server, client):
    response = client.audio.speech.create(model="tts-1", voice="anna", input=TEXT, response_format="wav")
    assert response.content == tts_wav(server, "anna")  # the voice's presets (greedy, seed 0) apply to both


def test_speech_speed_and_other_voice(server, client):
    normal = client.audio.speech.create(model="gpt-sovits", voice="boris", input=TEXT, response_format="wav")
    assert normal.content == tts_wav(server, "boris") != tts_wav(server, "anna")
    fast = client.audio.speech.create(model="gpt-sovits", voice="boris", input=TEXT, response_format="wav", speed=1.5)
    assert len(fast.content) < 0.8 * len(normal.content)


def test_speech_streams_mp3_and_pcm(server, client):
    with client.audio.speech.with_streaming_response.create(model="tts-1", voice="anna", input=TEXT) as response:
        assert response.headers["content-type"] == "audio/mpeg"
        mp3 = b"".join(response.iter_bytes())
    pcm16 = subprocess.run([require_ffmpeg(), "-v", "error", "-i", "pipe:0", "-f", "s16le", "pipe:1"], input=mp3,
                           capture_output=True, check=True).stdout
    whole, _ = sf.read(io.BytesIO(tts_wav(server, "anna")), dtype="int16")
    assert abs(len(pcm16) // 2 - len(whole)) < 0.1 * len(whole)
    pcm = client.audio.speech.create(model="tts-1", voice="anna", input=TEXT, response_format="pcm").content
    assert abs(len(pcm) // 2 - len(whole) * 24000 // 32000) < 200  # OpenAI's pcm: 24 kHz


@pytest.mark.parametrize("response_format", ["opus", "flac", "aac"])
def test_speech_formats(client, response_format):
    if response_format == "aac":
        require_ffmpeg()
    data = client.audio.speech.create(model="tts-1", voice="anna", input=TEXT, response_format=response_format).content
    if response_format == "aac":
        assert data[:2] in (b"\xff\xf1", b"\xff\xf9")
    else:
        audio, rate = sf.read(io.BytesIO(data))
        assert rate == (48000 if response_format == "opus" else 32000) and len(audio) > rate // 2


def test_models_list(client):
    assert {"gpt-sovits", "tts-1", "tts-1-hd"} <= {model.id for model in client.models.list()}


@pytest.mark.parametrize("kwargs, message", [
    (dict(voice="alloy"), "voice 'alloy' is not configured; voices: anna, boris"),
    (dict(voice="anna", input=""), "input is empty"),
    (dict(voice="anna", response_format="ogg"), "response_format 'ogg' is not supported"),
    (dict(voice="anna", speed=9.0), "speed"),
])
def test_speech_errors_reach_the_client(client, kwargs, message):
    values = {"model": "tts-1", "input": TEXT, **kwargs}
    with pytest.raises(openai.BadRequestError) as caught:
        client.audio.speech.create(**values)
    assert message in str(caught.value)
    assert caught.value.body["message"] in caught.value.message  # OpenAI's error object: what its clients show
