"""`python -m GPT_SoVITS.prepare`: missing weights stop it cleanly; a .list becomes training data."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch

from GPT_SoVITS.manifest import random_state_dict, read_manifest
from GPT_SoVITS.pretrained import pretrained_path
from GPT_SoVITS.versions import get_version
from GPT_SoVITS.text.symbols import get_table
from tests.conftest import REPO_ROOT, manifest_path
from tests.feature_extractor.tiny_hubert import save_legacy_folder, tiny_hubert
from tests.prepare.audio_fixtures import write_speech


def _prepare(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "GPT_SoVITS.prepare", *args], cwd=REPO_ROOT, env=dict(os.environ),
                          capture_output=True, text=True, timeout=timeout)


def test_missing_pretrained_weights_stop_before_any_work(tmp_path):
    list_path = tmp_path / "data.list"
    list_path.write_text("a.wav|spk|ru|Привет.\n", encoding="utf-8")
    done = _prepare("--list", str(list_path), "--exp", "demo", "--logs-dir", str(tmp_path / "logs"),
                    "--hubert", str(tmp_path / "no-hubert"), "--s2g", str(tmp_path / "no-s2G.pth"))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"folder {tmp_path / 'no-hubert'}" in done.stderr and f"file {tmp_path / 'no-s2G.pth'}" in done.stderr
    assert "GPT_SoVITS/pretrained_models/chinese-hubert-base" in done.stderr
    assert "GPT_SoVITS/pretrained_models/gsv-v2final-pretrained/s2G2333k.pth" in done.stderr
    assert "python tools/download_pretrained.py" in done.stderr
    assert not (tmp_path / "logs").exists()


def test_list_without_usable_lines_is_refused(tmp_path):
    list_path = tmp_path / "data.list"
    list_path.write_text("only|three|fields\n", encoding="utf-8")
    done = _prepare("--list", str(list_path), "--exp", "demo", "--logs-dir", str(tmp_path / "logs"))
    assert done.returncode == 1
    assert f"{list_path}: no usable line (1 malformed)" in done.stderr


def _fake_pretrained(tmp_path):
    hubert = save_legacy_folder(tiny_hubert(seed=11), tmp_path / "chinese-hubert-base")
    config = json.loads((REPO_ROOT / "configs" / "s2.json").read_text())
    weight = random_state_dict(read_manifest(manifest_path("s2G_v2")), seed=1)
    s2g = tmp_path / "s2G2333k.pth"
    torch.save({"weight": weight, "config": config, "info": "pretrained"}, s2g)
    return hubert, s2g


@pytest.mark.slow
def test_pipeline_turns_a_list_into_training_files(tmp_path):
    hubert, s2g = _fake_pretrained(tmp_path)
    wavs = tmp_path / "wavs"
    wavs.mkdir()
    texts = {"a.wav": "Привет, как дела?", "b.wav": "Сегодня хорошая погода.", "c.wav": "Раз, два, три."}
    for name, text in texts.items():
        write_speech(wavs / name, text)
    lines = [f"{name}|spk|ru|{text}" for name, text in texts.items()]
    lines += ["d.wav|spk|ru|Этого файла нет.", "e.wav|spk|zh|你好"]
    list_path = tmp_path / "data.list"
    list_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["--list", str(list_path), "--wav-dir", str(wavs), "--exp", "demo", "--parts", "2",
            "--logs-dir", str(tmp_path / "logs"), "--hubert", str(hubert), "--s2g", str(s2g)]

    done = _prepare(*args)

    assert done.returncode == 0, done.stderr[-3000:]
    opt_dir = tmp_path / "logs" / "demo"
    name2text = (opt_dir / "2-name2text.txt").read_text(encoding="utf-8")
    assert name2text.endswith(".\n") and not name2text.endswith("\n\n")
    rows = [line.split("\t") for line in name2text.splitlines()]
    assert sorted(row[0] for row in rows) == ["a.wav", "b.wav", "c.wav", "d.wav"]
    table = get_table("v2+ru")
    assert all(table.to_ids(row[1].split(" ")) for row in rows)

    semantic = (opt_dir / "6-name2semantic.tsv").read_text(encoding="utf-8").splitlines()
    assert semantic[0] == "item_name\tsemantic_audio"
    codes = dict(line.split("\t") for line in semantic[1:])
    assert sorted(codes) == ["a.wav", "b.wav", "c.wav"]
    for name, line in codes.items():
        features = torch.load(opt_dir / "4-cnhubert" / f"{name}.pt", weights_only=True)
        assert features.shape[:2] == (1, 768)
        values = [int(code) for code in line.split(" ")]
        assert len(values) == features.shape[2] // 2 and all(0 <= v < 1024 for v in values)
        assert (opt_dir / "5-wav32k" / name).is_file()
    assert not list(opt_dir.glob("2-name2text-*.txt")) and not list(opt_dir.glob("6-name2semantic-*.tsv"))

    failed = (opt_dir / "failed.txt").read_text(encoding="utf-8").splitlines()
    assert failed[0] == "stage\titem\treason"
    assert any(line.startswith("1-get-text\te.wav\t") and "unsupported language 'zh'" in line for line in failed)
    assert any(line.startswith("2-get-hubert-wav32k\td.wav\t") and "audio file not found" in line for line in failed)
    assert "1-get-text.py: 4 of 5 utterances ready, 1 failed" in done.stdout
    assert "3-get-semantic.py: 3 of 5 utterances ready" in done.stdout
    assert f"listed in {opt_dir / 'failed.txt'}" in done.stdout

    # A second run resumes: every stage finds its work done and nothing is rewritten.
    stamps = {path: path.stat().st_mtime_ns for path in opt_dir.rglob("*") if not path.name.startswith("failed")}
    again = _prepare(*args)
    assert again.returncode == 0, again.stderr[-3000:]
    assert {path: path.stat().st_mtime_ns for path in stamps} == stamps
    assert "skipping stage 1" in again.stderr and "skipping stage 3" in again.stderr


def _rows(path) -> dict[str, str]:
    return {line.split("\t")[0]: line for line in path.read_text(encoding="utf-8").splitlines()}


@pytest.mark.slow
def test_fix_the_listed_items_and_run_again(tmp_path):
    """Issue 15's repro: one line's audio is missing, another has language `xx`; fix both, rerun."""
    hubert, s2g = _fake_pretrained(tmp_path)
    wavs = tmp_path / "wavs"
    wavs.mkdir()
    texts = {"a.wav": "Привет, как дела?", "b.wav": "Сегодня хорошая погода.", "c.wav": "Раз, два, три.",
             "d.wav": "Этот файл появится позже.", "x.wav": "Язык указан неверно."}
    for name, text in texts.items():
        if name != "d.wav":
            write_speech(wavs / name, text)
    list_path = tmp_path / "data.list"

    def write_list(x_language: str) -> None:
        lines = [f"{name}|spk|{x_language if name == 'x.wav' else 'ru'}|{text}" for name, text in texts.items()]
        list_path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    write_list("xx")
    args = ["--list", str(list_path), "--wav-dir", str(wavs), "--exp", "demo", "--logs-dir", str(tmp_path / "logs"),
            "--hubert", str(hubert), "--s2g", str(s2g)]
    first = _prepare(*args)
    assert first.returncode == 0, first.stderr[-3000:]
    opt_dir = tmp_path / "logs" / "demo"
    assert sorted(_rows(opt_dir / "2-name2text.txt")) == ["a.wav", "b.wav", "c.wav", "d.wav"]
    assert sorted(_rows(opt_dir / "6-name2semantic.tsv")) == ["a.wav", "b.wav", "c.wav", "item_name", "x.wav"]
    failed = (opt_dir / "failed.txt").read_text(encoding="utf-8").splitlines()
    # Each bad line once, at the stage where it failed first (d.wav's missing features in stage 3 follow from it).
    assert failed[0] == "stage\titem\treason" and len(failed) == 3
    assert failed[1].startswith("1-get-text\tx.wav\t") and "unsupported language 'xx'" in failed[1]
    assert failed[2].startswith("2-get-hubert-wav32k\td.wav\t") and "audio file not found" in failed[2]
    assert "1-get-text.py: 4 of 5 utterances ready, 1 failed" in first.stdout
    assert "2-get-hubert-wav32k.py: 4 of 5 utterances ready, 1 failed" in first.stdout
    assert "3-get-semantic.py: 4 of 5 utterances ready, 1 failed" in first.stdout
    assert "2 utterance(s) failed (first failed in: 1-get-text 1, 2-get-hubert-wav32k 1)" in first.stdout
    assert "ready for training: 3 of 5 utterances" in first.stdout
    assert "loading HuBERT…" in first.stderr

    text_rows, semantic_rows = _rows(opt_dir / "2-name2text.txt"), _rows(opt_dir / "6-name2semantic.tsv")
    stage2_files = [opt_dir / folder / f"{name}{suffix}" for name in ("a.wav", "b.wav", "c.wav", "x.wav")
                    for folder, suffix in (("4-cnhubert", ".pt"), ("5-wav32k", ""))]
    stamps = {path: path.stat().st_mtime_ns for path in stage2_files}
    write_speech(wavs / "d.wav", texts["d.wav"])
    write_list("ru")

    again = _prepare(*args)

    assert again.returncode == 0, again.stderr[-3000:]
    output = again.stdout + again.stderr
    # Only the two fixed utterances are computed; finished work is copied or left alone.
    assert "1-get-text: done 1, skipped 4 (already finished), failed 0" in output
    assert "2-get-hubert-wav32k: done 1, skipped 4 (already finished), failed 0" in output
    assert "3-get-semantic: done 1, skipped 4 (already finished), failed 0" in output
    assert {path: path.stat().st_mtime_ns for path in stage2_files} == stamps
    new_text, new_semantic = _rows(opt_dir / "2-name2text.txt"), _rows(opt_dir / "6-name2semantic.tsv")
    assert sorted(new_text) == sorted(texts) and sorted(new_semantic) == sorted([*texts, "item_name"])
    assert all(new_text[name] == row for name, row in text_rows.items())
    assert all(new_semantic[name] == row for name, row in semantic_rows.items())
    assert (opt_dir / "failed.txt").read_text(encoding="utf-8") == "stage\titem\treason\n"
    assert "0 utterance(s) failed, listed in" in again.stdout
    assert "ready for training: 5 of 5 utterances" in again.stdout


@pytest.mark.slow
def test_pro_pipeline_adds_speaker_vectors_between_stages_2_and_3(tmp_path):
    """`--version v2ProPlus`: stages 1, 2, 2-get-sv and 3, resumable, failures listed once."""
    from tests.pro_fixtures import save_tiny_pro_s2g, write_tiny_pro_config
    from tests.sv_fixtures import save_seeded_sv

    hubert = save_legacy_folder(tiny_hubert(seed=11), tmp_path / "chinese-hubert-base")
    s2g = save_tiny_pro_s2g(tmp_path / "s2Gv2ProPlus.pth", "v2ProPlus")
    s2_config = write_tiny_pro_config(tmp_path / "s2v2ProPlus.json", "v2ProPlus")
    sv = tmp_path / "sv" / "pretrained_eres2netv2w24s4ep4.ckpt"
    save_seeded_sv(sv)
    wavs = tmp_path / "wavs"
    wavs.mkdir()
    texts = {"a.wav": "Привет, как дела?", "b.wav": "Сегодня хорошая погода.", "d.wav": "Этого файла нет."}
    for name in ("a.wav", "b.wav"):
        write_speech(wavs / name, texts[name])
    list_path = tmp_path / "data.list"
    list_path.write_text("".join(f"{name}|spk|ru|{text}\n" for name, text in texts.items()), encoding="utf-8")
    args = ["--list", str(list_path), "--wav-dir", str(wavs), "--exp", "pro", "--version", "v2ProPlus",
            "--logs-dir", str(tmp_path / "logs"), "--hubert", str(hubert), "--s2g", str(s2g),
            "--s2-config", str(s2_config), "--sv", str(sv)]

    done = _prepare(*args)

    assert done.returncode == 0, done.stderr[-3000:]
    opt_dir = tmp_path / "logs" / "pro"
    assert sorted(p.name for p in (opt_dir / "7-sv_cn").iterdir()) == ["a.wav.pt", "b.wav.pt"]
    vector = torch.load(opt_dir / "7-sv_cn" / "a.wav.pt", weights_only=True)
    assert vector.shape == (1, 20480) and vector.dtype == torch.float32 and torch.isfinite(vector).all()
    assert sorted(_rows(opt_dir / "6-name2semantic.tsv")) == ["a.wav", "b.wav", "item_name"]
    lines = done.stdout.splitlines()
    order = [next(i for i, line in enumerate(lines) if line.startswith(script))
             for script in ("1-get-text.py", "2-get-hubert-wav32k.py", "2-get-sv.py", "3-get-semantic.py")]
    assert order == sorted(order)
    assert "2-get-sv.py: 2 of 3 utterances ready, 1 failed" in done.stdout
    assert "ready for training: 2 of 3 utterances" in done.stdout
    failed = (opt_dir / "failed.txt").read_text(encoding="utf-8").splitlines()
    assert len(failed) == 2 and failed[1].startswith("2-get-hubert-wav32k\td.wav\t")  # listed once, where it failed first

    (opt_dir / "7-sv_cn" / "b.wav.pt").unlink()
    again = _prepare(*args)
    assert again.returncode == 0, again.stderr[-3000:]
    output = again.stdout + again.stderr
    assert "skipping stage 1" in output and "skipping stage 3" in output
    assert "2-get-sv: done 1, skipped 1 (already finished), failed 1 (1 unchanged since the last run)" in output
    assert (opt_dir / "7-sv_cn" / "b.wav.pt").is_file()


def test_a_read_only_logs_folder_is_one_clear_error(tmp_path, read_only_folder):
    hubert, s2g = _fake_pretrained(tmp_path)
    folder, cause = read_only_folder
    wavs = tmp_path / "wavs"
    wavs.mkdir()
    write_speech(wavs / "a.wav", "Привет.")
    list_path = tmp_path / "data.list"
    list_path.write_text("a.wav|spk|ru|Привет.\n", encoding="utf-8")
    done = _prepare("--list", str(list_path), "--wav-dir", str(wavs), "--exp", "demo", "--logs-dir", str(folder),
                    "--hubert", str(hubert), "--s2g", str(s2g))
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and errors[0].startswith(f"error: {folder / 'demo'}") and cause in errors[0], errors


@pytest.mark.parametrize("file_version,run_version", [("v2", "v2ProPlus"), ("v2ProPlus", "v2")])
def test_a_sovits_file_of_another_version_is_refused_before_stage_1(tmp_path, file_version, run_version):
    from GPT_SoVITS.prepare.pipeline import PipelineConfig, iter_pipeline
    from tests.pro_fixtures import save_tiny_pro_s2g

    hubert, s2g = _fake_pretrained(tmp_path)
    if file_version != "v2":
        s2g = save_tiny_pro_s2g(tmp_path / f"s2G{file_version}.pth", file_version)
    list_path = tmp_path / "data.list"
    list_path.write_text("a.wav|spk|ru|Привет.\n", encoding="utf-8")
    launched = []
    config = PipelineConfig(list_path=list_path, exp_name="demo", logs_dir=tmp_path / "logs", hubert_dir=hubert,
                            s2g=s2g, version=run_version)
    with pytest.raises(Exception) as error:
        list(iter_pipeline(config, launch=lambda name, commands: launched.append(name)))
    assert str(error.value) == (
        f"{s2g}: a SoVITS {file_version} file, but this run's version is {run_version}; run with --version "
        f"{file_version} (the UI's version choice), or give the {run_version} s2G "
        f"({pretrained_path(get_version(run_version).s2G)})")
    assert launched == [] and not (tmp_path / "logs").exists()
