"""GPT_SoVITS.pretrained: presence checks and the message every entry point shows."""

from __future__ import annotations

from GPT_SoVITS.pretrained import is_present, missing_pretrained, missing_pretrained_message, pretrained_path
from tests.conftest import REPO_ROOT


def test_default_paths_are_upstreams_layout():
    assert pretrained_path("cnhubert") == REPO_ROOT / "GPT_SoVITS/pretrained_models/chinese-hubert-base"
    assert pretrained_path("s2G").name == "s2G2333k.pth" and pretrained_path("s2D").name == "s2D2333k.pth"
    assert pretrained_path("s1").name == "s1bert25hz-5kh-longer-epoch=12-step=369668.ckpt"


def test_a_folder_needs_config_and_weights(tmp_path):
    folder = tmp_path / "hubert"
    folder.mkdir()
    assert not is_present("cnhubert", folder)
    (folder / "config.json").write_text("{}")
    assert not is_present("cnhubert", folder)
    (folder / "model.safetensors").write_bytes(b"x")
    assert is_present("cnhubert", folder)
    assert missing_pretrained({"cnhubert": folder, "s2G": tmp_path / "s2G.pth"}) == {"s2G": tmp_path / "s2G.pth"}


def test_message_names_each_missing_item_and_the_tool(tmp_path):
    message = missing_pretrained_message({"s2G": tmp_path / "x.pth"})
    assert f"SoVITS v2 generator (stage 3, SoVITS training): file {tmp_path / 'x.pth'}" in message
    assert "(default location: GPT_SoVITS/pretrained_models/gsv-v2final-pretrained/s2G2333k.pth)" in message
    assert "python tools/download_pretrained.py" in message and "lj1995/GPT-SoVITS" in message
    everything = missing_pretrained_message()
    assert everything.count("\n  - ") == 4 and "default location" not in everything
