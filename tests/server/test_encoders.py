"""Answer formats: whole files decode to the audio, streams are valid when reassembled."""

from __future__ import annotations

import io
import struct
import subprocess

import numpy as np
import pytest
import soundfile as sf

from GPT_SoVITS.inference.output import wav_stream_header
from GPT_SoVITS.server.encoders import (API_V2_FORMATS, FORMATS, OPENAI_FORMATS, encode, get_format,
                                        stream_encoder)
from GPT_SoVITS.server.requests import RequestError
from tests.external import require_program

RATE = 32000


def require_ffmpeg() -> str:
    return require_program("ffmpeg", "apt-get install -y ffmpeg")


def tone(seconds: float, seed: int = 0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.3 * np.sin(2 * np.pi * (220 + 50 * seed) * t)).astype(np.float32)


def chunks(count: int = 4) -> list[np.ndarray]:
    return [tone(0.5, seed) for seed in range(count)]


def streamed(name: str, parts: list[np.ndarray]) -> list[bytes]:
    encoder = stream_encoder(FORMATS[name], RATE)
    out = [encoder.feed(part) for part in parts]
    out.append(encoder.finish())
    encoder.close()
    return out


def test_streamed_wav_header_marks_sizes_unknown_then_raw_pcm():
    parts = chunks()
    out = streamed("wav", parts)
    header = out[0][:44]
    assert header[:4] == b"RIFF" and header[8:16] == b"WAVEfmt " and header[36:40] == b"data"
    assert header == wav_stream_header(RATE) and struct.unpack("<I", header[40:44])[0] >= 0xFFFFFF00  # "unknown"
    assert struct.unpack("<I", header[24:28])[0] == RATE
    assert all(not part.startswith(b"RIFF") for part in out[1:])  # later chunks: raw PCM only
    pcm = np.frombuffer(b"".join(out)[44:], dtype="<i2")
    expected = np.concatenate([np.round(np.clip(p, -1, 1) * 32767).astype(np.int16) for p in parts])
    np.testing.assert_array_equal(pcm, expected)


def ffmpeg_decode(data: bytes) -> np.ndarray:
    done = subprocess.run([require_ffmpeg(), "-v", "error", "-i", "pipe:0", "-f", "s16le", "pipe:1"], input=data,
                          capture_output=True, check=True)
    return np.frombuffer(done.stdout, dtype="<i2")


@pytest.mark.parametrize("name, rate", [("ogg", RATE), ("opus", 48000), ("mp3", RATE)])
def test_streamed_compressed_formats_are_one_valid_stream(name, rate):
    parts = chunks()
    out = streamed(name, parts)
    data = b"".join(out)
    if name in ("ogg", "opus"):
        assert data[:4] == b"OggS" and data.count(b"OggS") >= 2  # Ogg pages, one logical stream
        assert data.count(b"OpusHead" if name == "opus" else b"\x01vorbis") == 1
    if name == "mp3":  # libsndfile's reader stops early on a stream whose info frame is a placeholder
        audio, read_rate = ffmpeg_decode(data), rate
    else:
        audio, read_rate = sf.read(io.BytesIO(data))
    assert read_rate == rate
    expected = sum(len(p) for p in parts) * rate // RATE
    assert abs(len(audio) - expected) < 0.05 * expected


@pytest.mark.parametrize("name", ["wav", "ogg", "mp3", "flac", "opus"])
def test_whole_files_decode_to_the_audio_length(name):
    audio = tone(1.0)
    data = encode(FORMATS[name], RATE, audio)
    decoded, rate = sf.read(io.BytesIO(data))
    assert abs(len(decoded) / rate - 1.0) < 0.06


def test_raw_and_openai_pcm():
    audio = tone(1.0)
    assert encode(FORMATS["raw"], RATE, audio) == np.round(audio * 32767).astype("<i2").tobytes()
    assert len(encode(FORMATS["pcm"], RATE, audio)) == 2 * 24000  # OpenAI's pcm: 24 kHz by its spec


def test_aac_whole_and_streamed_are_adts():
    require_ffmpeg()
    whole = encode(FORMATS["aac"], RATE, tone(1.0))
    assert whole[:2] in (b"\xff\xf1", b"\xff\xf9")  # ADTS sync word
    data = b"".join(streamed("aac", chunks()))
    assert data[:2] in (b"\xff\xf1", b"\xff\xf9") and len(data) > 1000


def test_format_errors_name_the_choices(monkeypatch):
    with pytest.raises(RequestError, match=r"media_type 'mp4' is not supported; use one of wav, raw, ogg, aac"):
        get_format("mp4", API_V2_FORMATS, "media_type")
    with pytest.raises(RequestError, match="response_format 'ogg' is not supported"):
        get_format("ogg", OPENAI_FORMATS, "response_format")
    assert get_format("WAV", API_V2_FORMATS, "media_type").name == "wav"
    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(RequestError, match=r"media_type 'aac' needs the ffmpeg program, which this server does not "
                                           r"have; use one of wav, raw, ogg"):
        get_format("aac", API_V2_FORMATS, "media_type")


def test_flac_cannot_be_streamed():
    with pytest.raises(RequestError, match="flac cannot be streamed"):
        stream_encoder(FORMATS["flac"], RATE)
