"""Upstream-format GPT checkpoints load strictly through weights_compat; exports reload exactly."""

from __future__ import annotations

import torch

from tests.AR.helpers import russian_or_test_table, tiny_config, upstream_config
from tests.conftest import manifest_path

from GPT_SoVITS import weights_compat as wc
from GPT_SoVITS.AR.models.t2s_model import build_text2semantic
from GPT_SoVITS.AR.train import CHECKPOINT_PREFIX
from GPT_SoVITS.manifest import random_state_dict, read_manifest
from GPT_SoVITS.text.symbols import get_table


def upstream_checkpoint(path):
    """A random pretrained-like s1 file: fp16 `model.*` weights, the yaml config and an info string."""
    weight = random_state_dict(read_manifest(manifest_path("s1_v2")), seed=3)
    torch.save({"weight": weight, "config": upstream_config(), "info": "pretrained-like"}, path)
    return weight


def test_upstream_s1_checkpoint_loads_strictly_into_v2(tmp_path):
    weight = upstream_checkpoint(tmp_path / "s1.ckpt")
    model = build_text2semantic(upstream_config(), get_table("v2"))
    report = wc.load_into(model, tmp_path / "s1.ckpt", table="v2", kind="s1")
    assert report.copied == 732 and report.new == () and report.dropped == ()
    state = model.state_dict()
    for key in ("h.layers.23.linear2.weight", "ar_text_embedding.word_embeddings.weight", "ar_audio_position.alpha"):
        torch.testing.assert_close(state[key], weight["model." + key].float())


def test_upstream_s1_checkpoint_loads_into_the_russian_table(tmp_path):
    weight = upstream_checkpoint(tmp_path / "s1.ckpt")
    table = russian_or_test_table()
    model = build_text2semantic(upstream_config(), table)
    report = wc.load_into(model, tmp_path / "s1.ckpt", table=table, kind="s1")
    new = len(table) - 732
    assert report.copied == 732 and len(report.new) == new
    rows = model.state_dict()["ar_text_embedding.word_embeddings.weight"]
    source = weight["model.ar_text_embedding.word_embeddings.weight"].float()
    torch.testing.assert_close(rows[:732], source)
    symbol = table.symbols[732]
    alikes = [get_table("v2").id_of(s) for s in table.look_alikes(symbol)]
    expected = source[alikes].mean(0) if alikes else source.mean(0)
    torch.testing.assert_close(rows[732], expected)


def test_export_then_reload_gives_the_same_logits(tmp_path):
    torch.manual_seed(0)
    config = tiny_config()
    model = build_text2semantic(config, "v2").eval()
    with torch.no_grad():  # fp16 export: make the weights exactly representable in half precision
        for param in model.parameters():
            param.copy_(param.half().float())
    weight = {CHECKPOINT_PREFIX + k: v for k, v in model.state_dict().items()}
    wc.save_checkpoint(tmp_path / "exp-e1.ckpt", weight, config=config, info="GPT-e1", table="v2", version="v2")
    stored = wc.read_checkpoint(tmp_path / "exp-e1.ckpt")
    assert stored["info"] == "GPT-e1" and stored["config"]["model"]["n_layer"] == 2
    assert all(k.startswith("model.") and v.dtype == torch.float16 for k, v in stored["weight"].items())
    reloaded = build_text2semantic(stored["config"], "v2").eval()
    wc.load_into(reloaded, stored, table="v2", kind="s1")
    x = torch.randint(0, 732, (1, 6))
    bert = torch.randn(1, 1024, 6)
    y = torch.randint(0, 1024, (1, 9))
    lens = (torch.tensor([6]), torch.tensor([9]))
    a, _ = model.logits_and_targets(x, lens[0], y, lens[1], bert)
    b, _ = reloaded.logits_and_targets(x, lens[0], y, lens[1], bert)
    torch.testing.assert_close(a, b)
