"""Command line synthesis: `python -m GPT_SoVITS.synthesize --gpt G.ckpt --sovits S.pth --ref ref.wav
--ref-text "..." --text "..." -o out.wav`.

Arguments -> `SynthesisParams` -> `TTS.from_files(...).synthesize(...)` -> a 32 kHz 16-bit WAV
written atomically. Errors of this project print one `error: ...` line and exit with code 1.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Sequence

import numpy as np

from GPT_SoVITS.errors import DataError, GptSovitsError

logger = logging.getLogger(__name__)

DESCRIPTION = """\
Speak a text in the voice of a short reference clip, with a GPT (.ckpt) and a SoVITS (.pth)
file trained with the same symbol table (for Russian: the v2+ru files fine-tuning exports to
GPT_weights_v2/ and SoVITS_weights_v2/). The text is split into sentences, each one is
synthesised, and the pieces are joined with short pauses into a 32 kHz, 16-bit mono WAV at the
level the model produced (--normalize scales it). Nothing is downloaded: the HuBERT folder
must be on disk. Prints one summary line; on a problem one `error: ...` line and exit code 1."""

EXAMPLE = """\
example:
  python -m GPT_SoVITS.synthesize \\
    --gpt GPT_weights_v2/anna-e15.ckpt --sovits SoVITS_weights_v2/anna_e8_s400.pth \\
    --ref ref.wav --ref-text "Добрый день, меня зовут Анна." \\
    --text "В 2024 году мы открыли новый з+амок для туристов." --seed 42 -o out.wav

stress: '+' before a vowel (з+амок) or U+0301 after it; see docs/synthesis.md."""


# flag, type, the `SynthesisParams` field giving the default, help
SAMPLING_OPTIONS = (
    ("--top-k", int, "top_k", "GPT samples from the k most likely tokens"),
    ("--top-p", float, "top_p", "... within this cumulative probability; 1 = off"),
    ("--temperature", float, "temperature", "below 1 steadier, above 1 more varied"),
    ("--repetition-penalty", float, "repetition_penalty", "discourages repeated tokens (stuck sounds)"),
    ("--speed", float, "speed", "speaking rate, 0.25-4 (1 = as trained, 1.2 = faster)"),
    ("--noise-scale", float, "noise_scale", "SoVITS prior noise: livelier but less stable when higher"),
    ("--pause", float, "fragment_interval", "seconds of silence between pieces (upstream: fragment_interval)"),
    ("--batch-size", int, "batch_size", "pieces the GPT decodes together (faster on long texts; greedy output is "
     "the same at any size, sampled output depends on it)"),
    ("--batch-threshold", float, "batch_threshold", "bucket split: shortest/longest phone count within a batch"),
)


def _add_sampling_options(sampling, defaults) -> None:
    """The GPT sampling and SoVITS rendering options, defaults from `SynthesisParams`."""
    sampling.add_argument("--seed", type=int, default=None,
                          help="random seed; the same seed, inputs, weights and device give the same audio "
                               "(default: a fresh one, printed)")
    for flag, kind, field, text in SAMPLING_OPTIONS:
        sampling.add_argument(flag, type=kind, default=getattr(defaults, field), help=f"{text} (default: %(default)s)")
    sampling.add_argument("--max-new-tokens", type=int, default=None,
                          help="cap on GPT tokens per piece, 25 per second (default: the GPT's own limit, 54 s)")
    sampling.add_argument("--no-split-bucket", dest="split_bucket", action="store_false",
                          help="batch pieces in text order instead of by length (default: by length, as upstream)")


def build_parser() -> argparse.ArgumentParser:
    from GPT_SoVITS.inference import SynthesisParams
    from GPT_SoVITS.inference.params import CPU_PRECISIONS, DEFAULT_SPLIT_METHOD, SPLIT_METHODS
    from GPT_SoVITS.inference.text_split import SPLIT_METHOD_HELP
    from GPT_SoVITS.inference.output import NORMALIZED_PEAK_DBFS
    from GPT_SoVITS.pretrained import PRETRAINED

    defaults = SynthesisParams()
    parser = argparse.ArgumentParser(prog="python -m GPT_SoVITS.synthesize", description=DESCRIPTION, epilog=EXAMPLE,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    files = parser.add_argument_group("weights and voice (required)")
    files.add_argument("--gpt", required=True, help="GPT weights (.ckpt), e.g. GPT_weights_v2/NAME-e15.ckpt")
    files.add_argument("--sovits", required=True, help="SoVITS weights (.pth), e.g. SoVITS_weights_v2/NAME_e8_s200.pth; "
                       "v2Pro/v2ProPlus files are recognised by their content")
    files.add_argument("--ref", required=True, help="reference audio, 3-10 s of the target voice (any format librosa reads)")
    files.add_argument("--ref-text", required=True, help="exactly what is said in the reference audio")
    text = parser.add_argument_group("text and output (one of --text / --text-file, and -o and/or --stream-to)")
    source = text.add_mutually_exclusive_group(required=True)
    source.add_argument("--text", help="text to synthesise (stress: '+' before a vowel or U+0301 after it)")
    source.add_argument("--text-file", help="UTF-8 file with the text to synthesise")
    text.add_argument("-o", "--output", help="output WAV (32 kHz, 16-bit mono), written atomically (default: none; give -o, --stream-to or both)")
    text.add_argument("--stream-to", metavar="PATH",
                      help="write a WAV stream while synthesising, chunk by chunk ('-' = stdout, for a pipe; the "
                           "header's sizes are placeholders); -o may be given too (default: no stream)")
    text.add_argument("--stream-mode", type=int, choices=(1, 2, 3), default=1,
                      help="with --stream-to: 1 a chunk per piece, 2 chunks of 16 tokens cross-faded, "
                           "3 chunks of 16 tokens butted (default: %(default)s)")
    text.add_argument("--split", choices=SPLIT_METHODS, default=DEFAULT_SPLIT_METHOD,
                      help="how the text is cut into pieces (upstream's names): "
                           + "; ".join(f"{name} {text}" for name, text in SPLIT_METHOD_HELP.items())
                           + " (default: %(default)s)")
    text.add_argument("--aux-ref", action="append", default=[], metavar="FILE",
                      help="another clip of the same voice whose timbre is averaged in (repeatable; default: none)")
    text.add_argument("--lang", default="ru", help="language of the text (default: %(default)s)")
    text.add_argument("--ref-lang", default="ru", help="language of the reference text (default: %(default)s)")
    text.add_argument("--latin", default="english", choices=["english", "translit"],
                      help="Latin words in Russian text (ru, auto): English phones (default) or the old reading as "
                      "Russian sounds, for models fine-tuned without English (docs/russian.md)")
    text.add_argument("--normalize", action="store_true",
                      help=f"scale the audio so its loudest sample is at {NORMALIZED_PEAK_DBFS:g} dBFS (default: off, "
                           "the level the model produced; the web UI has the same checkbox)")
    _add_sampling_options(parser.add_argument_group("sampling and rendering"), defaults)
    device = parser.add_argument_group("models and device")
    device.add_argument("--hubert", default=str(PRETRAINED["cnhubert"].path),
                        help="local chinese-hubert-base folder (default: %(default)s)")
    device.add_argument("--sv", default=None,
                        help=f"speaker encoder for v2Pro/v2ProPlus SoVITS weights (default: {PRETRAINED['sv'].path})")
    device.add_argument("--device", default=None, help="cpu, cuda or cuda:N (default: cuda when available)")
    device.add_argument("--half", action="store_true", help="fp16 on CUDA; ignored on CPU (default: off)")
    device.add_argument("--cpu-precision", choices=CPU_PRECISIONS, default="fp32",
                        help="the GPT's format on the CPU: fp32, bf16 or dynamic int8 (docs/benchmarks.md compares "
                             "speed and agreement; default: %(default)s)")
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


def _params(args: argparse.Namespace):
    from GPT_SoVITS.inference import SynthesisParams

    return SynthesisParams(
        top_k=args.top_k, top_p=args.top_p, temperature=args.temperature, repetition_penalty=args.repetition_penalty,
        speed=args.speed, noise_scale=args.noise_scale, seed=args.seed, fragment_interval=args.pause,
        max_new_tokens=args.max_new_tokens, batch_size=args.batch_size, batch_threshold=args.batch_threshold,
        split_bucket=args.split_bucket, text_split_method=args.split, latin=args.latin,
    )


def _stream(tts, args: argparse.Namespace, text: str, params) -> tuple[np.ndarray, int]:
    """Write the WAV stream chunk by chunk (flushed, so a reader hears it at once); the audio joined."""
    from GPT_SoVITS.inference.output import output_pcm16, wav_stream_header

    sink, chunks = None, []
    try:
        sink = sys.stdout.buffer if args.stream_to == "-" else open(args.stream_to, "wb")  # noqa: SIM115
        sink.write(wav_stream_header(tts.sample_rate))
        for chunk in tts.stream(args.ref, args.ref_text, text, language=args.lang, ref_language=args.ref_lang,
                                params=params, aux_refs=args.aux_ref, mode=args.stream_mode):
            chunks.append(chunk)
            sink.write(output_pcm16(chunk).tobytes())
            sink.flush()
    except OSError as error:
        from GPT_SoVITS.atomic import output_error

        raise output_error(Path(args.stream_to), error) from None
    finally:
        if sink is not None and sink is not sys.stdout.buffer:
            sink.close()
    return np.concatenate(chunks), len(chunks)


def run(args: argparse.Namespace) -> str:
    """Synthesise per `args`, write the WAV (and/or the stream) and return the summary line."""
    from GPT_SoVITS.atomic import check_writable
    from GPT_SoVITS.inference import TTS
    from GPT_SoVITS.inference.output import output_pcm16, write_wav

    if not args.output and not args.stream_to:
        raise DataError("say where the audio goes: -o FILE.wav, --stream-to PATH (or '-' for stdout), or both")
    params = _params(args)
    text = _read_text(args)
    if args.output:
        check_writable(args.output)  # a bad -o is reported before minutes of loading and synthesis
    tts = TTS.from_files(args.gpt, args.sovits, args.hubert, device=args.device, half=args.half, sv_path=args.sv,
                         cpu_precision=args.cpu_precision)
    if args.stream_to:
        audio, chunks = _stream(tts, args, text, params)
        if args.output:
            write_wav(args.output, tts.sample_rate, output_pcm16(audio, args.normalize))
        return f"streamed {chunks} chunks, {len(audio) / tts.sample_rate:.2f} s at {tts.sample_rate} Hz to {args.stream_to}"
    result = tts.synthesize(args.ref, args.ref_text, text, language=args.lang, ref_language=args.ref_lang, params=params,
                            aux_refs=args.aux_ref)
    write_wav(args.output, result.sample_rate, output_pcm16(result.audio, args.normalize))
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
        summary = run(args)
        print(summary, file=sys.stderr if args.stream_to == "-" else sys.stdout)  # stdout carries the audio
    except GptSovitsError as error:
        print("error: " + " ".join(line.strip() for line in str(error).splitlines()), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
