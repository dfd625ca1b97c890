"""What the GPT trainer logs: loss, per-token loss, top-3 accuracy, lr and gradient norm per step,
and at each export the greedy-decoded tokens of a fixed utterance (rendered through a SoVITS export
when one is given), read back with TensorBoard's own reader; an interrupted run resumes the curves."""

from __future__ import annotations

import json
import time

import pytest
import soundfile
import torch
import yaml

from GPT_SoVITS.AR import train as gpt_train
from GPT_SoVITS.AR.cli import main as s1_main
from GPT_SoVITS.AR.data.dataset import read_utterances
from GPT_SoVITS.AR.monitor import log_sample
from GPT_SoVITS.AR.models.t2s_model import build_text2semantic
from GPT_SoVITS.AR.train_config import load_config
from GPT_SoVITS.distributed import Runtime
from GPT_SoVITS.text.symbols import get_table
from GPT_SoVITS.training_samples import render_gpt_sample
from GPT_SoVITS.training_log import METRICS_FILE, latest_sample, open_training_log, read_plan
from tests.AR.helpers import synthetic_pairs, tiny_config, train_yaml, write_experiment
from tests.inference.fixtures import save_tiny_sovits
from tests.s2.experiment import write_wav
from tests.test_training_log import events

STEP_TAGS = {"loss/sum", "loss/per_token", "accuracy/top3", "lr", "grad_norm"}


class Interrupted(Exception):
    pass


def with_sample_sovits(config_path, sovits) -> None:
    raw = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    raw["sample_sovits"] = str(sovits)
    config_path.write_text(yaml.safe_dump(raw), encoding="utf-8")


def test_steps_and_exports_are_logged_and_an_interrupted_run_resumes_the_same_curves(tmp_path, monkeypatch):
    config_path = train_yaml(tmp_path, epochs=2)  # 6 steps per epoch, an export after each epoch
    with_sample_sovits(config_path, save_tiny_sovits(tmp_path / "sovits.pth", table="v2"))
    write_wav(tmp_path / "logs" / "exp" / "5-wav32k" / "utt000.wav", 1.0, seed=0)  # the sample's timbre
    config = load_config(config_path)
    real_step, calls = gpt_train.train_step, []

    def step(run, batch):
        calls.append(1)
        if len(calls) == 9:
            raise Interrupted  # steps 7 and 8 are logged but never saved
        return real_step(run, batch)

    monkeypatch.setattr(gpt_train, "train_step", step)
    with pytest.raises(Interrupted):
        gpt_train.train(config, render_sample=render_gpt_sample)
    crashed = time.time()
    monkeypatch.undo()
    result = gpt_train.train(config, render_sample=render_gpt_sample)
    assert (result.epochs_done, result.steps) == (2, 12)

    folder = config.output_dir  # logs_s1_v2, next to ckpt/
    accumulator = events(folder)
    assert set(accumulator.Tags()["scalars"]) == STEP_TAGS
    for tag in STEP_TAGS:
        assert [e.step for e in accumulator.Scalars(tag)] == list(range(1, 13)), tag
    assert accumulator.Scalars("loss/sum")[6].wall_time >= crashed  # step 7 is the resumed run's
    assert accumulator.Scalars("lr")[0].value == pytest.approx(1.5e-3)  # warm-up step 1 of 2 to 3e-3
    lines = [json.loads(line) for line in (folder / METRICS_FILE).read_text().splitlines()]
    assert [line["step"] for line in lines] == list(range(1, 13)) and [line["epoch"] for line in lines[5:7]] == [1, 2]
    assert all(0 <= line["accuracy/top3"] <= 1 and 0 < line["loss/per_token"] < line["loss/sum"] for line in lines)
    assert read_plan(folder).first_step == 7 and read_plan(folder).total_steps == 12

    texts = accumulator.Tensors("sample/tokens/text_summary")
    assert [e.step for e in texts] == [6, 12]
    assert texts[-1].tensor_proto.string_val[0].decode().startswith("utt000.wav: ")
    assert [e.step for e in accumulator.Audio("sample/gpt")] == [6, 12]
    audio, rate = soundfile.read(latest_sample(folder))
    assert latest_sample(folder).name == "step00000012-sample-gpt.wav" and rate == 32000 and len(audio) > 0


def test_without_a_sovits_export_only_the_tokens_are_logged(tmp_path, caplog):
    pairs = synthetic_pairs(3)
    phonemes, semantic = write_experiment(tmp_path / "exp", pairs)
    utterances, _ = read_utterances(phonemes, semantic, get_table("v2"))
    torch.manual_seed(0)
    model = build_text2semantic(tiny_config(), "v2").train()
    log = open_training_log(tmp_path / "log", "s1", first_step=1)
    import logging

    with caplog.at_level(logging.INFO, logger="GPT_SoVITS.AR.monitor"):
        log_sample(log, model, utterances[0], 5, sovits_path=None, wav_path=tmp_path / "none.wav",
                   table=get_table("v2"))
    log.close()
    # the wait is announced before the decoding starts (issue 27 item 8)
    assert caplog.messages[0].startswith(f"step 5: sample: decoding the tokens of {pairs[0][0]} (at most ")
    assert caplog.messages[0].endswith("; training waits for it")
    assert model.training  # the decode ran in eval mode and gave the mode back
    text = (tmp_path / "log" / "samples" / "step00000005-sample-tokens.txt").read_text()
    tokens = text.split(": ")[-1].split()
    # greedy: at most twice the recording's tokens plus 25, each a code (EOS ends, is not a token)
    assert text.startswith(f"{pairs[0][0]}: {len(tokens)} tokens") and len(tokens) <= 2 * len(pairs[0][2]) + 25
    assert all(0 <= int(t) < 1024 for t in tokens) and latest_sample(tmp_path / "log") is None


def test_a_large_set_holds_the_sample_utterance_out_of_training(tmp_path):
    config = load_config(train_yaml(tmp_path, epochs=1))
    write_experiment(config.train_phoneme_path.parent, synthetic_pairs(24))
    loader, _, sample = gpt_train.make_loader(config, get_table("v2"), Runtime(0, 1, torch.device("cpu")))
    names = {u.name for u in loader.dataset.utterances}
    assert sample.name == "utt000.wav" and sample.name not in names and len(names) == 23


def test_the_sample_sovits_flag_names_an_existing_file(tmp_path, capsys):
    args = ["--exp", "voice", "--pretrained-s1", "", "--logs-dir", str(tmp_path), "--write-config", str(tmp_path / "c.yaml")]
    assert s1_main([*args, "--sample-sovits", str(tmp_path / "missing.pth")]) == 1
    assert f"error: --sample-sovits {tmp_path / 'missing.pth'}: file not found" in capsys.readouterr().err
    (tmp_path / "s.pth").write_bytes(b"weights")
    assert s1_main([*args, "--sample-sovits", str(tmp_path / "s.pth")]) == 0
    assert yaml.safe_load((tmp_path / "c.yaml").read_text())["sample_sovits"] == str(tmp_path / "s.pth")
    assert s1_main(args) == 0 and "sample_sovits" not in yaml.safe_load((tmp_path / "c.yaml").read_text())
