"""GPT_SoVITS.pretrained: presence checks and the message every entry point shows."""

from __future__ import annotations

from GPT_SoVITS.pretrained import PRETRAINED, is_present, missing_pretrained, missing_pretrained_message, pretrained_path
from tests.conftest import REPO_ROOT


def test_default_paths_are_upstreams_layout():
    assert pretrained_path("cnhubert") == REPO_ROOT / "GPT_SoVITS/pretrained_models/chinese-hubert-base"
    assert pretrained_path("s2G").name == "s2G2333k.pth" and pretrained_path("s2D").name == "s2D2333k.pth"
    assert pretrained_path("s1").name == "s1bert25hz-5kh-longer-epoch=12-step=369668.ckpt"


def test_pro_files_are_where_upstream_keeps_them():
    models = REPO_ROOT / "GPT_SoVITS/pretrained_models"
    for version in ("v2Pro", "v2ProPlus"):
        assert pretrained_path(f"s2G_{version}") == models / "v2Pro" / f"s2G{version}.pth"
        assert pretrained_path(f"s2D_{version}") == models / "v2Pro" / f"s2D{version}.pth"
        assert PRETRAINED[f"s2G_{version}"].hub_files == (f"v2Pro/s2G{version}.pth",)
    assert pretrained_path("s1v3") == models / "s1v3.ckpt"
    assert pretrained_path("sv") == models / "sv" / "pretrained_eres2netv2w24s4ep4.ckpt"
    assert PRETRAINED["sv"].hub_files == ("sv/pretrained_eres2netv2w24s4ep4.ckpt",)


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
    assert "python tools/download_pretrained.py --only s2G`" in message and "lj1995/GPT-SoVITS" in message
    everything = missing_pretrained_message()
    assert everything.count("\n  - ") == len(PRETRAINED) and "default location" not in everything
    assert "python tools/download_pretrained.py`" in everything


def test_download_tool_fetches_a_versions_items(monkeypatch, tmp_path):
    """`--version v2ProPlus`: the v2ProPlus G/D under v2Pro/, s1v3.ckpt and the speaker encoder (no network here)."""
    from GPT_SoVITS import pretrained
    from tools import download_pretrained

    fetched = []
    monkeypatch.setattr(pretrained, "REPO_ROOT", tmp_path)  # nothing is present there
    monkeypatch.setattr(download_pretrained, "_download", lambda hub_file, root: fetched.append(hub_file) or root / hub_file)
    assert download_pretrained.main(["--version", "v2ProPlus"]) == 0
    assert fetched == ["chinese-hubert-base/config.json", "chinese-hubert-base/pytorch_model.bin",
                       "v2Pro/s2Gv2ProPlus.pth", "v2Pro/s2Dv2ProPlus.pth", "s1v3.ckpt",
                       "sv/pretrained_eres2netv2w24s4ep4.ckpt"]
    assert download_pretrained.selected_items(["sv"], "v2") == ["sv", "cnhubert", "s2G", "s2D", "s1"]
    assert download_pretrained.selected_items(None, None) == list(PRETRAINED)
