"""`inference.output`: the WAV bytes the server sends, the WAV file the CLI and tools write, the
header of a stream of unknown length."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

from GPT_SoVITS.errors import OutputError
from GPT_SoVITS.inference.output import wav_bytes, wav_stream_header, write_wav


def test_wav_bytes_hold_16_bit_mono_at_the_given_rate():
    audio = np.array([0.0, 0.5, -1.2, 1.0], dtype=np.float32)
    data, rate = sf.read(io.BytesIO(wav_bytes(32000, audio)), dtype="int16")
    info = sf.info(io.BytesIO(wav_bytes(32000, audio)))
    assert rate == 32000 and (info.channels, info.subtype) == (1, "PCM_16")
    assert data.tolist() == [0, 16384, -32767, 32767]  # clipped, not normalised
    ints = np.array([1, -2, 3], dtype=np.int16)
    assert sf.read(io.BytesIO(wav_bytes(16000, ints)), dtype="int16")[0].tolist() == [1, -2, 3]


def test_write_wav_is_atomic_and_reports_a_blocked_folder(tmp_path):
    target = tmp_path / "out" / "a.wav"
    write_wav(target, 32000, np.zeros(100, dtype=np.float32))
    assert sf.info(target).frames == 100 and not list(target.parent.glob(".*.tmp"))
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="file is a file; choose another path"):
        write_wav(tmp_path / "file" / "b.wav", 32000, np.zeros(10, dtype=np.float32))


def test_stream_header_then_raw_chunks_reads_as_a_wav():
    chunks = [np.full(50, 0.25, dtype=np.float32), np.full(30, -0.5, dtype=np.float32)]
    from GPT_SoVITS.inference.output import to_pcm16

    stream = wav_stream_header(32000) + b"".join(to_pcm16(chunk).tobytes() for chunk in chunks)
    assert len(wav_stream_header(32000)) == 44
    data, rate = sf.read(io.BytesIO(stream), dtype="int16")
    assert rate == 32000 and len(data) == 80 and data[0] == 8192 and data[-1] == -16384
