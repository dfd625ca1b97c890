"""weights_compat and the v2Pro/v2ProPlus family: upstream's version bytes in place of `PK`
(read, checked against the content, written by exports), identification, and the GPT `s1v3.ckpt`."""

from __future__ import annotations

import io

import pytest
import torch

from GPT_SoVITS import weights_compat as wc
from GPT_SoVITS.errors import CheckpointError
from GPT_SoVITS.manifest import ManifestModule, random_state_dict, read_manifest
from GPT_SoVITS.text.symbols import default_table_name, get_table
from tests.conftest import manifest_path
from tests.test_weights_compat import run_cli

S2G_KEY = wc.TEXT_EMBEDDING_KEYS["s2G"]
S1_KEY = wc.TEXT_EMBEDDING_KEYS["s1"]


def _inference_weight(version: str, seed: int = 0) -> dict[str, torch.Tensor]:
    """A random fp16 Pro generator as upstream exports it: every key but `enc_q.*`."""
    weight = random_state_dict(read_manifest(manifest_path(f"s2G_{version}")), seed=seed)
    return {key: value for key, value in weight.items() if not key.startswith("enc_q.")}


def _upstream_marked_file(path, version: str, marker: bytes, weight=None) -> bytes:
    """What upstream's `savee` writes: torch.save into memory, `PK` replaced by the marker."""
    buffer = io.BytesIO()
    config = {"model": {"version": version, "gin_channels": 1024}, "data": {"sampling_rate": 32000}}
    torch.save({"weight": weight or _inference_weight(version), "config": config, "info": "8epoch_96iteration"}, buffer)
    data = marker + buffer.getvalue()[2:]
    path.write_bytes(data)
    return data


@pytest.mark.parametrize("version,marker", [("v2Pro", b"05"), ("v2ProPlus", b"06")])
def test_upstream_pro_export_is_read_identified_and_loaded(tmp_path, version, marker):
    path = tmp_path / f"voice_{version}.pth"
    _upstream_marked_file(path, version, marker)
    checkpoint = wc.read_checkpoint(path)
    assert checkpoint[wc.HEADER_KEY] == version and checkpoint["config"]["model"]["version"] == version
    info = wc.identify(checkpoint)
    assert (info.kind, info.version, info.table.name, info.text_rows) == ("s2G", version, "v2", 732)
    ru = get_table(default_table_name())
    module = ManifestModule(read_manifest(manifest_path(f"s2G_{version}")), overrides={S2G_KEY: (len(ru), 192)})
    report = wc.load_into(module, path, table=ru, allow_missing=("enc_q.*",))
    assert report.info.version == version and report.copied == 732 and len(report.new) == len(ru) - 732
    assert torch.equal(module.state_dict()["sv_emb.weight"], checkpoint["weight"]["sv_emb.weight"].float())


@pytest.mark.parametrize("version,marker", [("v2Pro", b"05"), ("v2ProPlus", b"06")])
def test_pro_export_round_trip_writes_upstreams_version_bytes(tmp_path, version, marker):
    weight = _inference_weight(version, seed=1)
    ru = get_table(default_table_name())
    weight[S2G_KEY] = torch.randn(len(ru), 192).half()
    config = {"model": {"version": version}, "train": {"epochs": 2}}
    path = tmp_path / "SoVITS_weights" / "voice_e2_s20.pth"
    wc.save_checkpoint(path, weight, config=config, info="2epoch_20iteration", table=ru, version=version,
                       upstream_header=True)
    data = path.read_bytes()
    assert data[:2] == marker and data[2:4] == b"\x03\x04"  # the rest of the zip's local header
    # Upstream's loader: put `PK` back and torch.load; a plain weights_only load reads the result.
    plain = torch.load(io.BytesIO(b"PK" + data[2:]), map_location="cpu", weights_only=True)
    assert {"weight", "config", "info"} <= set(plain) and plain["config"] == config
    assert plain["info"] == "2epoch_20iteration" and plain["version"] == version
    assert set(plain["weight"]) == set(weight) and all(plain["weight"][k].dtype == torch.float16 for k in weight)
    back = wc.read_checkpoint(path)
    assert back[wc.HEADER_KEY] == version and wc.identify(back).table == ru
    assert all(torch.equal(back["weight"][key], weight[key]) for key in weight)


def test_marked_file_converts_and_stays_marked(tmp_path):
    source = tmp_path / "plus.pth"
    _upstream_marked_file(source, "v2ProPlus", b"06")
    out = tmp_path / "plus_ru.pth"
    result = run_cli("convert", str(source), "--symbols", default_table_name(), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:2] == b"06"
    assert wc.identify(wc.read_checkpoint(out)).version == "v2ProPlus"
    inspected = run_cli("inspect", str(out))
    assert "version:    v2ProPlus" in inspected.stdout and "header:     upstream version bytes '06'" in inspected.stdout


def test_version_bytes_that_contradict_the_weights_are_an_error(tmp_path):
    path = tmp_path / "relabelled.pth"
    _upstream_marked_file(path, "v2ProPlus", b"05", weight=_inference_weight("v2ProPlus"))
    with pytest.raises(CheckpointError, match=r"relabelled\.pth: its version bytes say v2Pro but its weights are a s2G v2ProPlus"):
        wc.identify(wc.read_checkpoint(path), str(path))


def test_digits_not_followed_by_a_zip_header_are_not_a_marker(tmp_path):
    path = tmp_path / "odd.pth"
    path.write_bytes(b"05 is not a checkpoint, just text")
    with pytest.raises(CheckpointError, match="not a PyTorch or safetensors checkpoint"):
        wc.read_checkpoint(path)


def test_export_bytes_are_refused_for_versions_upstream_does_not_mark(tmp_path):
    with pytest.raises(ValueError, match="only for v2Pro, v2ProPlus"):
        wc.save_checkpoint(tmp_path / "v2.pth", {"w": torch.ones(2)}, config={}, info="", table=None,
                           version="v2", upstream_header=True)
    assert not (tmp_path / "v2.pth").exists()


def test_proplus_is_told_by_its_first_upsampling_kernel_at_any_width():
    """Tiny test models keep the ProPlus kernel (20) without its 768 channels: still ProPlus."""
    weight = {S2G_KEY: torch.zeros(732, 4), "sv_emb.weight": torch.zeros(8, 20480),
              "dec.conv_pre.weight": torch.zeros(48, 4, 7), "dec.ups.0.weight_v": torch.zeros(48, 24, 20)}
    assert wc.identify({"weight": weight}).version == "v2ProPlus"
    weight["dec.ups.0.weight_v"] = torch.zeros(48, 24, 16)
    assert wc.identify({"weight": weight}).version == "v2Pro"


def test_s1v3_gpt_loads_as_the_gpt_of_the_pro_family(tmp_path):
    """Upstream's v3-era `s1v3.ckpt`, the pretrained GPT of v2Pro/v2ProPlus, has v2's GPT layout."""
    weight = random_state_dict(read_manifest(manifest_path("s1_v2")), seed=5)
    path = tmp_path / "s1v3.ckpt"
    config = {"model": {"phoneme_vocab_size": 732, "embedding_dim": 512, "n_layer": 24}, "data": {"max_sec": 54}}
    torch.save({"weight": weight, "config": config, "info": "GPT-e?"}, path)
    info = wc.identify(wc.read_checkpoint(path))
    assert (info.kind, info.version, info.table.name) == ("s1", "v2", "v2")
    ru = get_table(default_table_name())
    module = ManifestModule(read_manifest(manifest_path("s1_v2")), overrides={S1_KEY: (len(ru), 512)}, strip="model.")
    report = wc.load_into(module, path, table=ru, kind="s1")
    assert report.copied == 732 and report.loaded == len(weight)


def test_community_pro_export_with_its_own_table_converts_with_the_source_table(tmp_path):
    """docs/training.md: a v2ProPlus export whose 740-row embedding matches no known table."""
    their = [*get_table("v2").symbols, *(f"their_{i}" for i in range(8))]
    (tmp_path / "their_symbols.txt").write_text("\n".join(their) + "\n", encoding="utf-8")
    weight = _inference_weight("v2ProPlus")
    weight[S2G_KEY] = torch.randn(len(their), 192).half()
    source = tmp_path / "community.pth"
    _upstream_marked_file(source, "v2ProPlus", b"06", weight=weight)
    refused = run_cli("inspect", str(source))
    assert refused.returncode == 1 and "740-row text embedding" in refused.stderr and "--source-table" in refused.stderr
    given = run_cli("inspect", str(source), "--source-table", str(tmp_path / "their_symbols.txt"))
    assert given.returncode == 0 and "symbols:    their_symbols (740 symbols, 740 rows; given with --source-table)" in given.stdout
    out = tmp_path / "community-ru.pth"
    done = run_cli("convert", str(source), "--source-table", str(tmp_path / "their_symbols.txt"),
                   "--symbols", default_table_name(), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "732 rows copied by name" in done.stdout and "8 dropped" in done.stdout
    converted = wc.read_checkpoint(out)
    info = wc.identify(converted)
    assert (info.version, info.table.name) == ("v2ProPlus", default_table_name()) and out.read_bytes()[:2] == b"06"
    assert torch.equal(converted["weight"][S2G_KEY][:732], weight[S2G_KEY][:732])
