"""`python -m GPT_SoVITS.synthesize`: the WAV it writes, seeds, text files and error lines."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from GPT_SoVITS import synthesize as cli
from tests.conftest import REPO_ROOT
from tests.inference.fixtures import save_tiny_sovits, write_reference

REF_TEXT = "Это тестовая фраза."


def _args(voice, output, *extra):
    return ["--gpt", str(voice.gpt), "--sovits", str(voice.sovits), "--hubert", str(voice.hubert),
            "--ref", str(voice.reference), "--ref-text", REF_TEXT, "-o", str(output), "--max-new-tokens", "30", *extra]


@pytest.mark.slow  # a fresh interpreter: torch, transformers and the Russian frontend load (20-40 s)
def test_cli_writes_a_32k_16bit_wav_whose_length_follows_the_tokens(tiny_voice, tmp_path):
    output = tmp_path / "out" / "speech.wav"
    command = [sys.executable, "-m", "GPT_SoVITS.synthesize", *_args(tiny_voice, output, "--seed", "5", "--pause", "0.5"),
               "--text", "Первое предложение. Второе предложение!"]
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    summary = re.search(r"(\d+) pieces, (\d+) tokens, seed 5", done.stdout)
    assert summary, done.stdout
    pieces, tokens = int(summary.group(1)), int(summary.group(2))
    assert pieces == 2 and 2 <= tokens <= 60
    info = sf.info(output)
    assert (info.samplerate, info.channels, info.subtype, info.format) == (32000, 1, "PCM_16", "WAV")
    assert info.frames == 1280 * tokens + (pieces - 1) * 16000
    assert not list(output.parent.glob(".*.tmp"))  # written atomically, no temp file left


def test_text_file_and_same_seed_give_identical_wavs(tiny_voice, tmp_path, capsys):
    text = "Сегодня хорошая погода. Пойдём гулять?"
    text_file = tmp_path / "text.txt"
    text_file.write_text(text + "\n", encoding="utf-8")
    first, second = tmp_path / "a.wav", tmp_path / "b.wav"
    assert cli.main(_args(tiny_voice, first, "--seed", "11", "--text", text)) == 0
    assert cli.main(_args(tiny_voice, second, "--seed", "11", "--text-file", str(text_file))) == 0
    assert "2 pieces" in capsys.readouterr().out
    audio_a, rate = sf.read(first, dtype="int16")
    audio_b, _ = sf.read(second, dtype="int16")
    assert rate == 32000 and len(audio_a) > 0 and np.array_equal(audio_a, audio_b)


def _error_line(capsys) -> str:
    err = capsys.readouterr().err  # logging goes to stderr too; the error is its own last line
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and err.rstrip().endswith(errors[0]) and "Traceback" not in err, err
    return errors[0]


def test_short_reference_is_one_error_line(tiny_voice, tmp_path, capsys):
    clip = write_reference(tmp_path / "short.wav", seconds=2.0)
    args = _args(tiny_voice, tmp_path / "x.wav", "--text", "Текст.")
    args[args.index("--ref") + 1] = str(clip)
    assert cli.main(args) == 1
    line = _error_line(capsys)
    assert "short.wav" in line and "2.00 s" in line and "3-10 s" in line
    assert not (tmp_path / "x.wav").exists()


def test_missing_text_file_and_empty_text_are_error_lines(tiny_voice, tmp_path, capsys):
    assert cli.main(_args(tiny_voice, tmp_path / "x.wav", "--text-file", str(tmp_path / "none.txt"))) == 1
    assert "none.txt: text file not found" in _error_line(capsys)
    assert cli.main(_args(tiny_voice, tmp_path / "x.wav", "--text", "  ")) == 1
    assert "the text to synthesise is empty" in _error_line(capsys)


def test_mismatched_tables_are_one_error_line(tiny_voice, tmp_path, capsys):
    sovits_v2 = save_tiny_sovits(tmp_path / "plain.pth", table="v2", store_symbols=False)
    args = _args(tiny_voice, tmp_path / "x.wav", "--text", "Текст.")
    args[args.index("--sovits") + 1] = str(sovits_v2)
    assert cli.main(args) == 1
    line = _error_line(capsys)
    assert "'v2+ru'" in line and "'v2'" in line and "plain.pth" in line


def test_bad_parameter_is_one_error_line(tiny_voice, tmp_path, capsys):
    assert cli.main(_args(tiny_voice, tmp_path / "x.wav", "--text", "Текст.", "--top-p", "2")) == 1
    assert "top_p must be in (0, 1]" in _error_line(capsys)


def test_help_describes_the_command_every_option_and_an_example(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--help"])
    assert done.value.code == 0
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines at the terminal width
    assert "Speak a text in the voice of a short reference clip" in text and "32 kHz, 16-bit mono WAV" in text
    parser = cli.build_parser()
    for action in parser._actions:
        if action.option_strings and action.dest != "help":
            assert action.help, action.dest
            assert any(option in text for option in action.option_strings), action.dest
            if not action.required and action.dest not in ("text", "text_file"):
                assert "default" in action.help, action.dest  # each optional flag says its default
    for default in ("(default: 15)", "(default: 1.35)", "(default: 0.3)", "(default: ru)", "(default: off"):
        assert default in text, default
    assert "example: python -m GPT_SoVITS.synthesize \\ --gpt GPT_weights_v2/anna-e15.ckpt" in text


def test_stream_to_writes_the_chunks_as_a_wav_stream_equal_to_the_file(tiny_voice, tmp_path, capsys):
    stream, whole = tmp_path / "stream.wav", tmp_path / "whole.wav"
    args = _args(tiny_voice, whole, "--seed", "4", "--text", "Раз, два. Три!", "--batch-size", "2", "--split", "cut5",
                 "--stream-to", str(stream), "--stream-mode", "1")
    assert cli.main(args) == 0
    assert "streamed 3 chunks" in capsys.readouterr().out  # cut5: "Раз," "два." "Три!"
    streamed, rate = sf.read(stream, dtype="int16")
    written, _ = sf.read(whole, dtype="int16")
    assert rate == 32000 and len(streamed) > 0 and np.array_equal(streamed, written)
    assert cli.main(_args(tiny_voice, tmp_path / "batched.wav", "--seed", "4", "--text", "Раз, два. Три!",
                          "--batch-size", "2", "--split", "cut5")) == 0
    assert "3 pieces" in capsys.readouterr().out


def test_without_an_output_the_cli_says_where_audio_can_go(tiny_voice, tmp_path, capsys):
    args = [a for a in _args(tiny_voice, tmp_path / "x.wav", "--text", "Да.") if a not in ("-o", str(tmp_path / "x.wav"))]
    assert cli.main(args) == 1
    assert _error_line(capsys) == ("error: say where the audio goes: -o FILE.wav, --stream-to PATH (or '-' for "
                                   "stdout), or both")
