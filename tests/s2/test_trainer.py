"""The s2 training loop on a tiny model: losses, mel improvement, frozen quantiser, export, resume."""

from __future__ import annotations

import math

import pytest
import torch

from GPT_SoVITS import weights_compat as wc
from GPT_SoVITS.module.discriminators import MultiPeriodDiscriminator
from GPT_SoVITS.s2 import data, trainer
from GPT_SoVITS.s2.evaluate import evaluate_mel
from GPT_SoVITS.module.config import S2Config
from GPT_SoVITS.text.symbols import get_table
from tests.s2.configs import tiny_config
from tests.s2.experiment import make_experiment

TABLE = get_table("v2")
CPU = trainer.Runtime(0, 1, torch.device("cpu"))


def small_discriminator(config):
    """The real scale + one period discriminator: the full five-period one costs ~10 s a step on CPU."""
    return MultiPeriodDiscriminator(periods=(2,))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Four steps (2 epochs of 2 batches) on 4 utterances; shared by the tests below."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(trainer, "build_discriminator", small_discriminator)
        root = tmp_path_factory.mktemp("s2train")
        exp = make_experiment(root / "exp", TABLE, count=4)
        config = S2Config.from_dict(tiny_config(exp, root, epochs=2, learning_rate=1e-3, segment_size=1280,
                                                if_save_latest=True))
        torch.manual_seed(config.train.seed)
        initial = trainer.build_models(config, TABLE, CPU).generator
        result = trainer.train(config, CPU)
    return config, initial, result


def _first_batch(config):
    utterances, _ = data.scan_experiment(config.exp_dir, TABLE)
    dataset = data.S2Dataset(utterances, data.SpectrogramParams(), use_cache=False)
    return data.collate([dataset[i] for i in range(len(dataset))])


def _trained_generator(config, result):
    torch.manual_seed(0)
    generator = trainer.build_models(config, TABLE, CPU).generator
    state = torch.load(result.state_file, weights_only=True)
    generator.load_state_dict(state["generator"])
    return generator


@pytest.mark.slow
def test_steps_have_finite_losses_and_mel_improves(trained):
    config, initial, result = trained
    assert (result.epoch, result.step) == (2, 4) and len(result.history) == 4
    for losses in result.history:
        assert all(math.isfinite(v) for v in vars(losses).values())
        assert losses.commit == 0.0  # frozen quantiser: no commitment loss
    batch = _first_batch(config)
    before = evaluate_mel(initial, batch, config)
    after = evaluate_mel(_trained_generator(config, result), batch, config)
    assert after < before * 0.95, (before, after)


@pytest.mark.slow
def test_frozen_quantizer_and_ssl_proj_are_bit_identical(trained):
    config, initial, result = trained
    generator = _trained_generator(config, result)
    frozen = [k for k in initial.state_dict() if k.startswith(("quantizer.", "ssl_proj."))]
    assert any(k.endswith("_codebook.embed") for k in frozen) and "ssl_proj.weight" in frozen
    for key in frozen:
        assert torch.equal(initial.state_dict()[key], generator.state_dict()[key]), key
    assert not torch.equal(initial.state_dict()["enc_p.proj.weight"], generator.state_dict()["enc_p.proj.weight"])


@pytest.mark.slow
def test_export_is_upstream_format_and_decodes(trained, tmp_path):
    config, _, result = trained
    assert [p.name for p in result.exports] == ["tiny_e1_s2.pth", "tiny_e2_s4.pth"]
    assert sorted(p.name for p in config.weight_dir.iterdir()) == ["tiny_e2_s4.pth"]  # if_save_latest
    checkpoint = wc.read_checkpoint(result.exports[-1])
    info = wc.identify(checkpoint)
    assert (info.kind, info.version, info.table) == ("s2G", "v2", TABLE)
    assert checkpoint["info"] == "2epoch_4iteration"
    assert checkpoint["config"]["model"]["hidden_channels"] == 16 and "max_steps" not in checkpoint["config"]["train"]
    assert not any(k.startswith("enc_q.") for k in checkpoint["weight"])
    assert checkpoint["weight"]["dec.conv_pre.weight"].dtype == torch.float16
    torch.manual_seed(1)
    generator = trainer.build_models(config, TABLE, CPU).generator
    wc.load_into(generator, result.exports[-1], table=TABLE, allow_missing=("enc_q.*",))
    generator.eval()
    codes = torch.randint(0, 1024, (1, 1, 10))
    refer = _first_batch(config).spec[:1]
    audio = generator.decode(codes, torch.tensor([[5, 9, 12, 40]]), refer)
    assert audio.shape == (1, 1, 20 * 640) and torch.isfinite(audio).all()
    exp_config = config.ckpt_dir / "config.json"
    assert exp_config.is_file() and '"name": "tiny"' in exp_config.read_text(encoding="utf-8")


def test_text_parts_train_at_the_low_rate_and_frozen_parts_are_excluded(tmp_path):
    exp = make_experiment(tmp_path / "exp", TABLE, count=1)
    config = S2Config.from_dict(tiny_config(exp, tmp_path, text_low_lr_rate=0.25, learning_rate=1e-3))
    models = trainer.build_models(config, TABLE, CPU)
    groups = models.optim_g.param_groups
    assert [g["lr"] for g in groups] == [1e-3, 0.25e-3]
    names = {id(p): n for n, p in models.generator.named_parameters()}
    text_names = {names[id(p)].split(".")[1] for p in groups[1]["params"]}
    assert text_names == {"text_embedding", "encoder_text", "mrte"}
    other = {names[id(p)] for p in groups[0]["params"]}
    assert not any(n.startswith(("ssl_proj.", "quantizer.")) for n in other)
    assert not models.generator.ssl_proj.weight.requires_grad
    models.generator.train()
    assert not models.generator.quantizer.training and not models.generator.ssl_proj.training
    unfrozen = S2Config.from_dict(tiny_config(exp, tmp_path, model={"freeze_quantizer": False}))
    models = trainer.build_models(unfrozen, TABLE, CPU)
    params = {id(p) for g in models.optim_g.param_groups for p in g["params"]}
    assert id(models.generator.ssl_proj.weight) in params


@pytest.mark.slow
def test_resume_continues_from_saved_step_and_matches_uninterrupted(tmp_path, monkeypatch):
    monkeypatch.setattr(trainer, "build_discriminator", small_discriminator)
    exp = make_experiment(tmp_path / "exp", TABLE, count=2, seconds=(1.3, 1.5))
    straight = S2Config.from_dict(tiny_config(exp, tmp_path / "straight", epochs=2, segment_size=1280))
    full = trainer.train(straight, CPU)
    split = S2Config.from_dict(tiny_config(exp, tmp_path / "split", epochs=1, segment_size=1280))
    first = trainer.train(split, CPU)
    assert (first.epoch, first.step) == (1, 1)
    split.train.epochs = 2
    second = trainer.train(split, CPU)
    assert (second.epoch, second.step) == (2, 2) and len(second.history) == 1
    assert [p.name for p in second.exports] == ["tiny_e2_s2.pth"]
    assert second.history[0] == full.history[1]
    a = torch.load(full.state_file, weights_only=True)["generator"]
    b = torch.load(second.state_file, weights_only=True)["generator"]
    assert all(torch.equal(a[k], b[k]) for k in a)
    again = trainer.train(split, CPU)  # nothing left to do
    assert (again.epoch, again.step, again.history) == (2, 2, [])


def test_export_describes_the_model_it_holds(tmp_path):
    """The export's config and symbols rebuild exactly its shapes, also for a table larger than v2."""
    from GPT_SoVITS.inference.loading import load_sovits
    from GPT_SoVITS.text.symbols import SymbolTable

    table = SymbolTable("v2+s2test", TABLE.symbols + ("s2test_a", "s2test_o", "s2test_x"), {}, base_name="v2")
    exp = make_experiment(tmp_path / "exp", TABLE, count=1)
    config = S2Config.from_dict(tiny_config(exp, tmp_path, max_steps=5, num_workers=0))
    run = trainer.Run(config, CPU, table, trainer.build_models(config, table, CPU))
    result = trainer.TrainResult(epoch=1, step=3)
    trainer.save_point(run, result, finished_epoch=1, export=True)
    checkpoint = wc.read_checkpoint(result.exports[0])
    rows = checkpoint["weight"]["enc_p.text_embedding.weight"].shape[0]
    assert rows == len(checkpoint["symbols"]) == len(table) == 735
    stored = checkpoint["config"]
    # upstream's reader builds the generator from `model.*` plus the data/train framing keys
    assert stored["model"]["version"] == checkpoint["version"] == "v2"
    assert stored["model"]["hidden_channels"] == 16 and stored["data"]["filter_length"] == 2048
    assert "max_steps" not in stored["train"] and "num_workers" not in stored["train"]  # trainer-only keys
    loaded = load_sovits(result.exports[0])  # ours: config + stored symbols -> strict load
    assert loaded.model.enc_p.text_embedding.weight.shape == (735, 16)
    assert loaded.table.symbols == table.symbols


def test_a_cut_short_epoch_is_logged_with_the_number_its_export_has(tmp_path, caplog):
    """An epoch stopped by max_steps: the export is `_e1_`, so the state's log line says epoch 1 too."""
    import logging

    exp = make_experiment(tmp_path / "exp", TABLE, count=1)
    config = S2Config.from_dict(tiny_config(exp, tmp_path, max_steps=3, num_workers=0))
    run = trainer.Run(config, CPU, TABLE, trainer.build_models(config, TABLE, CPU))
    result = trainer.TrainResult(epoch=1, step=3)
    with caplog.at_level(logging.INFO, logger="GPT_SoVITS.s2.checkpoints"):
        trainer.save_point(run, result, finished_epoch=0, export=True)
    assert result.exports[0].name == "tiny_e1_s3.pth"
    assert "saved the training state (epoch 1, not finished: a resume repeats it; step 3)" in caplog.text
    assert "(epoch 0" not in caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="GPT_SoVITS.s2.checkpoints"):
        trainer.save_point(run, trainer.TrainResult(epoch=1, step=4), finished_epoch=1, export=False)
    assert "saved the training state (epoch 1, step 4)" in caplog.text


def test_an_export_killed_after_the_state_was_saved_is_written_by_the_next_run(tmp_path, monkeypatch):
    """kill -9 between `state_latest.pt` and the export: the rerun writes the export the state promises
    (from the restored generator) and removes the temporary files the kill left."""
    monkeypatch.setattr(trainer, "build_discriminator", small_discriminator)
    exp = make_experiment(tmp_path / "exp", TABLE, count=2, seconds=(1.3, 1.5))
    config = S2Config.from_dict(tiny_config(exp, tmp_path / "run", epochs=1, segment_size=1280))
    real_export = trainer.checkpoints.export_weights

    def killed(*args, **kwargs):
        temp = config.weight_dir / ".tiny_e1_s1.pth.0badc0de.tmp"
        temp.parent.mkdir(parents=True, exist_ok=True)
        temp.write_bytes(b"half an export")
        raise SystemExit(137)

    monkeypatch.setattr(trainer.checkpoints, "export_weights", killed)
    with pytest.raises(SystemExit):
        trainer.train(config, CPU)
    state = torch.load(trainer.checkpoints.state_path(config.state_dir), weights_only=True)
    assert (state["epoch"], state["step"]) == (1, 1) and not (config.weight_dir / "tiny_e1_s1.pth").exists()
    (config.state_dir / ".state_latest.pt.12345678.tmp").write_bytes(b"x")

    monkeypatch.setattr(trainer.checkpoints, "export_weights", real_export)
    again = trainer.train(config, CPU)  # nothing left to train, but the export is owed
    assert (again.epoch, again.history) == (1, [])
    assert sorted(p.name for p in config.weight_dir.iterdir()) == ["tiny_e1_s1.pth"]
    assert sorted(p.name for p in config.state_dir.iterdir() if p.name.endswith(".tmp")) == []
    exported = wc.read_checkpoint(config.weight_dir / "tiny_e1_s1.pth")["weight"]
    saved = state["generator"]
    assert exported.keys() == {k for k in saved if not k.startswith("enc_q.")}
    assert all(torch.equal(exported[k], saved[k].half()) for k in exported)
    before = (config.weight_dir / "tiny_e1_s1.pth").stat().st_mtime_ns
    trainer.train(config, CPU)  # a readable export is left alone
    assert (config.weight_dir / "tiny_e1_s1.pth").stat().st_mtime_ns == before
