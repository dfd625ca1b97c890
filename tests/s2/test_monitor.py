"""What the s2 trainer logs: every loss term, learning rates and gradient norms per step, mel
images and an audio sample per save, read back with TensorBoard's own reader; an interrupted run
resumes the same curves."""

from __future__ import annotations

import json
import time

import pytest
import soundfile
import torch

from GPT_SoVITS.module.config import S2Config
from GPT_SoVITS.module.discriminators import MultiPeriodDiscriminator
from GPT_SoVITS.s2 import trainer
from GPT_SoVITS.text.symbols import get_table
from GPT_SoVITS.training_log import METRICS_FILE, latest_sample, read_plan
from tests.s2.configs import tiny_config
from tests.s2.experiment import make_experiment
from tests.test_training_log import events

TABLE = get_table("v2")
CPU = trainer.Runtime(0, 1, torch.device("cpu"))
STEP_TAGS = {"loss/discriminator", "loss/adversarial", "loss/feature_matching", "loss/mel", "loss/kl", "loss/commit",
             "loss/total", "lr/text", "lr/other", "grad_norm/generator", "grad_norm/discriminator"}


@pytest.fixture
def small_discriminator(monkeypatch):
    """The real scale + one period discriminator (the full five-period one is ~10 s a step on CPU)."""
    monkeypatch.setattr(trainer, "build_discriminator", lambda config: MultiPeriodDiscriminator(periods=(2,)))


class Interrupted(Exception):
    pass


def interrupt_at(monkeypatch, call: int) -> None:
    """Make the `call`-th training step fail, as a crash or a kill would stop the run there."""
    real_step, calls = trainer.train_step, []

    def step(run, batch):
        calls.append(1)
        if len(calls) == call:
            raise Interrupted
        return real_step(run, batch)

    monkeypatch.setattr(trainer, "train_step", step)


@pytest.mark.slow
def test_steps_and_saves_are_logged_and_an_interrupted_run_resumes_the_same_curves(tmp_path, monkeypatch,
                                                                                  small_discriminator):
    exp = make_experiment(tmp_path / "exp", TABLE, count=4, seconds=(1.3, 1.5))  # two steps of two per epoch
    config = S2Config.from_dict(tiny_config(exp, tmp_path, epochs=2, segment_size=1280, text_low_lr_rate=0.5))
    interrupt_at(monkeypatch, 4)  # step 3 is logged, then the run dies; the last save was at step 2
    with pytest.raises(Interrupted):
        trainer.train(config, CPU)
    crashed = time.time()
    monkeypatch.undo()
    monkeypatch.setattr(trainer, "build_discriminator", lambda config: MultiPeriodDiscriminator(periods=(2,)))
    result = trainer.train(config, CPU)
    assert (result.epoch, result.step) == (2, 4)
    folder = config.state_dir  # logs_s2_v2, next to the resume state
    accumulator = events(folder)
    assert set(accumulator.Tags()["scalars"]) == STEP_TAGS  # no amp/scale: AMP runs on CUDA only
    for tag in STEP_TAGS:
        assert [e.step for e in accumulator.Scalars(tag)] == [1, 2, 3, 4], tag
    step3 = accumulator.Scalars("loss/mel")[2]
    assert step3.wall_time >= crashed and step3.value == pytest.approx(result.history[0].mel)  # the resumed run's
    text_lr, other_lr = accumulator.Scalars("lr/text")[0].value, accumulator.Scalars("lr/other")[0].value
    assert text_lr == pytest.approx(0.5 * other_lr) and other_lr == pytest.approx(config.train.learning_rate)
    assert all(e.value > 0 for e in accumulator.Scalars("grad_norm/generator"))

    lines = [json.loads(line) for line in (folder / METRICS_FILE).read_text().splitlines()]
    assert [(line["step"], line["epoch"]) for line in lines] == [(1, 1), (2, 1), (3, 2), (4, 2)]  # one per step
    assert lines[2]["time"] >= crashed and lines[3]["loss/kl"] == pytest.approx(result.history[1].kl)
    plan = read_plan(folder)
    assert (plan.trainer, plan.epochs, plan.total_steps, plan.first_step) == ("s2", 2, 4, 3)

    for tag in ("mel/real", "mel/generated"):
        images = accumulator.Images(tag)
        assert [e.step for e in images] == [2, 4] and images[0].height == config.data.n_mel_channels
    assert [e.step for e in accumulator.Audio("sample/generated")] == [2, 4]
    sample = latest_sample(folder)
    audio, rate = soundfile.read(sample)
    # utt0.wav (first by name) rendered from its 1.3 s: 32 codes, 64 frames of 640 samples at 32 kHz
    assert sample.name == "step00000004-sample-generated.wav" and rate == 32000 and len(audio) == 64 * 640


def test_the_amp_scale_is_a_curve_when_mixed_precision_is_on():
    """On CUDA with fp16_run the GradScaler is enabled; a CPU scaler stands in for it here."""
    from GPT_SoVITS.AR.monitor import step_scalars as gpt_scalars
    from GPT_SoVITS.s2.monitor import step_scalars

    generator = torch.nn.Linear(2, 2)
    optim_g = torch.optim.AdamW([{"params": [generator.weight], "lr": 1e-4}, {"params": [generator.bias], "lr": 4e-5}])
    losses = trainer.StepLosses(disc=2.0, gen=1.0, fm=0.5, mel=30.0, kl=3.0, commit=0.0, total=34.5)
    enabled, disabled = torch.amp.GradScaler("cpu", init_scale=1024.0), torch.amp.GradScaler("cpu", enabled=False)
    values = step_scalars(losses, 12.0, 3.0, optim_g, enabled)
    assert set(values) == STEP_TAGS | {"amp/scale"} and values["amp/scale"] == 1024.0
    assert (values["lr/other"], values["lr/text"], values["loss/mel"]) == (1e-4, 4e-5, 30.0)
    assert "amp/scale" not in step_scalars(losses, 12.0, 3.0, optim_g, disabled)
    assert gpt_scalars(600.0, 0.5, 2.0, 200, 1e-4, enabled) == {
        "loss/sum": 600.0, "loss/per_token": 3.0, "accuracy/top3": 0.5, "lr": 1e-4, "grad_norm": 2.0, "amp/scale": 1024.0}


def test_a_sample_that_cannot_be_rendered_is_reported_and_training_goes_on(tmp_path, caplog):
    from GPT_SoVITS.s2 import monitor
    from GPT_SoVITS.s2.data import scan_experiment
    from GPT_SoVITS.training_log import open_training_log

    exp = make_experiment(tmp_path / "exp", TABLE, count=1)
    config = S2Config.from_dict(tiny_config(exp, tmp_path))
    (utterance,), _ = scan_experiment(exp, TABLE)
    utterance.ssl_path.unlink()  # a held-out utterance's features are never read by training itself
    log = open_training_log(tmp_path / "log", "s2", first_step=1)
    generator = trainer.build_models(config, TABLE, CPU).generator
    monitor.log_sample(log, generator, utterance, config, step=3)
    log.close()
    assert latest_sample(tmp_path / "log") is None
    assert any("step 3: no sample rendered" in r.getMessage() and "utt0.wav.pt" in r.getMessage() for r in caplog.records)
