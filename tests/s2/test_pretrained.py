"""Full-size pretrained G/D (random, upstream format, from the manifests) load into the Russian table."""

from __future__ import annotations

import copy
import json

import torch

from GPT_SoVITS.manifest import random_state_dict, read_manifest
from GPT_SoVITS.s2 import trainer
from GPT_SoVITS.module.config import S2Config
from GPT_SoVITS.text.symbols import get_table
from tests.conftest import REPO_ROOT, manifest_path
from tests.s2.experiment import make_experiment

CPU = trainer.Runtime(0, 1, torch.device("cpu"))


def _upstream_file(path, name: str, config: dict) -> dict:
    weight = random_state_dict(read_manifest(manifest_path(name)), seed=7)
    torch.save({"weight": weight, "config": config, "info": "pretrained"}, path)
    return weight


def test_pretrained_v2_files_load_into_russian_table(tmp_path, caplog):
    table = get_table("v2+ru")
    v2 = get_table("v2")
    assert len(table) > len(v2)
    base = json.loads((REPO_ROOT / "configs" / "s2.json").read_text(encoding="utf-8"))
    g_weight = _upstream_file(tmp_path / "s2G2333k.pth", "s2G_v2", base)
    d_weight = _upstream_file(tmp_path / "s2D2333k.pth", "s2D_v2", base)
    config = copy.deepcopy(base)
    config["model"]["version"] = "v2"
    config["data"]["exp_dir"] = str(make_experiment(tmp_path / "exp", v2, count=1))
    config["train"].update({"pretrained_s2G": str(tmp_path / "s2G2333k.pth"), "pretrained_s2D": str(tmp_path / "s2D2333k.pth")})
    config.update({"s2_ckpt_dir": str(tmp_path / "logs"), "save_weight_dir": str(tmp_path / "w"), "symbol_table": "v2+ru"})
    config = S2Config.from_dict(config)
    run = trainer.Run(config, CPU, table, trainer.build_models(config, table, CPU))
    models = run.models
    with caplog.at_level("INFO"):
        assert trainer.restore_or_load_pretrained(run) == (0, 0)
    generator, discriminator = models.generator.state_dict(), models.discriminator.state_dict()
    embedding = generator["enc_p.text_embedding.weight"]
    assert embedding.shape == (len(table), 192)
    source = g_weight["enc_p.text_embedding.weight"].float()
    for symbol in ("a1", "SP", ",", "AA"):
        assert torch.equal(embedding[table.id_of(symbol)], source[v2.id_of(symbol)])
    for key in ("dec.conv_pre.weight", "quantizer.vq.layers.0._codebook.embed", "enc_q.pre.weight"):
        assert torch.equal(generator[key], g_weight[key].float()), key
    for key in d_weight:
        assert torch.equal(discriminator[key], d_weight[key].float()), key
    messages = [r.getMessage() for r in caplog.records if r.name == "GPT_SoVITS.s2.trainer"]
    assert any(m.startswith("pretrained G:") and "v2 (732) -> v2+ru" in m for m in messages), messages
    assert any(m.startswith("pretrained D:") and "s2D" in m for m in messages), messages
