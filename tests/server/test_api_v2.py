"""Upstream api_v2 clients against the real server (a subprocess on a free loopback port, tiny models).

GET and POST /tts, SillyTavern's body, streaming reassembly, the weights endpoints, and every
bad input a client can send, after which the server still answers.
"""

from __future__ import annotations

import io
import re
import struct
import subprocess
import sys

import httpx
import numpy as np
import pytest
import soundfile as sf

from tests.conftest import REPO_ROOT
from tests.server.harness import REF_TEXT, TEXT
from tests.server.test_encoders import require_ffmpeg

pytestmark = pytest.mark.slow


def body(project, **extra) -> dict:
    return {"text": TEXT, "text_lang": "ru", "ref_audio_path": str(project.reference), "prompt_text": REF_TEXT,
            "prompt_lang": "ru", "top_k": 1, "seed": 0, **extra}


def post(server, json, **kwargs) -> httpx.Response:
    return httpx.post(f"{server.url}/tts", json=json, timeout=120, **kwargs)


def pcm_of(wav: bytes) -> np.ndarray:
    audio, rate = sf.read(io.BytesIO(wav), dtype="int16")
    assert rate == 32000
    return audio


def read_stream(server, json) -> tuple[httpx.Response, list[bytes]]:
    with httpx.stream("POST", f"{server.url}/tts", json=json, timeout=120) as response:
        return response, [chunk for chunk in response.iter_raw()]


def test_post_tts_answers_a_wav(server, project):
    response = post(server, body(project))
    assert response.status_code == 200, response.content[:300]
    assert response.headers["content-type"] == "audio/wav"
    audio = pcm_of(response.content)
    assert 0.5 < len(audio) / 32000 < 10


def test_get_with_a_query_string_equals_post(server, project):
    values = body(project, text_split_method="cut5", batch_size=1, media_type="wav")
    got = httpx.get(f"{server.url}/tts", params=values, timeout=120)
    assert got.status_code == 200, got.content[:300]
    assert got.content == post(server, values).content  # greedy: the same bytes


def test_greedy_request_equals_the_cli(server, project, tmp_path):
    """The same inputs through `python -m GPT_SoVITS.synthesize` give the same bytes."""
    gpt, sovits = project.pairs[0]
    out = tmp_path / "cli.wav"
    subprocess.run([sys.executable, "-m", "GPT_SoVITS.synthesize", "--gpt", str(gpt), "--sovits", str(sovits),
                    "--hubert", str(project.hubert), "--ref", str(project.reference), "--ref-text", REF_TEXT,
                    "--text", TEXT, "--top-k", "1", "--seed", "0", "--split", "cut5", "--batch-size", "1",
                    "--device", "cpu", "-o", str(out)], cwd=REPO_ROOT, check=True, capture_output=True, timeout=300)
    assert post(server, body(project)).content == out.read_bytes()


def test_sillytavern_body_streams_ogg(server, project):
    sillytavern = {"text": TEXT, "text_lang": "ru", "ref_audio_path": str(project.reference), "prompt_text": REF_TEXT,
                   "prompt_lang": "ru", "text_split_method": "cut5", "batch_size": 1, "media_type": "ogg",
                   "streaming_mode": "true"}
    response, chunks = read_stream(server, sillytavern)
    assert response.status_code == 200 and response.headers["content-type"] == "audio/ogg"
    assert response.headers.get("transfer-encoding") == "chunked"
    data = b"".join(chunks)
    assert data.startswith(b"OggS")
    audio, rate = sf.read(io.BytesIO(data))
    assert rate == 32000 and len(audio) > 16000


def test_streamed_wav_mode_1_reassembles_to_the_whole_answer(server, project):
    whole = post(server, body(project)).content
    response, chunks = read_stream(server, body(project, streaming_mode=1))
    assert response.status_code == 200
    stream = b"".join(chunks)
    assert stream[:4] == b"RIFF" and struct.unpack("<I", stream[40:44])[0] > 0xFFFF0000  # sizes unknown
    data = stream[44:]
    fixed = stream[:4] + struct.pack("<I", 36 + len(data)) + stream[8:40] + struct.pack("<I", len(data)) + data
    assert fixed == whole  # a valid wav, byte for byte the non-streamed one


@pytest.mark.parametrize("mode", [2, 3])
def test_streamed_wav_modes_2_and_3(server, project, mode):
    whole = pcm_of(post(server, body(project)).content)
    response, chunks = read_stream(server, body(project, streaming_mode=mode, min_chunk_length=8))
    assert response.status_code == 200
    stream = np.frombuffer(b"".join(chunks)[44:], dtype="<i2")
    assert abs(len(stream) - len(whole)) < 0.1 * len(whole)


def test_raw_and_aac(server, project):
    raw = post(server, body(project, media_type="raw"))
    assert raw.headers["content-type"] == "audio/raw"
    assert np.array_equal(np.frombuffer(raw.content, dtype="<i2"), pcm_of(post(server, body(project)).content))
    require_ffmpeg()
    aac = post(server, body(project, media_type="aac"))
    assert aac.status_code == 200 and aac.content[:2] in (b"\xff\xf1", b"\xff\xf9")


def test_weights_endpoints_change_the_default_pair_only(server, project):
    """set_*_weights: the pair for requests that name none; named weights and voices are unaffected."""
    (gpt0, sovits0), (gpt1, sovits1) = project.pairs
    first = post(server, body(project)).content
    second = post(server, body(project, t2s_weights_path=str(gpt1), vits_weights_path=str(sovits1))).content
    assert first != second
    boris = post(server, {"voice": "boris", "text": TEXT}).content  # a voice with its own weights
    assert post(server, {"voice": "anna", "text": TEXT}).content == first  # anna names none: the default pair
    try:
        for route, path in (("set_gpt_weights", gpt1), ("set_sovits_weights", sovits1)):
            answer = httpx.get(f"{server.url}/{route}", params={"weights_path": str(path)}, timeout=60)
            assert answer.status_code == 200 and answer.json() == {"message": "success"}
        assert post(server, body(project)).content == second
        assert post(server, {"voice": "anna", "text": TEXT}).content == second
        assert post(server, {"voice": "boris", "text": TEXT}).content == boris
    finally:
        for route, path in (("set_gpt_weights", gpt0), ("set_sovits_weights", sovits0)):
            httpx.get(f"{server.url}/{route}", params={"weights_path": str(path)}, timeout=60)
    assert post(server, body(project)).content == first


def refused(path: str) -> str:
    return rf"ref_audio_path '{path}' is refused: only files inside the server's allowed folders \("


BAD_INPUTS = [
    ("missing text", {"text": None}, 400, r"^text is required$"),
    ("missing text_lang", {"text_lang": None}, 400, r"^text_lang is required$"),
    ("missing ref_audio_path", {"ref_audio_path": None}, 400, r"^ref_audio_path is required$"),
    ("unknown language", {"text_lang": "zh"}, 400, r"unsupported language 'zh'.*supported: (.*, )?ru"),
    ("unknown prompt language", {"prompt_lang": "klingon"}, 400, r"unsupported language 'klingon'"),
    ("path traversal", {"ref_audio_path": "{root}/references/../outside/private.wav"}, 400, "refused"),
    ("symlink out", {"ref_audio_path": "{root}/references/link.wav"}, 400, "refused"),
    ("/etc/passwd", {"ref_audio_path": "/etc/passwd"}, 400, refused("/etc/passwd")),
    ("missing file outside", {"ref_audio_path": "/etc/no-such-file"}, 400, refused("/etc/no-such-file")),
    ("aux outside", {"aux_ref_audio_paths": ["/etc/passwd"]}, 400, r"aux_ref_audio_paths '/etc/passwd' is refused"),
    ("too many aux", {"aux_ref_audio_paths": ["{root}/references/aux.wav"] * 9}, 400, r"at most 8"),
    ("empty text", {"text": ""}, 400, r"text is empty"),
    ("long text", {"text": "а" * 100_000}, 413, r"text is 100000 characters long; this server takes up to 2000"),
    ("non-audio reference", {"ref_audio_path": "{root}/references/notes.wav"}, 400, r"cannot decode audio"),
    ("unsupported media type", {"media_type": "mp4"}, 400, r"media_type 'mp4' is not supported"),
    ("bad streaming_mode", {"streaming_mode": "sometimes"}, 400, r"streaming_mode: expected true/false or 0-3"),
    ("bad top_k", {"top_k": 0}, 400, r"top_k"),
    ("unknown split method", {"text_split_method": "cut9"}, 400, r"cut9"),
    ("unknown voice", {"voice": "nobody"}, 400, r"voice 'nobody' is not configured; voices: anna, boris"),
    ("weights outside", {"t2s_weights_path": "/etc/passwd"}, 400, r"t2s_weights_path '/etc/passwd' is refused"),
]


@pytest.mark.parametrize("name, change, status, message", BAD_INPUTS, ids=[case[0] for case in BAD_INPUTS])
def test_bad_inputs_are_clear_errors(server, project, name, change, status, message):
    values = body(project)
    for key, value in change.items():
        if value is None:
            del values[key]
        else:
            values[key] = [v.format(root=project.root) for v in value] if isinstance(value, list) else \
                value.format(root=project.root) if isinstance(value, str) and "{root}" in value else value
    response = post(server, values)
    assert response.status_code == status, response.content[:300]
    answer = response.json()
    assert set(answer) == {"message", "Exception"}
    assert re.search(message, answer["message"]), answer["message"]
    assert "Traceback" not in response.text and "secret-content" not in response.text
    assert "private" not in answer["message"] or "refused" in answer["message"]


def test_refusals_do_not_say_whether_the_file_exists(server, project):
    existing = post(server, body(project, ref_audio_path=str(project.outside))).json()["message"]
    missing = post(server, body(project, ref_audio_path=str(project.outside.with_name("none.wav")))).json()["message"]
    assert existing.replace("private.wav", "X") == missing.replace("none.wav", "X")


def test_malformed_bodies(server):
    for content in (b"{not json", b"[1, 2]"):
        response = httpx.post(f"{server.url}/tts", content=content, headers={"content-type": "application/json"},
                              timeout=30)
        assert response.status_code == 400 and set(response.json()) == {"message", "Exception"}
    big = httpx.post(f"{server.url}/tts", content=b"x" * (2 << 20), timeout=30)
    assert big.status_code == 413 and "max_body_bytes" in big.json()["message"]


def test_weights_endpoint_errors(server, project):
    gpt, sovits = project.pairs[0]
    cases = [("set_gpt_weights", {}, "weights_path is required"),
             ("set_gpt_weights", {"weights_path": "/etc/passwd"}, "is refused"),
             ("set_sovits_weights", {"weights_path": str(gpt)}, "is an s1 checkpoint, not SoVITS (s2G) .pth weights"),
             ("set_gpt_weights", {"weights_path": str(project.reference)}, "weights_path")]
    for route, params, message in cases:
        response = httpx.get(f"{server.url}/{route}", params=params, timeout=30)
        assert response.status_code == 400 and message in response.json()["message"], response.content[:300]
    assert httpx.get(f"{server.url}/control", params={"command": "reboot"}, timeout=30).status_code == 400


def test_server_still_answers_after_the_bad_inputs(server, project):
    assert post(server, body(project)).status_code == 200
    log = server.log_text()
    assert "first byte after" in log and "Traceback" not in log
    assert "malloc arenas capped at 2" in log
