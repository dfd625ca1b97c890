"""weights_compat on upstream-format checkpoints built from the real key/shape manifests.

The models here are generic modules with exactly a manifest's keys, so these tests pin the
loading contract independently of the model code; the model packages have their own tests
that load the same checkpoints into the real networks.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import types

import pytest
import torch
from torch import nn

from GPT_SoVITS import weights_compat as wc
from GPT_SoVITS.errors import CheckpointError
from GPT_SoVITS.manifest import ManifestModule as _ManifestModule
from GPT_SoVITS.manifest import ManifestEntry, read_manifest, random_state_dict
from GPT_SoVITS.text.symbols import InventorySymbol, SymbolTable, append_inventory, get_table
from tests.conftest import REPO_ROOT, manifest_path

S2G_KEY = wc.TEXT_EMBEDDING_KEYS["s2G"]
S1_KEY = wc.TEXT_EMBEDDING_KEYS["s1"]

TEST_INVENTORY = [
    InventorySymbol("tt_a1", "a", ("AA1", "a4")),
    InventorySymbol("tt_sh", "ʂ", ("sh",)),
    InventorySymbol("tt_x", "?", ()),  # no look-alike: `similar` falls back to the mean
]


@pytest.fixture(scope="module")
def test_table() -> SymbolTable:
    return append_inventory(get_table("v2"), TEST_INVENTORY, "v2+test")


def ManifestModule(manifest: str, overrides=None, strip: str = "") -> nn.Module:
    """A module with exactly the named manifest's keys (see GPT_SoVITS.manifest.ManifestModule)."""
    return _ManifestModule(read_manifest(manifest_path(manifest)), overrides=overrides, strip=strip)


def upstream_checkpoint(manifest: str, tmp_path, *, seed: int = 0, overrides=None, name=None, **extra) -> os.PathLike:
    weight = random_state_dict(read_manifest(manifest_path(manifest)), seed=seed, overrides=overrides)
    path = tmp_path / (name or f"{manifest}.pth")
    torch.save({"weight": weight, "config": {"model": {"version": "v2"}}, "info": "pretrained", **extra}, path)
    return path


@pytest.fixture(scope="module")
def s2g_v2(tmp_path_factory) -> os.PathLike:
    """One random upstream-format s2G v2 checkpoint shared by the tests that only read it."""
    return upstream_checkpoint("s2G_v2", tmp_path_factory.mktemp("s2g"))


def rows_by_name(weight: torch.Tensor, table: SymbolTable) -> dict[str, torch.Tensor]:
    return {symbol: weight[index] for index, symbol in enumerate(table.symbols)}


# --- adaptation by symbol name -------------------------------------------------------------


@pytest.mark.parametrize("policy", ["similar", "mean", "random"])
def test_s2g_v2_into_extended_table_copies_rows_by_name(s2g_v2, test_table, policy):
    path = s2g_v2
    source = torch.load(path, weights_only=True)["weight"][S2G_KEY].float()
    model = ManifestModule("s2G_v2", overrides={S2G_KEY: (len(test_table), 192)})
    init_rows = model.state_dict()[S2G_KEY].clone()

    report = wc.load_into(model, path, table=test_table, policy=policy)

    loaded = model.state_dict()[S2G_KEY]
    assert torch.equal(loaded[:732], source), "ids 0-731 must keep their pretrained rows"
    v2 = get_table("v2")
    a1, sh, x = (test_table.id_of(s) for s in ("tt_a1", "tt_sh", "tt_x"))
    if policy == "similar":
        expected_a1 = (source[v2.id_of("AA1")] + source[v2.id_of("a4")]) / 2
        torch.testing.assert_close(loaded[a1], expected_a1, rtol=1e-3, atol=1e-4)
        torch.testing.assert_close(loaded[sh], source[v2.id_of("sh")], rtol=1e-3, atol=1e-4)
        torch.testing.assert_close(loaded[x], source.mean(0), rtol=1e-3, atol=1e-4)
        assert report.embedding.similar_fallbacks == ("tt_x",)
    elif policy == "mean":
        for row in (a1, sh, x):
            torch.testing.assert_close(loaded[row], source.mean(0), rtol=1e-3, atol=1e-4)
    else:
        torch.testing.assert_close(loaded[732:], init_rows[732:])
    assert report.copied == 732
    assert report.new == ("tt_a1", "tt_sh", "tt_x")
    assert report.dropped == ()
    assert f"732 rows copied by name, 3 new ({policy}), 0 dropped" in report.line()


def test_every_other_tensor_is_loaded_exactly(s2g_v2, test_table):
    path = s2g_v2
    source = torch.load(path, weights_only=True)["weight"]
    model = ManifestModule("s2G_v2", overrides={S2G_KEY: (len(test_table), 192)})
    report = wc.load_into(model, path, table=test_table)
    state = model.state_dict()
    for key, value in source.items():
        if key != S2G_KEY:
            assert torch.equal(state[key], value.float()), key
    assert report.loaded == len(source)
    assert report.info.kind == "s2G" and report.info.version == "v2"


def test_s1_checkpoint_with_model_prefix_loads_into_unprefixed_module(tmp_path, test_table):
    path = upstream_checkpoint("s1_v2", tmp_path)
    source = torch.load(path, weights_only=True)["weight"]
    model = ManifestModule("s1_v2", overrides={S1_KEY: (len(test_table), 512)}, strip="model.")
    report = wc.load_into(model, path, table=test_table, kind="s1")
    state = model.state_dict()
    assert "ar_text_embedding.word_embeddings.weight" in state
    assert torch.equal(state["ar_text_embedding.word_embeddings.weight"][:732], source[S1_KEY].float())
    assert torch.equal(state["ar_predict_layer.weight"], source["model.ar_predict_layer.weight"].float())
    assert report.info.kind == "s1" and report.copied == 732 and len(report.new) == 3


def test_table_that_drops_symbols_reports_them(s2g_v2):
    v2 = get_table("v2")
    smaller = SymbolTable("v2-minus-korean", tuple(s for s in v2.symbols if s not in ("ㄱ", "ㄲ")))
    path = s2g_v2
    source = torch.load(path, weights_only=True)["weight"][S2G_KEY].float()
    model = ManifestModule("s2G_v2", overrides={S2G_KEY: (len(smaller), 192)})
    report = wc.load_into(model, path, table=smaller)
    assert report.dropped == ("ㄱ", "ㄲ")
    assert "730 rows copied by name, 0 new (similar), 2 dropped" in report.line()
    loaded = rows_by_name(model.state_dict()[S2G_KEY], smaller)
    original = rows_by_name(source, v2)
    assert all(torch.equal(loaded[s], original[s]) for s in smaller.symbols)


def test_v1_generator_into_v2_table(tmp_path):
    path = upstream_checkpoint("s2G_v1", tmp_path)
    source = torch.load(path, weights_only=True)["weight"][S2G_KEY].float()
    model = ManifestModule("s2G_v1", overrides={S2G_KEY: (732, 192)})
    report = wc.load_into(model, path, table="v2")
    assert report.info.version == "v1" and report.info.table.name == "v1"
    assert torch.equal(model.state_dict()[S2G_KEY][:322], source)
    assert report.copied == 322 and len(report.new) == 410


def test_v1_gpt_padding_rows_are_dropped_not_mapped(tmp_path):
    path = upstream_checkpoint("s1_v1", tmp_path)
    source = torch.load(path, weights_only=True)["weight"][S1_KEY].float()
    model = ManifestModule("s1_v1", overrides={S1_KEY: (732, 512)})
    report = wc.load_into(model, path, table="v2")
    assert report.info.table.name == "v1" and report.info.text_rows == 512
    assert torch.equal(model.state_dict()[S1_KEY][:322], source[:322])
    assert report.copied == 322 and len(report.dropped) == 190


def test_stored_symbols_win_over_row_count(tmp_path, test_table):
    weight = random_state_dict(read_manifest(manifest_path("s2G_v2")), overrides={S2G_KEY: (len(test_table), 192)})
    shuffled = SymbolTable("shuffled", tuple(reversed(test_table.symbols)))
    weight[S2G_KEY] = weight[S2G_KEY].flip(0)  # row i belongs to shuffled.symbols[i]
    path = tmp_path / "stored.pth"
    torch.save({"weight": weight, "symbols": list(shuffled.symbols)}, path)
    model = ManifestModule("s2G_v2", overrides={S2G_KEY: (len(test_table), 192)})
    report = wc.load_into(model, path, table=test_table)
    assert report.copied == len(test_table) and report.new == ()
    assert torch.equal(model.state_dict()[S2G_KEY], weight[S2G_KEY].flip(0).float())


# --- strictness -----------------------------------------------------------------------------


def test_mis_shaped_unrelated_key_is_an_error_naming_it(tmp_path):
    path = upstream_checkpoint("s2G_v2", tmp_path, overrides={"dec.conv_pre.bias": (256,)})
    model = ManifestModule("s2G_v2")
    with pytest.raises(CheckpointError) as error:
        wc.load_into(model, path, table="v2")
    assert "mis-shaped (1): dec.conv_pre.bias: checkpoint (256,) vs model (512,)" in str(error.value)


def test_missing_key_is_an_error_unless_allowed(tmp_path):
    weight = random_state_dict(read_manifest(manifest_path("s2G_v2")))
    without_enc_q = {k: v for k, v in weight.items() if not k.startswith("enc_q.")}
    path = tmp_path / "inference.pth"
    torch.save({"weight": without_enc_q}, path)
    with pytest.raises(CheckpointError) as error:
        wc.load_into(ManifestModule("s2G_v2"), path, table="v2")
    assert "missing (103): enc_q." in str(error.value)
    report = wc.load_into(ManifestModule("s2G_v2"), path, table="v2", allow_missing=("enc_q.*",))
    assert len(report.allowed_missing) == 103 and "103 allowed-missing" in report.line()


def test_unexpected_key_is_an_error(tmp_path):
    path = upstream_checkpoint("s2D_v2", tmp_path)
    model = ManifestModule("s2D_v2")
    del model.discriminators._modules["5"]  # a model without the period-11 discriminator
    with pytest.raises(CheckpointError, match=r"unexpected \(\d+\): discriminators\.5\."):
        wc.load_into(model, path)


def test_wrong_kind_is_named(tmp_path):
    path = upstream_checkpoint("s2D_v2", tmp_path)
    with pytest.raises(CheckpointError, match="expected a s2G checkpoint but this is s2D"):
        wc.load_into(ManifestModule("s2D_v2"), path, kind="s2G")


def test_discriminator_loads_strictly_without_embedding(tmp_path):
    path = upstream_checkpoint("s2D_v2", tmp_path)
    report = wc.load_into(ManifestModule("s2D_v2"), path, kind="s2D")
    assert report.embedding is None and report.loaded == 111 and report.info.version == "v2"


def test_model_built_for_another_table_is_refused(s2g_v2, test_table):
    path = s2g_v2
    model = ManifestModule("s2G_v2")  # 732 rows
    with pytest.raises(CheckpointError, match="732 rows but table 'v2\\+test' has 735"):
        wc.load_into(model, path, table=test_table)


# --- safe reading ---------------------------------------------------------------------------


class _RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_pickle_that_would_run_code_is_refused(tmp_path):
    marker = tmp_path / "executed"
    path = tmp_path / "evil.pth"
    torch.save({"weight": {"a": torch.zeros(1)}, "config": _RunsCode(marker)}, path)
    with pytest.raises(CheckpointError, match="refused to load.*nothing from it was executed"):
        wc.read_checkpoint(path)
    assert not marker.exists()


def test_truncated_file_is_one_clear_error(tmp_path):
    full = upstream_checkpoint("s2D_v2", tmp_path)
    cut = tmp_path / "cut.pth"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    with pytest.raises(CheckpointError, match="damaged or truncated checkpoint"):
        wc.read_checkpoint(cut)


def test_foreign_file_is_one_clear_error(tmp_path):
    path = tmp_path / "audio.pth"
    path.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt ")
    with pytest.raises(CheckpointError, match="not a PyTorch or safetensors checkpoint"):
        wc.read_checkpoint(path)


SECRET = "hunter2-s3cr3t"


def _safetensors_bytes(header: dict, data: bytes) -> bytes:
    import json
    import struct

    encoded = json.dumps(header).encode()
    return struct.pack("<Q", len(encoded)) + encoded + data


def _files_that_are_not_checkpoints(folder):
    """Files a user might type into a weights field, each holding SECRET where a decoder could quote it."""
    import zipfile

    from safetensors.torch import save_file

    files = {
        "passwords.txt": f"root:{SECRET}:0:0\n".encode(),
        "pickle-garbage.pth": b"\x80\x04" + SECRET.encode() * 3,
        "pickle-global.pth": f"\x80\x02c{SECRET}\nsystem\nq\x00.".encode(),
        "header-json.pth": _safetensors_bytes({"x": SECRET}, b"")[:-3],
        "header-dtype.safetensors": _safetensors_bytes({"a": {"dtype": SECRET, "shape": [1], "data_offsets": [0, 4]}},
                                                       b"\0" * 4),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    with zipfile.ZipFile(folder / "archive.pth", "w") as archive:
        archive.writestr(f"{SECRET}/data.txt", SECRET)
    save_file({"w": torch.zeros(2)}, str(folder / "bad-config.safetensors"), metadata={"config": "{" + SECRET})
    return sorted(folder.iterdir())


def test_errors_about_files_that_are_not_checkpoints_never_quote_their_bytes(tmp_path):
    for path in _files_that_are_not_checkpoints(tmp_path):
        with pytest.raises(CheckpointError) as caught:
            wc.read_checkpoint(path)
        message = str(caught.value)
        assert message.startswith(f"{path}: ") and SECRET not in message.replace(str(path), ""), message
        assert "s3cr3t" not in message.replace(str(path), "") and "hunter2" not in message.replace(str(path), "")
    text_error = pytest.raises(CheckpointError, wc.read_checkpoint, tmp_path / "passwords.txt").value
    assert "not a checkpoint" in str(text_error)


def test_cli_inspect_of_a_text_file_says_not_a_checkpoint_without_its_content(tmp_path):
    path = tmp_path / "notes.pth"
    path.write_text(f"password={SECRET}\n")
    result = run_cli("inspect", str(path))
    assert result.returncode == 1 and "not a checkpoint" in result.stderr, result.stderr
    assert SECRET not in result.stderr and "password" not in result.stderr.replace(str(path), "")


@pytest.mark.parametrize("marker,family", [(b"02", "v3"), (b"03", "v3"), (b"04", "v4")])
def test_version_marker_header_is_named_and_refused(tmp_path, marker, family):
    original = upstream_checkpoint("s2D_v2", tmp_path).read_bytes()
    path = tmp_path / "pro.pth"
    path.write_bytes(marker + original[2:])
    with pytest.raises(CheckpointError, match=f"upstream {family} checkpoint"):
        wc.read_checkpoint(path)


def test_hparams_config_reads_as_plain_dict(tmp_path, monkeypatch):
    utils = types.ModuleType("utils")

    class HParams:
        def __init__(self, **values):
            for key, value in values.items():
                setattr(self, key, HParams(**value) if isinstance(value, dict) else value)

    HParams.__module__ = "utils"
    HParams.__qualname__ = "HParams"  # as upstream's top-level utils.HParams pickles
    utils.HParams = HParams
    monkeypatch.setitem(sys.modules, "utils", utils)
    path = upstream_checkpoint("s2D_v2", tmp_path, config=HParams(train={"epochs": 8}, model={"version": "v2"}))
    monkeypatch.delitem(sys.modules, "utils")
    checkpoint = wc.read_checkpoint(path)
    assert checkpoint["config"] == {"train": {"epochs": 8}, "model": {"version": "v2"}}


def test_safetensors_and_bare_state_dicts(tmp_path):
    from safetensors.torch import save_file

    weight = random_state_dict(read_manifest(manifest_path("s2D_v2")))
    save_file(weight, str(tmp_path / "d.safetensors"), metadata={"info": "x"})
    checkpoint = wc.read_checkpoint(tmp_path / "d.safetensors")
    assert checkpoint["info"] == "x" and wc.identify(checkpoint).kind == "s2D"
    torch.save(weight, tmp_path / "bare.pth")
    assert set(wc.read_checkpoint(tmp_path / "bare.pth")["weight"]) == set(weight)


# --- saving ---------------------------------------------------------------------------------


def test_save_writes_upstream_format_plus_symbols(tmp_path, test_table):
    model = ManifestModule("s2G_v2", overrides={S2G_KEY: (len(test_table), 192)})
    out = tmp_path / "weights" / "voice_e1_s10.pth"
    wc.save_checkpoint(out, model.state_dict(), config={"model": {"version": "v2"}}, info="1epoch_10iteration",
                       table=test_table, exclude=("enc_q.*",))
    saved = torch.load(out, weights_only=True)
    assert set(saved) == {"weight", "config", "info", "symbols", "version"}
    assert saved["symbols"] == list(test_table.symbols) and saved["version"] == "v2"
    assert not any(k.startswith("enc_q.") for k in saved["weight"])
    assert all(v.dtype == torch.float16 for v in saved["weight"].values())
    assert wc.identify(wc.read_checkpoint(out)).table == test_table


def test_interrupted_save_leaves_no_partial_file(tmp_path, monkeypatch):
    out = tmp_path / "model.pth"
    out.write_bytes(b"previous good file")
    real_save = torch.save

    def dies_half_way(obj, f, *args, **kwargs):  # f: the open temporary file torch writes to
        real_save(obj, f, *args, **kwargs)
        f.flush()
        f.truncate(10)
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", dies_half_way)
    with pytest.raises(KeyboardInterrupt):
        wc.save_checkpoint(out, {"w": torch.ones(3)}, config={}, info="", table=None)
    assert out.read_bytes() == b"previous good file"
    assert [p.name for p in tmp_path.iterdir()] == ["model.pth"]


# --- command line ---------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "GPT_SoVITS.weights_compat", *args],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)


def test_cli_inspect_convert_round_trip(tmp_path):
    path = upstream_checkpoint("s1_v2", tmp_path)
    symbols_file = tmp_path / "v2+cli.txt"
    symbols_file.write_text("\n".join(get_table("v2").symbols + ("cli_a", "cli_b")) + "\n", encoding="utf-8")

    inspected = run_cli("inspect", str(path))
    assert inspected.returncode == 0, inspected.stderr
    assert "kind:       s1" in inspected.stdout and "v2 (732 symbols, 732 rows" in inspected.stdout

    out = tmp_path / "converted.ckpt"
    converted = run_cli("convert", str(path), "--symbols", str(symbols_file), "-o", str(out), "--init", "mean")
    assert converted.returncode == 0, converted.stderr
    assert "732 rows copied by name, 2 new (mean), 0 dropped" in converted.stdout

    again = run_cli("inspect", str(out))
    assert "(734 symbols, 734 rows; stored in the file)" in again.stdout
    saved = torch.load(out, weights_only=True)
    assert saved["config"]["model"]["phoneme_vocab_size"] == 734
    source = torch.load(path, weights_only=True)["weight"]
    assert torch.equal(saved["weight"][S1_KEY][:732], source[S1_KEY])


def test_cli_reports_bad_file_in_one_line(tmp_path):
    path = tmp_path / "junk.pth"
    path.write_bytes(b"hello world, not a model")
    result = run_cli("inspect", str(path))
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: ") and "not a PyTorch or safetensors checkpoint" in result.stderr
    assert "Traceback" not in result.stderr


# --- wrong dtypes ---------------------------------------------------------------------------

# A small s2G-shaped layout (the checks do not depend on the size): text embedding and two more.
SMALL_S2G = [ManifestEntry(S2G_KEY, (732, 8), "float32"), ManifestEntry("dec.conv_pre.bias", (4,), "float32"),
             ManifestEntry("ref_enc.spectral.0.fc.weight", (4, 704), "float32")]


def _small_weight(dtype: torch.dtype, key: str = S2G_KEY) -> dict:
    weight = random_state_dict(SMALL_S2G)
    weight[key] = (weight[key] * 3).to(dtype)
    return weight


def _save(weight: dict, path, fmt: str):
    if fmt == "safetensors":
        from safetensors.torch import save_file

        save_file(weight, str(path))
    else:
        torch.save({"weight": weight, "config": {"model": {"version": "v2"}}}, path)
    return path


@pytest.mark.parametrize("fmt", ["safetensors", "pth"])
@pytest.mark.parametrize("dtype", [torch.int32, torch.int64, torch.bool])
def test_integer_or_bool_weights_are_refused_naming_the_key(tmp_path, fmt, dtype):
    path = _save(_small_weight(dtype), tmp_path / f"bad.{fmt}", fmt)
    expected = f"{path}: 1 weight\\(s\\) of the wrong type: {S2G_KEY} \\({str(dtype).removeprefix('torch.')}\\)"
    with pytest.raises(CheckpointError, match=expected):
        wc.load_into(_ManifestModule(SMALL_S2G), path, table="v2")
    with pytest.raises(CheckpointError, match=expected):
        wc.convert_checkpoint(path, tmp_path / "converted.pth", "v2")
    assert not (tmp_path / "converted.pth").exists()


@pytest.mark.parametrize("fmt", ["safetensors", "pth"])
def test_cli_convert_of_an_int32_file_fails_naming_the_key(tmp_path, fmt):
    path = _save(_small_weight(torch.int32), tmp_path / f"bad.{fmt}", fmt)
    out = tmp_path / "converted.pth"
    result = run_cli("convert", str(path), "--symbols", "v2", "-o", str(out))
    assert result.returncode == 1 and not out.exists()
    assert result.stderr.startswith(f"error: {path}: 1 weight(s) of the wrong type: {S2G_KEY} (int32)")


def test_wrong_dtype_in_a_state_dict_given_in_memory_is_refused():
    weight = _small_weight(torch.int32, key="dec.conv_pre.bias")
    with pytest.raises(CheckpointError, match=r"<state dict>: .*dec\.conv_pre\.bias \(int32\)"):
        wc.load_into(_ManifestModule(SMALL_S2G), weight)


@pytest.mark.parametrize("fmt", ["safetensors", "pth"])
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_float_weights_of_every_width_convert_and_load(tmp_path, fmt, dtype):
    weight = {key: value.to(dtype) for key, value in random_state_dict(SMALL_S2G).items()}
    path = _save(weight, tmp_path / f"ok.{fmt}", fmt)
    out = tmp_path / "converted.pth"
    wc.convert_checkpoint(path, out, "v2")
    model = _ManifestModule(SMALL_S2G)
    wc.load_into(model, out, table="v2")
    for key, value in weight.items():
        assert torch.equal(model.state_dict()[key], value.float()), key


def test_integer_counters_of_batch_norm_are_not_weights():
    weight = {"sv.bn1.weight": torch.ones(4), "sv.bn1.num_batches_tracked": torch.tensor(7)}
    wc.check_weight_dtypes(weight, "sv.pth")  # int64 counter: accepted
    weight["sv.bn1.running_mean"] = torch.zeros(4, dtype=torch.int32)
    with pytest.raises(CheckpointError, match=r"sv\.bn1\.running_mean \(int32\)"):
        wc.check_weight_dtypes(weight, "sv.pth")


# --- identification by content --------------------------------------------------------------


@pytest.mark.parametrize("keys,kind,version", [
    ({S2G_KEY: (732, 1), "sv_emb.weight": (1, 1), "dec.conv_pre.weight": (768, 1, 1)}, "s2G", "v2ProPlus"),
    ({S2G_KEY: (732, 1), "sv_emb.weight": (1, 1), "dec.conv_pre.weight": (512, 1, 1)}, "s2G", "v2Pro"),
    ({S2G_KEY: (322, 1), "ref_enc.spectral.0.fc.weight": (128, 1025)}, "s2G", "v1"),
    ({S2G_KEY: (732, 1), "ref_enc.spectral.0.fc.weight": (128, 704)}, "s2G", "v2"),
    ({f"discriminators.{i}.conv_post.bias": (1,) for i in range(8)}, "s2D", "v2Pro"),
    ({f"discriminators.{i}.conv_post.bias": (1,) for i in range(6)}, "s2D", "v2"),
    ({S1_KEY: (512, 1)}, "s1", "v1"),
    ({S1_KEY[len("model."):]: (322, 1)}, "s1", "v1"),
    ({S1_KEY: (732, 1)}, "s1", "v2"),
])
def test_architecture_table_identifies_by_content(keys, kind, version):
    info = wc.identify({"weight": {key: torch.zeros(shape) for key, shape in keys.items()}})
    assert (info.kind, info.version) == (kind, version)
    assert {a.kind for a in wc.ARCHITECTURES} == {"s2G", "s2D", "s1"}


def test_one_table_resolver_for_models_and_loading(test_table):
    assert wc.resolve_table(rows=732).name == "v2" and wc.resolve_table(rows=322).name == "v1"
    assert wc.resolve_table(version="v1").name == "v1"
    assert wc.resolve_table(test_table, rows=len(test_table)) is test_table
    with pytest.raises(CheckpointError, match="732 rows but table 'v2\\+test' has 735"):
        wc.resolve_table(test_table, rows=732)


def test_adapt_state_dict_is_pure(s2g_v2, test_table):
    weight = wc.read_checkpoint(s2g_v2)["weight"]
    before = {key: value.clone() for key, value in weight.items()}
    adapted, report = wc.adapt_state_dict(weight, get_table("v2"), test_table, "mean")
    assert adapted is not weight and adapted[S2G_KEY].shape == (len(test_table), 192)
    assert all(torch.equal(weight[key], before[key]) for key in before)  # the input is unchanged
    assert all(adapted[key] is weight[key] for key in weight if key != S2G_KEY)  # other tensors shared
    assert report.copied == 732 and report.new_symbols == ("tt_a1", "tt_sh", "tt_x")
    with pytest.raises(CheckpointError, match="no text embedding"):
        wc.adapt_state_dict({"discriminators.0.conv_post.bias": torch.zeros(1)}, get_table("v2"), test_table)


# --- command line: small ones ---------------------------------------------------------------


def test_inspect_accepts_the_source_table(tmp_path, test_table):
    weight = random_state_dict(SMALL_S2G, overrides={S2G_KEY: (len(test_table), 8)})
    path = tmp_path / "unknown-rows.pth"
    torch.save({"weight": weight, "config": {"model": {"version": "v2"}}}, path)
    symbols_file = tmp_path / "v2+test.txt"
    symbols_file.write_text("\n".join(test_table.symbols) + "\n", encoding="utf-8")
    plain = run_cli("inspect", str(path))
    assert plain.returncode == 1 and "--source-table" in plain.stderr and str(path) in plain.stderr
    given = run_cli("inspect", str(path), "--source-table", str(symbols_file))
    assert given.returncode == 0, given.stderr
    assert "symbols:    v2+test (735 symbols, 735 rows; given with --source-table)" in given.stdout


def test_wrong_keys_error_names_the_file(tmp_path):
    path = tmp_path / "hubert.pth"
    torch.save({"encoder.layers.0.weight": torch.zeros(2), "feature_projection.bias": torch.zeros(2)}, path)
    with pytest.raises(CheckpointError, match=f"^{path}: not a GPT-SoVITS s1/s2G/s2D state dict"):
        wc.load_into(ManifestModule("s2D_v2"), path)
    result = run_cli("convert", str(path), "--symbols", "v2", "-o", str(tmp_path / "out.pth"))
    assert result.returncode == 1 and result.stderr.startswith(f"error: {path}: not a GPT-SoVITS")
    misfit = tmp_path / "misfit.pth"
    torch.save({"weight": random_state_dict(SMALL_S2G[:2])}, misfit)
    with pytest.raises(CheckpointError, match=f"^{misfit}: the checkpoint does not fit the model:\n  missing \\(1\\)"):
        wc.load_into(_ManifestModule(SMALL_S2G), misfit, table="v2")


def test_config_less_file_says_its_config_is_missing(tmp_path):
    source = tmp_path / "bare.pth"
    torch.save(random_state_dict([ManifestEntry(S1_KEY, (732, 8), "float32")]), source)
    out = tmp_path / "converted.ckpt"
    converted = run_cli("convert", str(source), "--symbols", "v2", "-o", str(out))
    assert converted.returncode == 0, converted.stderr
    assert f"{source} has no config (model settings), so {out} has none either" in converted.stderr
    inspected = run_cli("inspect", str(out))
    assert "config:     missing (no model settings stored: training can start from this file, synthesis cannot" in inspected.stdout
    assert "config:     sections model" in "\n".join(wc.describe(upstream_checkpoint("s2D_v2", tmp_path)))


def test_cli_convert_never_overwrites_its_input_and_needs_force_for_an_existing_output(tmp_path):
    path = upstream_checkpoint("s1_v2", tmp_path)
    original = path.read_bytes()
    (tmp_path / "alias").symlink_to(tmp_path)
    for output in (path, tmp_path / "alias" / path.name, tmp_path / "." / path.name):
        result = run_cli("convert", str(path), "--symbols", "v2+ru", "-o", str(output), "--force")
        assert result.returncode == 1, result.stderr
        assert result.stderr == (f"error: {output}: this is the input file {path}; write the converted checkpoint to "
                                 "another file (the input is never replaced)\n")
    assert path.read_bytes() == original
    out = tmp_path / "out.pth"
    out.write_bytes(b"keep me")
    result = run_cli("convert", str(path), "--symbols", "v2+ru", "-o", str(out))
    assert result.returncode == 1 and out.read_bytes() == b"keep me"
    assert result.stderr == f"error: {out} already exists; choose another output file, or pass --force to replace it\n"
    replaced = run_cli("convert", str(path), "--symbols", "v2+ru", "-o", str(out), "--force")
    assert replaced.returncode == 0, replaced.stderr
    assert "0 dropped" in replaced.stdout and torch.load(out, weights_only=True)["weight"]


def test_a_fifo_given_as_a_checkpoint_is_named_and_never_opened(tmp_path):
    import os

    fifo = tmp_path / "s2G.pth"
    os.mkfifo(fifo)
    with pytest.raises(CheckpointError, match=rf"^{fifo}: a FIFO \(named pipe\), expected a checkpoint file$"):
        wc.read_checkpoint(fifo)
