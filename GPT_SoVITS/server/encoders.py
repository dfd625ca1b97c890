"""Audio formats the server answers in, whole or as a stream of chunks.

wav, raw/pcm (16-bit little-endian), ogg (Vorbis), opus (Ogg Opus), mp3 and flac go through
libsndfile (soundfile); aac (ADTS) through the `ffmpeg` program when it is installed. A
streamed wav starts with a header whose sizes are placeholders for "unknown" (`inference.output.
wav_stream_header`, as upstream), then raw PCM; a streamed ogg/opus/mp3 is one continuous
stream, each chunk the pages or frames the encoder has finished. libsndfile's Opus takes only
8-48 kHz rates it knows, so opus is resampled to 48 kHz; OpenAI's `pcm` is 24 kHz by its spec.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import threading
from dataclasses import dataclass
from math import gcd

import numpy as np

from GPT_SoVITS.inference.output import to_pcm16, wav_bytes, wav_stream_header
from GPT_SoVITS.server.requests import RequestError


@dataclass(frozen=True)
class AudioFormat:
    """One answer format: HTTP media type, the encoder behind it, a fixed output rate if any."""

    name: str
    media_type: str
    encoder: str  # "wav", "pcm", "soundfile" or "ffmpeg"
    sf_format: str | None = None
    sf_subtype: str | None = None
    rate: int | None = None  # resample to this rate (None: the model's)
    streams: bool = True


FORMATS = {f.name: f for f in (
    AudioFormat("wav", "audio/wav", "wav"),
    AudioFormat("raw", "audio/raw", "pcm"),
    AudioFormat("ogg", "audio/ogg", "soundfile", "OGG", "VORBIS"),
    AudioFormat("aac", "audio/aac", "ffmpeg"),
    AudioFormat("mp3", "audio/mpeg", "soundfile", "MP3", "MPEG_LAYER_III"),
    AudioFormat("opus", "audio/ogg", "soundfile", "OGG", "OPUS", rate=48000),
    AudioFormat("flac", "audio/flac", "soundfile", "FLAC", "PCM_16", streams=False),
    AudioFormat("pcm", "audio/pcm", "pcm", rate=24000),
)}
API_V2_FORMATS = ("wav", "raw", "ogg", "aac")
OPENAI_FORMATS = ("mp3", "opus", "aac", "flac", "wav", "pcm")


def get_format(name: str, allowed: tuple[str, ...], parameter: str) -> AudioFormat:
    """The format `name`, if `allowed` and its encoder is installed; else a `RequestError` saying which are."""
    key = (name or "").strip().lower()
    if key not in allowed:
        raise RequestError(f"{parameter} {name!r} is not supported; use one of {', '.join(allowed)}")
    audio_format = FORMATS[key]
    if not encoder_available(audio_format):
        usable = [other for other in allowed if encoder_available(FORMATS[other])]
        needs = "the ffmpeg program" if audio_format.encoder == "ffmpeg" else f"libsndfile with {audio_format.sf_subtype}"
        raise RequestError(f"{parameter} {key!r} needs {needs}, which this server does not have; "
                           f"use one of {', '.join(usable)}")
    return audio_format


def encoder_available(audio_format: AudioFormat) -> bool:
    if audio_format.encoder == "ffmpeg":
        return shutil.which("ffmpeg") is not None
    if audio_format.encoder == "soundfile":
        import soundfile as sf

        return audio_format.sf_format in sf.available_formats() and \
            audio_format.sf_subtype in sf.available_subtypes(audio_format.sf_format)
    return True


def resample(audio: np.ndarray, rate: int, target: int | None) -> np.ndarray:
    """`audio` at `target` Hz (polyphase filter; unchanged when no target or the same rate)."""
    if not target or target == rate or not len(audio):
        return audio
    from scipy.signal import resample_poly

    common = gcd(rate, target)
    return resample_poly(audio, target // common, rate // common).astype(np.float32)


def encode(audio_format: AudioFormat, rate: int, audio: np.ndarray) -> bytes:
    """The whole answer for float32 mono `audio` at `rate`."""
    audio = resample(audio, rate, audio_format.rate)
    rate = audio_format.rate or rate
    if audio_format.encoder == "wav":
        return wav_bytes(rate, audio)
    if audio_format.encoder == "pcm":
        return to_pcm16(audio).tobytes()
    if audio_format.encoder == "ffmpeg":
        return _ffmpeg_once(rate, audio)
    import soundfile as sf

    buffer = io.BytesIO()
    sf.write(buffer, audio, rate, format=audio_format.sf_format, subtype=audio_format.sf_subtype)
    return buffer.getvalue()


def stream_encoder(audio_format: AudioFormat, rate: int) -> "StreamEncoder":
    """An encoder that turns successive chunks into successive bytes of one stream."""
    if audio_format.encoder in ("wav", "pcm"):
        return PcmStream(rate, audio_format.rate, header=audio_format.encoder == "wav")
    if audio_format.encoder == "ffmpeg":
        return FfmpegStream(rate)
    if not audio_format.streams:
        raise RequestError(f"{audio_format.name} cannot be streamed (its header needs the total length); "
                           f"ask without streaming, or for ogg, mp3 or wav")
    return SoundFileStream(audio_format, rate)


class StreamEncoder:
    """`feed(chunk) -> bytes` for each chunk, then `finish() -> bytes`; `close()` frees resources."""

    def feed(self, audio: np.ndarray) -> bytes:
        raise NotImplementedError

    def finish(self) -> bytes:
        return b""

    def close(self) -> None:
        """Free the encoder without finishing the stream (the client went away)."""


class PcmStream(StreamEncoder):
    def __init__(self, rate: int, target: int | None, header: bool):
        self.rate, self.target = rate, target
        self._header = wav_stream_header(target or rate) if header else b""

    def feed(self, audio: np.ndarray) -> bytes:
        head, self._header = self._header, b""
        return head + to_pcm16(resample(audio, self.rate, self.target)).tobytes()

    def finish(self) -> bytes:
        return self._header  # no audio at all: the header alone is still a valid (empty) stream


class _AppendSink(io.RawIOBase):
    """A write-only file for libsndfile that hands out what was appended since the last `take()`.

    Ogg Vorbis/Opus only append. The MP3 writer goes back at close to fill in its info frame;
    bytes already sent cannot change, so such rewrites are dropped (players ignore that frame).
    """

    def __init__(self):
        super().__init__()
        self._data = bytearray()
        self._position = 0
        self._sent = 0

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def write(self, data) -> int:
        data = bytes(data)
        end = self._position + len(data)
        if end > self._sent:
            start = max(self._position, self._sent)
            self._data[start - self._sent:end - self._sent] = data[start - self._position:]
        self._position = end
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._sent + len(self._data)}[whence]
        self._position = base + offset
        return self._position

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        out = bytes(self._data)
        self._sent += len(out)
        self._data.clear()
        return out


class SoundFileStream(StreamEncoder):
    def __init__(self, audio_format: AudioFormat, rate: int):
        import soundfile as sf

        self.rate, self.target = rate, audio_format.rate
        self._sink = _AppendSink()
        self._file = sf.SoundFile(self._sink, "w", samplerate=self.target or rate, channels=1,
                                  format=audio_format.sf_format, subtype=audio_format.sf_subtype)

    def feed(self, audio: np.ndarray) -> bytes:
        self._file.write(resample(audio, self.rate, self.target))
        return self._sink.take()

    def finish(self) -> bytes:
        self._file.close()
        return self._sink.take()

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()


def _ffmpeg_command(rate: int) -> list[str]:
    return ["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
            "-c:a", "aac", "-b:a", "128k", "-f", "adts", "pipe:1"]


def _ffmpeg_once(rate: int, audio: np.ndarray) -> bytes:
    done = subprocess.run(_ffmpeg_command(rate), input=to_pcm16(audio).tobytes(), capture_output=True, timeout=300)
    if done.returncode != 0:
        raise RequestError(f"the aac encoder (ffmpeg) failed with exit code {done.returncode}; use wav or ogg")
    return done.stdout


class FfmpegStream(StreamEncoder):
    """ffmpeg reads PCM on stdin and writes ADTS frames to stdout; a thread collects them."""

    def __init__(self, rate: int):
        self._process = subprocess.Popen(_ffmpeg_command(rate), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.DEVNULL)
        self._out = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for block in iter(lambda: self._process.stdout.read1(65536), b""):
            with self._lock:
                self._out += block

    def _take(self) -> bytes:
        with self._lock:
            out = bytes(self._out)
            self._out.clear()
        return out

    def feed(self, audio: np.ndarray) -> bytes:
        self._process.stdin.write(to_pcm16(audio).tobytes())
        self._process.stdin.flush()
        return self._take()

    def finish(self) -> bytes:
        self._process.stdin.close()
        self._process.wait(timeout=60)
        self._reader.join(timeout=10)
        return self._take()

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
