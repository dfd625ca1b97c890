"""Command line synthesis: `python -m GPT_SoVITS.synthesize --gpt G.ckpt --sovits S.pth --ref ref.wav
--ref-text "..." --text "..." -o out.wav`.

Arguments -> `SynthesisParams` -> `TTS.from_files(...).synthesize(...)` -> a 32 kHz 16-bit WAV
written atomically. Errors of this project print one `error: ...` line and exit with code 1.
"""

from __future__ import annotations

import argparse
import io
import logging
import sys
from pathlib import Path
from typing import Sequence

import numpy as np

from GPT_SoVITS.errors import DataError, GptSovitsError

logger = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    from GPT_SoVITS.pretrained import PRETRAINED

    parser = argparse.ArgumentParser(prog="python -m GPT_SoVITS.synthesize", description=__doc__.splitlines()[0])
    parser.add_argument("--gpt", required=True, help="GPT weights (.ckpt), e.g. GPT_weights_v2/NAME-e15.ckpt")
    parser.add_argument("--sovits", required=True, help="SoVITS weights (.pth), e.g. SoVITS_weights_v2/NAME_e8_s200.pth; "
                        "v2Pro/v2ProPlus files are recognised by their content")
    parser.add_argument("--ref", required=True, help="reference audio, 3-10 s of the target voice")
    parser.add_argument("--ref-text", required=True, help="exactly what is said in the reference audio")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--text", help="text to synthesise (stress: '+' before a vowel or U+0301 after it)")
    source.add_argument("--text-file", help="UTF-8 file with the text to synthesise")
    parser.add_argument("-o", "--output", required=True, help="output WAV (32 kHz, 16-bit mono)")
    parser.add_argument("--lang", default="ru", help="language of the text (default ru)")
    parser.add_argument("--ref-lang", default="ru", help="language of the reference text (default ru)")
    parser.add_argument("--hubert", default=str(PRETRAINED["cnhubert"].path),
                        help="local chinese-hubert-base folder (default %(default)s)")
    parser.add_argument("--sv", default=None,
                        help=f"speaker encoder for v2Pro/v2ProPlus SoVITS weights (default {PRETRAINED['sv'].path})")
    parser.add_argument("--seed", type=int, default=None, help="random seed; the same seed gives the same audio")
    parser.add_argument("--top-k", type=int, default=15)
    parser.add_argument("--top-p", type=float, default=1.0)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--repetition-penalty", type=float, default=1.35)
    parser.add_argument("--speed", type=float, default=1.0, help="speaking rate (1 = as trained, 1.2 = faster)")
    parser.add_argument("--noise-scale", type=float, default=0.5, help="SoVITS prior noise (variation)")
    parser.add_argument("--pause", type=float, default=0.3, help="seconds of silence between sentences")
    parser.add_argument("--max-new-tokens", type=int, default=None, help="cap on GPT tokens per piece (25 per second)")
    parser.add_argument("--device", default=None, help="cpu, cuda or cuda:N (default: cuda when available)")
    parser.add_argument("--half", action="store_true", help="fp16 on CUDA (ignored on CPU)")
    return parser


def _read_text(args: argparse.Namespace) -> str:
    if args.text is not None:
        return args.text
    path = Path(args.text_file)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"{path}: text file not found") from None
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start}); save it as UTF-8") from None


def write_wav(path: str | Path, audio: np.ndarray, sample_rate: int) -> None:
    """Write float audio (-1..1) as 16-bit PCM mono WAV, atomically.

    The WAV is built in memory (seconds of audio) and written by the atomic writer, so a full
    disk is reported as such rather than as libsndfile's "error opening" message.
    """
    import soundfile as sf

    from GPT_SoVITS.atomic import write_bytes_atomic

    pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).round().astype(np.int16)
    buffer = io.BytesIO()
    sf.write(buffer, pcm, sample_rate, subtype="PCM_16", format="WAV")
    write_bytes_atomic(path, buffer.getvalue())


def run(args: argparse.Namespace) -> str:
    """Synthesise per `args`, write the WAV and return the summary line."""
    from GPT_SoVITS.atomic import check_writable
    from GPT_SoVITS.inference import SynthesisParams, TTS

    params = SynthesisParams(
        top_k=args.top_k, top_p=args.top_p, temperature=args.temperature, repetition_penalty=args.repetition_penalty,
        speed=args.speed, noise_scale=args.noise_scale, seed=args.seed, pause_seconds=args.pause,
        max_new_tokens=args.max_new_tokens,
    )
    text = _read_text(args)
    check_writable(args.output)  # a bad -o is reported before minutes of loading and synthesis
    tts = TTS.from_files(args.gpt, args.sovits, args.hubert, device=args.device, half=args.half, sv_path=args.sv)
    result = tts.synthesize(args.ref, args.ref_text, text, language=args.lang, ref_language=args.ref_lang, params=params)
    write_wav(args.output, result.audio, result.sample_rate)
    t = result.timings
    return (
        f"wrote {args.output}: {result.duration:.2f} s at {result.sample_rate} Hz, {len(result.pieces)} pieces, "
        f"{result.tokens} tokens, seed {result.seed}; frontend {t.frontend:.2f} s, reference {t.reference:.2f} s, "
        f"GPT {t.gpt:.2f} s, SoVITS {t.sovits:.2f} s, real-time factor {result.real_time_factor:.2f}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    from GPT_SoVITS.logging_setup import setup_logging

    args = build_parser().parse_args(argv)
    setup_logging()
    try:
        print(run(args))
    except GptSovitsError as error:
        print("error: " + " ".join(line.strip() for line in str(error).splitlines()), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
