"""The GPT trainer: learning, resuming, exporting, the CLI and torchrun, on tiny synthetic data."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch
import yaml

from tests.AR.helpers import appended_table, batch_from, synthetic_pairs, tiny_config, train_yaml
from tests.conftest import REPO_ROOT

from GPT_SoVITS import weights_compat as wc
from GPT_SoVITS.AR.models.t2s_model import build_text2semantic
from GPT_SoVITS.AR.train import CHECKPOINT_PREFIX, lr_factor, train
from GPT_SoVITS.AR import train_config
from GPT_SoVITS.AR.train_config import AdamWSettings, S1TrainConfig, load_config
from GPT_SoVITS.errors import ConfigError
from GPT_SoVITS.text.symbols import get_table, register_table


def test_loss_falls_on_a_learnable_pattern():
    torch.manual_seed(0)
    model = build_text2semantic(tiny_config(), "v2").train()
    batches = [batch_from(synthetic_pairs(8, seed=s), get_table("v2")) for s in range(4)]
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-3)
    losses = []
    for step in range(150):
        b = batches[step % 4]
        loss, acc = model(b["phoneme_ids"], b["phoneme_ids_len"], b["semantic_ids"], b["semantic_ids_len"], b["bert_feature"])
        optimizer.zero_grad()
        (loss / b["semantic_ids"].numel()).backward()
        optimizer.step()
        losses.append(float(loss.detach()) / b["semantic_ids"].numel())
    first, last = sum(losses[:8]) / 8, sum(losses[-8:]) / 8
    assert last < 0.25 * first, (first, last)
    assert float(acc) > 0.7


def test_schedule_warms_up_then_decays_to_the_floor():
    settings = AdamWSettings(warmup_steps=10, final_lr_ratio=0.1)
    factors = [lr_factor(s, 100, settings) for s in range(100)]
    assert factors[0] == pytest.approx(0.1) and factors[9] == pytest.approx(1.0)
    assert all(a >= b for a, b in zip(factors[10:], factors[11:]))
    assert lr_factor(100, 100, settings) == pytest.approx(0.1)


def test_resumed_run_equals_uninterrupted_run(tmp_path):
    straight = load_config(train_yaml(tmp_path / "a", epochs=3))
    full = train(straight)
    resumed = load_config(train_yaml(tmp_path / "b", epochs=3))
    part = train(resumed, stop_after_epoch=1)
    assert part.epochs_done == 1
    rest = train(resumed)
    # 12 utterances repeated to 24 items per epoch (min_items_per_epoch 16), batches of 4: 6 steps per epoch
    assert (rest.epochs_done, rest.steps) == (full.epochs_done, full.steps) == (3, 18)
    assert [p.name for p in rest.exports] == ["exp-e2.ckpt", "exp-e3.ckpt"]  # epoch 1 was not repeated
    a = torch.load(straight.state_path, weights_only=True)
    b = torch.load(resumed.state_path, weights_only=True)
    assert (a["epoch"], a["step"]) == (b["epoch"], b["step"]) == (3, 18)
    for key, value in a["model"].items():
        torch.testing.assert_close(b["model"][key], value, rtol=0, atol=0)
    assert train(resumed).steps == 18  # finished: nothing more to do


def test_only_the_latest_export_is_kept_without_if_save_every_weights(tmp_path):
    config = load_config(train_yaml(tmp_path, epochs=2, if_save_every_weights=False, if_save_latest=False))
    train(config)
    assert sorted(p.name for p in config.half_weights_save_dir.iterdir()) == ["exp-e2.ckpt"]
    kept = sorted(p.name for p in config.state_path.parent.glob("epoch=*.pt"))
    assert kept == ["epoch=1-step=6.pt", "epoch=2-step=12.pt"]


def test_config_errors_stop_before_work(tmp_path):
    raw = yaml.safe_load(train_yaml(tmp_path).read_text())
    with pytest.raises(ConfigError, match="train.precision '16' is not one of"):
        S1TrainConfig.from_dict({**raw, "train": {**raw["train"], "precision": "16"}})
    with pytest.raises(ConfigError, match="`train_phoneme_path` is required"):
        S1TrainConfig.from_dict({**raw, "train_phoneme_path": ""})
    with pytest.raises(ConfigError, match="data.num_workers must be 0 .* or more, got -1"):
        S1TrainConfig.from_dict({**raw, "data": {**raw["data"], "num_workers": -1}})
    config = S1TrainConfig.from_dict({**raw, "some_future_key": 1})  # unknown upstream keys are kept
    assert config.raw["some_future_key"] == 1 and config.raw["train"]["if_dpo"] is False


def test_unknown_and_misspelt_keys_are_named_with_a_suggestion_and_kept(tmp_path, caplog):
    raw = yaml.safe_load(train_yaml(tmp_path).read_text())
    raw["adamw"] = {**raw["adamw"], "lr_peak": 1, "warmup_step": 7}  # ours, misspelt
    raw["train"]["save_every_n_epochs"] = 3  # upstream's, misspelt
    raw["model"]["n_layers"] = 4
    raw["symbol_tabel"] = "v2"
    with caplog.at_level("WARNING"):
        config = S1TrainConfig.from_dict(raw, "tmp_s1.yaml")
    warnings = {r.getMessage() for r in caplog.records if r.levelname == "WARNING"}
    kept = "is not used (kept in the saved config)"
    assert warnings == {
        f"tmp_s1.yaml: unknown key symbol_tabel {kept}; did you mean symbol_table?",
        f"tmp_s1.yaml: unknown key train.save_every_n_epochs {kept}; did you mean train.save_every_n_epoch?",
        f"tmp_s1.yaml: unknown key model.n_layers {kept}; did you mean model.n_layer?",
        f"tmp_s1.yaml: unknown key adamw.lr_peak {kept}",
        f"tmp_s1.yaml: unknown key adamw.warmup_step {kept}; did you mean adamw.warmup_steps?",
    }, warnings
    assert config.adamw.warmup_steps == 2 and config.save_every_n_epoch == 1  # the misspellings set nothing
    assert config.raw == raw  # ...and round-trip into the exported config


def test_shipped_config_gets_no_warning(caplog):
    from tests.AR.helpers import upstream_config

    raw = {**upstream_config(), "train_semantic_path": "a", "train_phoneme_path": "b", "output_dir": "c"}
    with caplog.at_level("WARNING"):
        S1TrainConfig.from_dict(raw, "configs/s1longer-v2.yaml")
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == []


def run_cli(command: list[str], tmp_path, timeout: int = 240) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "OMP_NUM_THREADS": "1"}
    return subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def tiny_pretrained(path) -> None:
    torch.manual_seed(7)
    model = build_text2semantic(tiny_config(), "v2")
    weight = {CHECKPOINT_PREFIX + k: v for k, v in model.state_dict().items()}
    wc.save_checkpoint(path, weight, config=tiny_config(), info="tiny", table="v2")


def test_cli_trains_from_a_pretrained_file_and_exports(tmp_path):
    tiny_pretrained(tmp_path / "pre.ckpt")
    config_path = train_yaml(tmp_path, epochs=2, pretrained=str(tmp_path / "pre.ckpt"))
    result = run_cli([sys.executable, "GPT_SoVITS/s1_train.py", "--config_file", str(config_path)], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "loaded pretrained" in result.stderr and "732 rows copied by name" in result.stderr  # the log
    assert "GPT training done: 2 epochs, 12 steps" in result.stdout
    export = wc.read_checkpoint(tmp_path / "GPT_weights_v2" / "exp-e2.ckpt")
    assert export["info"] == "GPT-e2" and export["version"] == "v2"
    assert export["config"]["train_phoneme_path"].endswith("2-name2text.txt")
    assert wc.identify(export).kind == "s1"


def test_cli_reports_a_bad_config_in_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("train: {epochs: 0}\ntrain_semantic_path: a\ntrain_phoneme_path: b\noutput_dir: c\n")
    result = run_cli([sys.executable, "GPT_SoVITS/s1_train.py", "--config_file", str(bad)], tmp_path)
    assert result.returncode == 1 and "train.epochs must be at least 1" in result.stderr


@pytest.mark.slow  # ~10 s alone, ~25 s on a loaded 2-core machine (two processes start torch)
def test_torchrun_two_cpu_processes_train_two_steps_each(tmp_path):
    config_path = train_yaml(tmp_path, epochs=1, batch_size=6)  # 24 items: 4 batches, 2 per rank
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               "GPT_SoVITS/s1_train.py", "--config_file", str(config_path)]
    result = run_cli(command, tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count("GPT training done: 1 epochs, 2 steps") == 1  # rank 0 prints, 2 steps per rank
    assert (tmp_path / "GPT_weights_v2" / "exp-e1.ckpt").is_file()
    folder = tmp_path / "logs" / "exp" / "logs_s1_v2"  # only rank 0 writes the curves
    assert len(list(folder.glob("events.out.tfevents.*"))) == 1
    assert len((folder / "metrics.jsonl").read_text().splitlines()) == 2


def test_export_config_describes_the_model_it_holds(tmp_path, symbol_registry):
    """A table larger than the yaml's 732: the export's config says the real row count, so a reader
    that builds the GPT from the config alone (upstream's does) gets the weights' shape."""
    table = appended_table()
    register_table(table.name, lambda: table)  # the yaml names the table; the fixture forgets it afterwards
    config = load_config(train_yaml(tmp_path, epochs=1, table=table.name))
    assert config.raw["model"]["phoneme_vocab_size"] == 732
    train(config)
    export = wc.read_checkpoint(tmp_path / "GPT_weights_v2" / "exp-e1.ckpt")
    rows = export["weight"]["model.ar_text_embedding.word_embeddings.weight"].shape[0]
    assert rows == len(export["symbols"]) == export["config"]["model"]["phoneme_vocab_size"] == len(table) == 735
    model = build_text2semantic(export["config"], None)  # from the config alone, no table
    weights = {key[len(CHECKPOINT_PREFIX):]: value.float() for key, value in export["weight"].items()}
    model.load_state_dict(weights, strict=True)


@pytest.mark.parametrize("cpus,configured,expected", [
    (2, None, 1), (1, None, 0), (16, None, 4),  # absent: one per spare CPU, at most upstream's 4
    (2, 4, 2), (2, 0, 0), (16, 8, 8),  # given: as given, but never more than the CPUs (torch warns above)
])
def test_loader_workers_fit_the_machine(tmp_path, monkeypatch, cpus, configured, expected):
    monkeypatch.setattr(train_config, "available_cpus", lambda: cpus)
    raw = yaml.safe_load(train_yaml(tmp_path).read_text())
    raw["data"].pop("num_workers")
    if configured is not None:
        raw["data"]["num_workers"] = configured
    assert S1TrainConfig.from_dict(raw).num_workers == expected
    assert raw["data"].get("num_workers") == configured  # the config itself is kept as written


def test_suggested_workers_for_the_ui_field(monkeypatch):
    monkeypatch.setattr(train_config, "available_cpus", lambda: 2)
    assert [train_config.suggested_workers(c) for c in (None, 4, 0)] == [1, 1, 0]
    monkeypatch.setattr(train_config, "available_cpus", lambda: 16)
    assert [train_config.suggested_workers(c) for c in (None, 4, 2)] == [4, 4, 2]


def test_upstream_worker_count_raises_no_torch_warning_here(tmp_path):
    """configs/ asks for 4 workers; on this machine's CPUs (2 in CI) the loader must not warn."""
    import warnings

    from torch.utils.data import DataLoader

    raw = yaml.safe_load(train_yaml(tmp_path).read_text())
    raw["data"]["num_workers"] = 4
    for data in (raw["data"], {k: v for k, v in raw["data"].items() if k != "num_workers"}):
        config = S1TrainConfig.from_dict({**raw, "data": data})
        loader = DataLoader(range(4), num_workers=config.num_workers)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            loader.check_worker_number_rationality()


def test_exp_flags_write_the_config_the_ui_writes(tmp_path):
    """`--exp` and the UI's GPT button build the same tmp_s1.yaml, byte for byte."""
    from GPT_SoVITS.AR.train_config import GPTChoices
    from GPT_SoVITS.webui.configs import write_s1_config

    root = tmp_path / "root"
    tiny_pretrained(tmp_path / "pre.ckpt")
    choices = GPTChoices("голос", batch_size=5, epochs=3, save_every_n_epoch=2, if_save_every_weights=False,
                         pretrained_s1=str(tmp_path / "pre.ckpt"), num_workers=3)
    ui_file = write_s1_config(REPO_ROOT / "configs" / "s1longer-v2.yaml", choices, root, cuda=False)
    cli_file = tmp_path / "cli.yaml"
    result = run_cli([sys.executable, "GPT_SoVITS/s1_train.py", "--exp", "голос", "--batch-size", "5", "--epochs", "3",
                      "--save-every", "2", "--no-if-save-every-weights", "--pretrained-s1", str(tmp_path / "pre.ckpt"),
                      "--num-workers", "3", "--logs-dir", str(root / "logs"), "--weights-dir",
                      str(root / "GPT_weights_v2"), "--write-config", str(cli_file)], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert cli_file.read_bytes() == ui_file.read_bytes()
    assert yaml.safe_load(cli_file.read_text(encoding="utf-8"))["data"]["num_workers"] == 3
