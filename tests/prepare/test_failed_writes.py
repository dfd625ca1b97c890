"""Stage outputs on a full disk or in a read-only folder: one error naming the file and the cause."""

from __future__ import annotations

import pytest
import torch

from GPT_SoVITS.errors import GptSovitsError, OutputError
from GPT_SoVITS.module.models import build_generator
from GPT_SoVITS.prepare.semantic import run_semantic_stage
from GPT_SoVITS.prepare.stage_env import StageEnv
from GPT_SoVITS.prepare.text_stage import run_text_stage
from GPT_SoVITS.text.symbols import get_table
from tests.module.tiny import tiny_s2_config
from tests.prepare import fake_frontend


def _env(list_path, opt_dir) -> StageEnv:
    return StageEnv.from_environ({"inp_text": str(list_path), "opt_dir": str(opt_dir)})


def test_semantic_part_on_a_full_disk(tmp_path, small_disk):
    disk = small_disk(256 * 1024)
    opt_dir = disk.path / "exp"
    (opt_dir / "4-cnhubert").mkdir(parents=True)
    torch.save(torch.randn(1, 768, 40), opt_dir / "4-cnhubert" / "a.wav.pt")  # 120 kB
    (tmp_path / "data.list").write_text("/data/a.wav|spk|ru|привет\n", encoding="utf-8")
    disk.fill()
    model = build_generator(tiny_s2_config(), "v2").eval()
    model.quantizer.vq.layers[0]._codebook.inited.fill_(1)
    part = opt_dir / "6-name2semantic-0.tsv"
    with pytest.raises(OutputError, match=f"^{part}: cannot write it: no space left on device"):
        run_semantic_stage(_env(tmp_path / "data.list", opt_dir), model=model)
    assert not part.exists() and not list(opt_dir.glob(".*.tmp"))


def test_text_part_in_a_read_only_folder(tmp_path, read_only_folder, monkeypatch):
    fake_frontend.register(monkeypatch)
    folder, cause = read_only_folder
    (tmp_path / "data.list").write_text("wavs/a.wav|spk|xx|ok\n", encoding="utf-8")
    with pytest.raises(GptSovitsError, match=f"^{folder / '2-name2text-0.txt'}: cannot write it: {cause}"):
        run_text_stage(_env(tmp_path / "data.list", folder), table=get_table("v2"))
