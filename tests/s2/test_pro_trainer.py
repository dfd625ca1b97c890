"""The s2 trainer for v2Pro/v2ProPlus: speaker vectors through the same data code, Pro pretrained
files (full size and tiny), the 7-period discriminator, exports in upstream's Pro layout, resume."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import torch

from GPT_SoVITS import weights_compat as wc
from GPT_SoVITS.data_files.sv_vectors import write_sv_vector
from GPT_SoVITS.errors import CheckpointError, DataError
from GPT_SoVITS.manifest import random_state_dict, read_manifest
from GPT_SoVITS.module.config import S2Config
from GPT_SoVITS.module.discriminators import MultiPeriodDiscriminator
from GPT_SoVITS.s2 import data, trainer
from GPT_SoVITS.text.symbols import default_table_name, get_table
from tests.conftest import REPO_ROOT, manifest_path
from tests.pro_fixtures import save_tiny_pro_s2g
from tests.s2.configs import tiny_config
from tests.s2.experiment import make_experiment

CPU = trainer.Runtime(0, 1, torch.device("cpu"))
RU = get_table(default_table_name())


def pro_experiment(root, count: int = 3, skip_vector: str | None = None):
    """A prepared tiny experiment (tests/s2/experiment.py) plus a speaker vector per utterance."""
    exp = make_experiment(root, RU, count=count)
    for index in range(count):
        name = f"utt{index}.wav"
        if name != skip_vector:
            write_sv_vector(exp, name, torch.randn(20480, generator=torch.Generator().manual_seed(index)) * 0.1)
    return exp


def test_pro_sample_carries_its_speaker_vector_and_a_missing_one_drops_the_utterance(tmp_path):
    exp = pro_experiment(tmp_path / "exp", skip_vector="utt1.wav")
    utterances, report = data.scan_experiment(exp, RU, speaker_vectors=True)
    assert [u.name for u in utterances] == ["utt0.wav", "utt2.wav"] and report.kept == 2
    assert report.dropped == {"missing speaker vector": 1}
    [problem] = report.problems
    assert problem.startswith("2-name2text.txt:2: utt1.wav: ") and "7-sv_cn/utt1.wav.pt is missing or empty" in problem
    assert "rerun stage 2-get-sv (button 1b with a Pro version" in problem
    samples = [data.S2Dataset(utterances, data.SpectrogramParams(), use_cache=False)[i] for i in range(2)]
    batch = data.collate(samples)
    assert batch.sv.shape == (2, 20480) and batch.sv.dtype == torch.float32
    expected = torch.randn(20480, generator=torch.Generator().manual_seed(2)) * 0.1
    assert torch.allclose(batch.sv[1], expected)
    assert data.collate(samples[:1])._replace(sv=None).to("cpu").sv is None  # a v2 batch has none
    v2_utterances, _ = data.scan_experiment(exp, RU)  # v2 experiments never look at 7-sv_cn
    assert len(v2_utterances) == 3 and all(u.sv_path is None for u in v2_utterances)
    empty = make_experiment(tmp_path / "no_sv", RU, count=1)
    with pytest.raises(DataError, match=r"no_sv/7-sv_cn: not found; a v2Pro/v2ProPlus model trains on speaker vectors"):
        data.scan_experiment(empty, RU, speaker_vectors=True)


def test_pro_discriminator_has_seven_periods():
    config = S2Config.from_dict(tiny_config(REPO_ROOT, REPO_ROOT, version="v2ProPlus"))
    discriminator = trainer.build_discriminator(config)
    assert [d.period for d in discriminator.discriminators[1:]] == [2, 3, 5, 7, 11, 17, 23]


def _full_size_run(tmp_path, version: str) -> trainer.Run:
    base = json.loads((REPO_ROOT / "configs" / f"s2{version}.json").read_text(encoding="utf-8"))
    config = copy.deepcopy(base)
    config["model"]["version"] = version
    config["data"]["exp_dir"] = str(pro_experiment(tmp_path / "exp", count=1))
    config.update({"s2_ckpt_dir": str(tmp_path / "logs"), "save_weight_dir": str(tmp_path / "w")})
    config = S2Config.from_dict(config)
    return trainer.Run(config, CPU, RU, trainer.build_models(config, RU, CPU))


def test_full_size_pro_pretrained_files_load_into_the_russian_table(tmp_path):
    """Upstream's s2Gv2ProPlus.pth / s2Dv2ProPlus.pth layout (random, from the manifests) fine-tunes into v2+ru."""
    run = _full_size_run(tmp_path, "v2ProPlus")
    files = {}
    for name in ("s2G_v2ProPlus", "s2D_v2ProPlus", "s2G_v2"):
        files[name] = tmp_path / f"{name}.pth"
        weight = random_state_dict(read_manifest(manifest_path(name)), seed=7)
        torch.save({"weight": weight, "config": {}, "info": "pretrained"}, files[name])
    run.config.train.pretrained_s2G, run.config.train.pretrained_s2D = str(files["s2G_v2ProPlus"]), str(files["s2D_v2ProPlus"])
    trainer.load_pretrained(run)
    g_weight = torch.load(files["s2G_v2ProPlus"], weights_only=True)["weight"]
    generator = run.models.bare_generator
    assert torch.equal(generator.sv_emb.weight, g_weight["sv_emb.weight"].float())
    assert torch.equal(generator.dec.ups[0].weight_v, g_weight["dec.ups.0.weight_v"].float())
    d_weight = torch.load(files["s2D_v2ProPlus"], weights_only=True)["weight"]
    assert torch.equal(run.models.bare_discriminator.discriminators[7].convs[0].weight_v,
                       d_weight["discriminators.7.convs.0.weight_v"].float())
    sv_params = {id(p) for p in generator.sv_emb.parameters()}
    base_group = {id(p) for p in run.models.optim_g.param_groups[0]["params"]}
    assert sv_params <= base_group  # the Pro layers train at the full rate, as upstream
    run.config.train.pretrained_s2G = str(files["s2G_v2"])
    with pytest.raises(CheckpointError, match=r"s2G_v2\.pth: expected a v2ProPlus s2G checkpoint but this is v2"):
        trainer.load_pretrained(run)


def small_discriminator(config):
    """The real scale + one period discriminator (the 7-period one costs seconds a step on CPU)."""
    return MultiPeriodDiscriminator(periods=(2,))


@pytest.fixture(scope="module")
def pro_runs(tmp_path_factory):
    """Per version: a tiny Pro G pretrained file, one epoch, then a resumed second epoch."""
    runs = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(trainer, "build_discriminator", small_discriminator)
        for version in ("v2Pro", "v2ProPlus"):
            root = tmp_path_factory.mktemp(version)
            exp = pro_experiment(root / "exp", count=3)
            pretrained = save_tiny_pro_s2g(root / f"s2G{version}.pth", version)
            values = tiny_config(exp, root, version=version, epochs=1, batch_size=3, segment_size=1280,
                                 learning_rate=1e-3, pretrained_s2G=str(pretrained), if_save_latest=False)
            values["symbol_table"] = RU.name
            first = trainer.train(S2Config.from_dict(values), CPU)
            values["train"]["epochs"] = 2
            second = trainer.train(S2Config.from_dict(values), CPU)
            runs[version] = (S2Config.from_dict(values), pretrained, first, second)
    return runs


@pytest.mark.slow
@pytest.mark.parametrize("version,marker", [("v2Pro", b"05"), ("v2ProPlus", b"06")])
def test_tiny_pro_run_exports_upstreams_pro_layout(pro_runs, version, marker):
    config, pretrained, first, second = pro_runs[version]
    assert (first.epoch, first.step, second.epoch, second.step) == (1, 1, 2, 2)  # resumed, not restarted
    assert all(torch.isfinite(torch.tensor(list(vars(losses).values()))).all() for losses in first.history + second.history)
    export = second.exports[-1]
    assert export.parent.name == "weights" and export.name == "tiny_e2_s2.pth"
    data_bytes = export.read_bytes()
    assert data_bytes[:2] == marker  # upstream's version bytes in place of PK
    checkpoint = wc.read_checkpoint(export)
    info = wc.identify(checkpoint)
    assert (info.kind, info.version, info.table) == ("s2G", version, RU)
    assert checkpoint["config"]["model"]["version"] == version and checkpoint["info"] == "2epoch_2iteration"
    assert not any(key.startswith("enc_q.") for key in checkpoint["weight"])
    assert {"sv_emb.weight", "ge_to512.weight", "prelu.weight"} <= set(checkpoint["weight"])
    start = wc.read_checkpoint(pretrained)["weight"]["sv_emb.weight"]
    assert not torch.equal(checkpoint["weight"]["sv_emb.weight"], start.half())  # the Pro layers were trained
    state = torch.load(config.state_dir / "state_latest.pt", weights_only=True)
    assert config.state_dir.name == f"logs_s2_{version}" and "sv_emb.weight" in state["generator"]
    samples = sorted((config.state_dir / "samples").glob("step*-sample-generated.wav"))
    assert [path.name[:12] for path in samples] == ["step00000001", "step00000002"]  # decoded with its speaker vector


@pytest.mark.slow
def test_trained_pro_export_is_used_by_synthesis(pro_runs, tmp_path):
    """The exported file goes straight to synthesis: the version comes from the file, no extra option."""
    from GPT_SoVITS.inference import SynthesisParams, TTS
    from tests.inference.fixtures import save_tiny_gpt, save_tiny_hubert, write_reference
    from tests.sv_fixtures import save_seeded_sv

    _, _, _, second = pro_runs["v2ProPlus"]
    sv = tmp_path / "sv.ckpt"
    save_seeded_sv(sv)
    tts = TTS.from_files(save_tiny_gpt(tmp_path / "gpt.ckpt", RU), second.exports[-1], save_tiny_hubert(tmp_path / "hubert"),
                         device="cpu", sv_path=sv)
    assert tts.version == "v2ProPlus" and tts.speaker_encoder is not None
    result = tts.synthesize(write_reference(tmp_path / "ref.wav"), "Это проверка.", "Добрый вечер.",
                            params=SynthesisParams(seed=4, max_new_tokens=12))
    assert result.sample_rate == 32000 and np.isfinite(result.audio).all()
    assert result.pieces[0].samples == 1280 * result.pieces[0].tokens
