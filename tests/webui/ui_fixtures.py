"""A tiny Russian project for the browser test: espeak-ng clips, a .list, tiny configs and pretrained files.

Everything is built in a temp folder and laid out like a real checkout's working folder
(`GPT_SoVITS/pretrained_models/...` under the UI's `--root`), so the UI finds the pretrained
files at their default places: the v2 HuBERT and s2G, and for the v2ProPlus flow a tiny
v2ProPlus s2G (with its tiny config, `--s2v2ProPlus-config`) and a seeded full-size speaker encoder.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path

import torch
import yaml

from GPT_SoVITS import weights_compat as wc
from GPT_SoVITS.module.config import S2Config
from GPT_SoVITS.module.models import build_generator
from GPT_SoVITS.text.symbols import default_table_name, get_table
from tests.conftest import REPO_ROOT
from tests.feature_extractor.tiny_hubert import tiny_hubert
from tests.prepare.audio_fixtures import write_speech
from tests.pro_fixtures import save_tiny_pro_s2g, write_tiny_pro_config
from tests.sv_fixtures import save_seeded_sv

SENTENCES = {
    "a.wav": "Привет, как у тебя дела сегодня?",
    "b.wav": "Мы поехали на дачу в субботу утром.",
    "c.wav": "Завтра будет тёплый и солнечный день.",
}
REFERENCE_TEXT = "Сегодня хорошая погода, и мы пойдём гулять в парк у реки."

TINY_S2_MODEL = {
    "inter_channels": 16, "hidden_channels": 16, "filter_channels": 32, "n_heads": 2, "n_layers": 1,
    "kernel_size": 3, "p_dropout": 0.0, "resblock_kernel_sizes": [3], "resblock_dilation_sizes": [[1, 3]],
    "upsample_initial_channel": 32, "gin_channels": 16, "version": "v2",
}


@dataclass(frozen=True)
class TinyProject:
    root: Path
    list_path: Path
    wav_dir: Path
    reference: Path
    s2_config: Path
    s1_config: Path
    s2_plus_config: Path


def tiny_s2_config_file(path: Path) -> Path:
    config = copy.deepcopy(json.loads((REPO_ROOT / "configs" / "s2.json").read_text(encoding="utf-8")))
    config["model"].update(TINY_S2_MODEL)
    config["train"].update(segment_size=5120, log_interval=1, min_epoch_items=1, num_workers=0)
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def tiny_s1_config_file(path: Path) -> Path:
    config = yaml.safe_load((REPO_ROOT / "configs" / "s1longer-v2.yaml").read_text(encoding="utf-8"))
    config["model"].update(embedding_dim=32, hidden_dim=32, head=2, n_layer=2, linear_units=64,
                           phoneme_vocab_size=len(get_table(default_table_name())))
    config["data"].update(num_workers=0, min_items_per_epoch=4)
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def save_pretrained_s2g(path: Path, s2_config: Path) -> Path:
    """A random tiny generator in upstream's pretrained format (with enc_q), Russian table."""
    config = S2Config.from_file(s2_config)
    table = get_table(default_table_name())
    torch.manual_seed(0)
    model = build_generator(config, table)
    path.parent.mkdir(parents=True, exist_ok=True)
    wc.save_checkpoint(path, model.state_dict(), config=config.to_dict(), info="pretrained", table=table)
    return path


def make_project(base: Path) -> TinyProject:
    root = base / "root"
    wav_dir = base / "wavs"
    wav_dir.mkdir(parents=True)
    lines = []
    for name, text in SENTENCES.items():
        write_speech(wav_dir / name, text)
        lines.append(f"{name}|speaker|ru|{text}")
    list_path = base / "voice.list"
    list_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    reference = write_speech(base / "reference.wav", REFERENCE_TEXT)
    s2_config = tiny_s2_config_file(base / "tiny_s2.json")
    s1_config = tiny_s1_config_file(base / "tiny_s1.yaml")
    pretrained = root / "GPT_SoVITS" / "pretrained_models"
    tiny_hubert(seed=0).save_pretrained(pretrained / "chinese-hubert-base")
    save_pretrained_s2g(pretrained / "gsv-v2final-pretrained" / "s2G2333k.pth", s2_config)
    s2_plus_config = write_tiny_pro_config(base / "tiny_s2v2ProPlus.json", "v2ProPlus")
    save_tiny_pro_s2g(pretrained / "v2Pro" / "s2Gv2ProPlus.pth", "v2ProPlus")
    save_seeded_sv(pretrained / "sv" / "pretrained_eres2netv2w24s4ep4.ckpt")
    return TinyProject(root, list_path, wav_dir, reference, s2_config, s1_config, s2_plus_config)
