"""SoVITS parts: quantizer, spectrograms, losses, config round trip, relative attention, loading."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from GPT_SoVITS import weights_compat as wc
from GPT_SoVITS.errors import CheckpointError
from GPT_SoVITS.manifest import random_state_dict, read_manifest
from GPT_SoVITS.module import attentions, commons, losses, mel_processing
from GPT_SoVITS.module.config import S2Config
from GPT_SoVITS.module.models import build_generator
from GPT_SoVITS.module.quantize import EuclideanCodebook, ResidualVectorQuantizer
from GPT_SoVITS.text.symbols import default_table_name, get_table
from tests.conftest import REPO_ROOT, manifest_path


def _clusters(n_per: int = 50, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    centres = torch.tensor([[10.0, 0, 0], [0, 10.0, 0], [0, 0, 10.0], [-10.0, -10.0, 0]])
    data = centres.repeat_interleave(n_per, 0) + 0.1 * torch.randn(4 * n_per, 3, generator=generator)
    return data, centres


def test_kmeans_initialises_a_fresh_codebook_only():
    torch.manual_seed(0)
    data, centres = _clusters()
    codebook = EuclideanCodebook(3, 4, kmeans_iters=20, threshold_ema_dead_code=0).train()
    codebook(data.unsqueeze(0))
    assert codebook.inited.item() == 1
    found = torch.cdist(centres, codebook.embed).min(dim=1).values
    assert found.max() < 0.5  # every cluster centre has a codeword next to it


def test_loaded_codebook_is_not_reinitialised(monkeypatch):
    codebook = EuclideanCodebook(3, 4, threshold_ema_dead_code=0).train()
    codebook.inited.fill_(1)
    codebook.embed.copy_(torch.eye(4, 3))
    monkeypatch.setattr(codebook, "init_kmeans", lambda data: pytest.fail("re-initialised a loaded codebook"))
    data, _ = _clusters()
    codebook(data)


def test_ema_moves_codewords_towards_assigned_data_and_eval_does_not():
    codebook = EuclideanCodebook(2, 2, decay=0.5, threshold_ema_dead_code=0)
    codebook.inited.fill_(1)
    codebook.embed.copy_(torch.tensor([[0.0, 0.0], [5.0, 5.0]]))
    codebook.embed_avg.copy_(codebook.embed)
    codebook.cluster_size.fill_(1.0)
    data = torch.tensor([[1.0, 1.0], [1.0, 1.0], [6.0, 6.0]])
    codebook.eval()(data)
    assert torch.equal(codebook.embed, torch.tensor([[0.0, 0.0], [5.0, 5.0]]))
    codebook.train()(data)
    assert 0.0 < codebook.embed[0, 0] < 1.0 + 1e-6 and 5.0 < codebook.embed[1, 0] <= 6.0


def test_rvq_encode_decode_round_trip():
    quantizer = ResidualVectorQuantizer(dimension=3, n_q=1, bins=4).eval()
    quantizer.vq.layers[0]._codebook.embed.copy_(torch.eye(4, 3) * 3)
    x = torch.tensor([[[2.9, 0.1], [0.0, 3.2], [0.2, 0.0]]])  # [1, 3, 2]: near codes 0 and 1
    codes = quantizer.encode(x)
    assert codes.tolist() == [[[0, 1]]]
    quantized, forward_codes, commit, _ = quantizer(x)
    assert torch.equal(forward_codes, codes) and float(commit) == 0.0
    assert torch.equal(quantizer.decode(codes), quantized)


def test_spectrogram_matches_a_direct_fft():
    torch.manual_seed(0)
    audio = torch.randn(1, 640 * 6) * 0.1
    spec = mel_processing.spectrogram(audio, 2048, 640, 2048)
    assert spec.shape == (1, 1025, 6)
    padded = np.pad(audio[0].numpy().astype(np.float64), (704, 704), mode="reflect")
    window = np.hanning(2049)[:-1]  # periodic Hann, as torch.hann_window
    frame = padded[2 * 640: 2 * 640 + 2048] * window
    expected = np.sqrt(np.abs(np.fft.rfft(frame)) ** 2 + 1e-8)  # upstream's current magnitude floor
    np.testing.assert_allclose(spec[0, :, 2].numpy(), expected, rtol=1e-4, atol=1e-4)


def test_silence_sits_on_upstreams_magnitude_floor_in_linear_and_mel():
    import librosa

    silence = torch.zeros(1, 640 * 4)
    spec = mel_processing.spectrogram(silence)
    assert torch.allclose(spec, torch.full_like(spec, 1e-4), rtol=1e-6)  # sqrt(0 + 1e-8); 1e-6 gave 1e-3
    mel = mel_processing.mel_spectrogram(silence)
    basis = librosa.filters.mel(sr=32000, n_fft=2048, n_mels=128, fmin=0.0, fmax=None)
    expected = np.log(np.clip(basis.sum(axis=1) * 1e-4, 1e-5, None))
    np.testing.assert_allclose(mel[0].numpy(), np.repeat(expected[:, None], mel.shape[2], axis=1), rtol=1e-5)
    assert float(mel.max()) < np.log(basis.sum(axis=1).max() * 1e-3)  # below the old floor's mel everywhere


def test_mel_spectrogram_uses_librosa_filters():
    import librosa

    spec = torch.rand(1, 1025, 3)
    mel = mel_processing.spec_to_mel(spec, 2048, 128, 32000, 0.0, None)
    basis = librosa.filters.mel(sr=32000, n_fft=2048, n_mels=128, fmin=0.0, fmax=None)
    expected = np.log(np.clip(basis @ spec[0].numpy(), 1e-5, None))
    np.testing.assert_allclose(mel[0].numpy(), expected, rtol=1e-4, atol=1e-5)
    assert mel_processing.mel_spectrogram(torch.zeros(2, 1280)).shape == (2, 128, 2)


def test_losses_on_known_values():
    real, fake = [torch.ones(2, 3)], [torch.zeros(2, 3)]
    loss, real_parts, fake_parts = losses.discriminator_loss(real, fake)
    assert float(loss) == 0.0 and real_parts == [0.0] and fake_parts == [0.0]
    gen, per_disc = losses.generator_loss([torch.zeros(2, 3), torch.ones(1, 4)])
    assert float(gen) == 1.0 and [float(p) for p in per_disc] == [1.0, 0.0]
    assert float(losses.feature_loss([[torch.ones(2)]], [[torch.zeros(2)]])) == 2.0


def test_kl_loss_ignores_padding():
    z_p, logs_q, m_p, logs_p = (torch.zeros(1, 2, 3) for _ in range(4))
    logs_p[:, :, 2] = 5.0  # garbage in the padded frame
    mask = torch.tensor([[[1.0, 1.0, 0.0]]])
    # per element: logs_p - logs_q - 0.5 = -0.5; summed over 2 channels, averaged over 2 frames
    assert float(losses.kl_loss(z_p, logs_q, m_p, logs_p, mask)) == pytest.approx(-1.0)


def test_relative_attention_offsets_match_a_loop():
    rel = torch.randn(1, 1, 4, 7)
    absolute = attentions._relative_to_absolute(rel)
    for i in range(4):
        for j in range(4):
            assert absolute[0, 0, i, j] == rel[0, 0, i, j - i + 3]
    assert torch.equal(attentions._absolute_to_relative(absolute).gather(3, attentions._relative_index(4, rel.device).expand(1, 1, 4, 4)), absolute)


def test_slice_segments_and_masks():
    x = torch.arange(10.0).view(1, 1, 10).repeat(2, 1, 1)
    sliced = commons.slice_segments(x, torch.tensor([2, 8]), 4)
    assert sliced[0, 0].tolist() == [2, 3, 4, 5] and sliced[1, 0].tolist() == [8, 9, 0, 0]
    assert commons.sequence_mask(torch.tensor([1, 3]), 4).tolist() == [[True, False, False, False], [True, True, True, False]]


def test_config_round_trips_upstream_keys():
    raw = json.loads((REPO_ROOT / "configs" / "s2.json").read_text())
    raw["save_weight_dir"], raw["name"] = "SoVITS_weights_v2", "exp"
    raw["train"]["pretrained_s2G"], raw["model"]["version"] = "x.pth", "v2"
    raw["train"]["something_new"] = 3
    config = S2Config.from_dict(raw)
    assert config.to_dict() == raw
    assert config.get("s2_ckpt_dir") == "logs/s2/big2k1" and config.model.gin_channels == 512
    assert config.spec_channels == 1025 and config.segment_frames == 32


def test_config_names_a_misspelt_key_and_keeps_it(caplog):
    raw = json.loads((REPO_ROOT / "configs" / "s2.json").read_text())
    raw["model"]["hiden_channels"] = 192
    with caplog.at_level("WARNING"):
        config = S2Config.from_dict(raw)
    assert any("hiden_channels" in r.getMessage() and "did you mean model.hidden_channels" in r.getMessage()
               for r in caplog.records), caplog.records
    assert config.to_dict() == raw


@pytest.fixture(scope="module")
def upstream_s2g():
    """A random checkpoint in upstream's pretrained format (v2 table, fp16, with enc_q)."""
    weight = random_state_dict(read_manifest(manifest_path("s2G_v2")), seed=3)
    config = json.loads((REPO_ROOT / "configs" / "s2.json").read_text())
    return {"weight": weight, "config": config, "info": "pretrained"}


def test_upstream_checkpoint_loads_strictly_into_v2(full_generator, upstream_s2g, tmp_path):
    path = tmp_path / "s2G.pth"
    torch.save(upstream_s2g, path)
    report = wc.load_into(full_generator, path, table="v2", kind="s2G")
    weight = upstream_s2g["weight"]
    assert report.copied == 732 and report.new == ()
    assert torch.equal(full_generator.ssl_proj.weight.half(), weight["ssl_proj.weight"])
    assert torch.equal(full_generator.quantizer.vq.layers[0]._codebook.embed.half(),
                       weight["quantizer.vq.layers.0._codebook.embed"])


def test_upstream_checkpoint_loads_into_the_extended_table(s2_config, upstream_s2g):
    table = get_table(default_table_name())
    model = build_generator(s2_config, table)
    report = wc.load_into(model, upstream_s2g, table=table, kind="s2G")
    assert report.copied == 732 and len(report.new) == len(table) - 732
    rows = model.enc_p.text_embedding.weight
    assert torch.equal(rows[:732].half(), upstream_s2g["weight"]["enc_p.text_embedding.weight"])


def test_inference_checkpoint_without_enc_q_needs_the_allowance(full_generator, upstream_s2g):
    weight = {k: v for k, v in upstream_s2g["weight"].items() if not k.startswith("enc_q.")}
    with pytest.raises(CheckpointError, match="enc_q"):
        wc.load_into(full_generator, {"weight": weight}, table="v2")
    wc.load_into(full_generator, {"weight": weight}, table="v2", allow_missing=("enc_q.*",))


def test_spectrogram_constants_made_in_inference_mode_still_train():
    """Synthesis or stage 3 may build the cached window first; training must still backprop."""
    mel_processing._CACHE.clear()
    with torch.inference_mode():
        mel_processing.mel_spectrogram(torch.randn(1, 6400))
    audio = torch.randn(1, 6400, requires_grad=True)
    mel_processing.mel_spectrogram(audio).sum().backward()
    assert audio.grad is not None and audio.grad.abs().sum() > 0
