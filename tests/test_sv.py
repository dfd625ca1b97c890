"""Speaker encoder (v2Pro): checkpoint layout, Kaldi fbank front end, network wiring, loading."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from GPT_SoVITS.errors import CheckpointError, DataError
from GPT_SoVITS.manifest import read_manifest
from GPT_SoVITS.sv import EMBEDDING_DIM, SpeakerEncoder, load_speaker_encoder
from GPT_SoVITS.sv.eres2netv2 import ERes2NetV2
from GPT_SoVITS.sv.fbank import batch_fbank, compute_fbank, fbank_options, frame_count
from GPT_SoVITS.sv.resample import halving_kernel, resample_to_16k
from tests.conftest import manifest_path
from tests.sv_fixtures import perturb_batchnorms, save_seeded_sv

LOG_EPS = math.log(1.1920929e-07)  # float32 machine epsilon: Kaldi's log floor, -15.942


@pytest.fixture(scope="session")
def sv_checkpoint(tmp_path_factory):
    """A seeded full-shape model saved as upstream's file is: a bare state dict in fp16."""
    path = tmp_path_factory.mktemp("sv") / "pretrained_eres2netv2w24s4ep4.ckpt"
    return path, save_seeded_sv(path)


@pytest.fixture(scope="session")
def encoder(sv_checkpoint):
    return load_speaker_encoder(sv_checkpoint[0])


def _waves(seed: int = 0) -> dict[str, np.ndarray]:
    """The kinds of 16 kHz input the notes checked: noise, tones, exact silence, clipped odd length."""
    rng = np.random.default_rng(seed)
    t = np.arange(20800) / 16000
    tones = 0.3 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * 2500 * t) + 0.01 * rng.standard_normal(t.size)
    with_silence = 0.2 * rng.standard_normal(32000)
    with_silence[8000:12000] = 0.0
    return {
        "noise": (0.1 * rng.standard_normal(8000)).astype(np.float32),
        "tones": tones.astype(np.float32),
        "silence": with_silence.astype(np.float32),
        "clipped": np.clip(2.0 * rng.standard_normal(12345), -1.0, 1.0).astype(np.float32),
    }


def _kaldi_fbank_reference(wave: np.ndarray) -> np.ndarray:
    """The fbank recipe of the notes in float64: frame, DC removal, pre-emphasis, povey window,
    512-point power spectrum, Kaldi mel bank (1127 ln(1 + f/700), 20 Hz..8 kHz), log floor."""
    x = wave.astype(np.float64)
    count = 1 + (x.size - 400) // 160
    frames = np.stack([x[i * 160: i * 160 + 400] for i in range(count)])
    frames -= frames.mean(axis=1, keepdims=True)
    previous = np.concatenate([frames[:, :1], frames[:, :-1]], axis=1)
    frames = frames - 0.97 * previous
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(400) / 399)) ** 0.85
    power = np.abs(np.fft.rfft(frames * window, n=512)) ** 2  # [T, 257]
    mel = lambda f: 1127.0 * np.log(1.0 + f / 700.0)  # noqa: E731
    low, delta = mel(20.0), (mel(8000.0) - mel(20.0)) / 81
    bin_mel = mel(31.25 * np.arange(256))
    bank = np.zeros((80, 257))
    for b in range(80):
        left, centre, right = low + b * delta, low + (b + 1) * delta, low + (b + 2) * delta
        rising, falling = (bin_mel - left) / (centre - left), (right - bin_mel) / (right - centre)
        bank[b, :256] = np.maximum(0.0, np.minimum(rising, falling))
    return np.log(np.maximum(power @ bank.T, 1.1920929e-07))


def test_state_dict_equals_the_manifest_key_by_key():
    expected = [(e.key, e.shape, e.dtype) for e in read_manifest(manifest_path("sv_eres2netv2"))]
    actual = [(k, tuple(v.shape), str(v.dtype).removeprefix("torch.")) for k, v in SpeakerEncoder().state_dict().items()]
    assert len(actual) == 1001
    assert actual == expected


def test_fbank_options_are_upstreams():
    options = fbank_options()
    frame, mel = options.frame_opts, options.mel_opts
    assert (frame.samp_freq, frame.frame_length_ms, frame.frame_shift_ms) == (16000, 25, 10)
    assert frame.dither == 0.0 and frame.snip_edges and frame.remove_dc_offset and frame.round_to_power_of_two
    assert frame.window_type == "povey" and frame.preemph_coeff == pytest.approx(0.97)
    assert (mel.num_bins, mel.low_freq, mel.high_freq, mel.vtln_low, mel.vtln_high) == (80, 20, 0, 100, -500)
    assert not mel.is_librosa and not mel.htk_mode  # Kaldi's natural-log mel scale, not librosa/Slaney
    assert options.use_power and options.use_log_fbank and not options.use_energy and not options.htk_compat
    assert options.eps == pytest.approx(1.1920929e-07)


@pytest.mark.parametrize("name", ["noise", "tones", "silence", "clipped"])
def test_fbank_equals_the_kaldi_recipe(name):
    wave = _waves()[name]
    ours = compute_fbank(wave)
    reference = _kaldi_fbank_reference(wave)
    assert ours.shape == (frame_count(wave.size), 80) == reference.shape
    assert ours.dtype == np.float32
    assert np.abs(ours - reference).max() < 2e-3 and np.abs(ours - reference).mean() < 1e-4


def test_fbank_frames_silence_and_short_input():
    assert [frame_count(n) for n in (399, 400, 559, 560, 16000)] == [0, 1, 1, 2, 98]
    silent = compute_fbank(torch.zeros(4000))
    assert silent.shape == (frame_count(4000), 80) and np.allclose(silent, LOG_EPS)
    feats = compute_fbank(_waves()["silence"])
    fully_silent_frames = feats[51:73]  # frames 51..72 lie inside samples 8000..11999
    assert np.allclose(fully_silent_frames, LOG_EPS) and feats[:40].min() > LOG_EPS + 5
    with pytest.raises(DataError, match="399 samples is too short.*at least 400"):
        compute_fbank(np.zeros(399, dtype=np.float32))


def test_batch_fbank_pads_rows_of_their_own_length():
    waves = _waves()
    rows = torch.zeros(2, 12345)
    rows[0, :8000] = torch.from_numpy(waves["noise"])
    rows[1] = torch.from_numpy(waves["clipped"])
    feats, frames = batch_fbank(rows, torch.tensor([8000, 12345]))
    assert frames.tolist() == [48, 75] and feats.shape == (2, 75, 80)
    assert np.array_equal(feats[0, :48].numpy(), compute_fbank(waves["noise"])) and not feats[0, 48:].any()
    assert np.array_equal(feats[1].numpy(), compute_fbank(waves["clipped"]))


def _bn(x: torch.Tensor, bn: torch.nn.BatchNorm2d) -> torch.Tensor:
    shape = (1, -1, 1, 1)
    scale = bn.weight.view(shape) / torch.sqrt(bn.running_var.view(shape) + 1e-5)
    return (x - bn.running_mean.view(shape)) * scale + bn.bias.view(shape)


def _conv(x: torch.Tensor, conv: torch.nn.Conv2d, stride: int = 1, padding: int = 0) -> torch.Tensor:
    return F.conv2d(x, conv.weight, conv.bias, stride, padding)


def _aff(x: torch.Tensor, y: torch.Tensor, aff) -> torch.Tensor:
    att = aff.local_att
    h = _bn(_conv(torch.cat([x, y], dim=1), att[0]), att[1])
    h = _bn(_conv(h * torch.sigmoid(h), att[3]), att[4])
    m = 1 + torch.tanh(h)
    return x * m + y * (2 - m)


def _block(x: torch.Tensor, block, stride: int, fused: bool) -> torch.Tensor:
    """The notes' block recipe: clamp(0, 20) everywhere, every chunk convolved, AFF(prev, split)."""
    out = torch.clamp(_bn(_conv(x, block.conv1, stride), block.bn1), 0, 20)
    width = out.size(1) // 4
    outputs = []
    for i in range(4):
        split = out[:, i * width:(i + 1) * width]
        merged = split if i == 0 else (_aff(outputs[-1], split, block.fuse_models[i - 1]) if fused else outputs[-1] + split)
        outputs.append(torch.clamp(_bn(_conv(merged, block.convs[i], 1, 1), block.bns[i]), 0, 20))
    out = _bn(_conv(torch.cat(outputs, dim=1), block.conv3), block.bn3)
    shortcut = x if block.shortcut is None else _bn(_conv(x, block.shortcut[0], stride), block.shortcut[1])
    return torch.clamp(out + shortcut, 0, 20)


def _pooled_by_the_recipe(model: ERes2NetV2, feats: torch.Tensor) -> torch.Tensor:
    x = F.relu(_bn(_conv(feats.transpose(1, 2).unsqueeze(1), model.conv1, 1, 1), model.bn1))
    outputs = []
    for layer, first_stride in zip((model.layer1, model.layer2, model.layer3, model.layer4), (1, 2, 2, 2)):
        for index, block in enumerate(layer):
            x = _block(x, block, first_stride if index == 0 else 1, fused=layer in (model.layer3, model.layer4))
        outputs.append(x)
    fused = _aff(outputs[3], _conv(outputs[2], model.layer3_ds, 2, 1), model.fuse34)  # no BN after layer3_ds
    channels, rows = fused.shape[1:3]
    return torch.stack([fused[:, c, f].mean(-1) for c in range(channels) for f in range(rows)], dim=1)


@torch.no_grad()
def test_network_equals_the_notes_recipe_on_a_small_instance():
    torch.manual_seed(2)
    model = ERes2NetV2(m_channels=16, num_blocks=(2, 1, 2, 1)).eval()
    perturb_batchnorms(model, seed=3)
    feats = torch.randn(2, 37, 80) * 20  # large enough for the clamp at 20 to act
    fast = model.pooled_embedding(feats)
    assert fast.shape == (2, 128 * 4 * 10)
    assert torch.allclose(fast, _pooled_by_the_recipe(model, feats), rtol=1e-4, atol=1e-5)


@torch.no_grad()
def test_loaded_encoder_holds_the_file_and_embeds(sv_checkpoint, encoder):
    _, state = sv_checkpoint
    loaded = encoder.state_dict()
    assert all(torch.equal(loaded[k], v.float() if v.is_floating_point() else v) for k, v in state.items())
    assert not encoder.training and encoder.conv1.weight.dtype == torch.float32
    waves = torch.from_numpy(np.stack([_waves()["noise"], _waves(1)["noise"]]))
    vectors = encoder.embed(waves)
    assert vectors.shape == (2, EMBEDDING_DIM) and vectors.dtype == torch.float32 and torch.isfinite(vectors).all()
    assert not torch.allclose(vectors[0], vectors[1])
    feats = torch.from_numpy(compute_fbank(waves[0])).unsqueeze(0)
    assert torch.allclose(vectors[:1], encoder.pooled_embedding(feats), atol=1e-6)


@torch.no_grad()
def test_padded_batch_of_mixed_lengths_equals_one_by_one(encoder):
    clips = [_waves()["noise"], _waves()["clipped"], _waves(2)["noise"][:5000]]
    batch = torch.zeros(3, max(c.size for c in clips))
    for row, clip in zip(batch, clips):
        row[: clip.size] = torch.from_numpy(clip)
    batched = encoder.embed(batch, lengths=torch.tensor([c.size for c in clips]))
    for row, clip in zip(batched, clips):
        alone = encoder.embed(torch.from_numpy(clip).unsqueeze(0))[0]
        assert torch.allclose(row, alone, rtol=1e-4, atol=1e-5)
    unmasked = encoder.embed(batch)[0]  # the padding would count as audio without `lengths`
    assert not torch.allclose(unmasked, batched[0], atol=1e-3)
    with pytest.raises(ValueError, match=r"\[B, N\]"):
        encoder.embed(batch[0])
    with pytest.raises(ValueError, match="lengths must be"):
        encoder.embed(batch, lengths=torch.tensor([5000, batch.size(1) + 1, 400]))


def test_load_accepts_a_file_without_step_counters(sv_checkpoint, tmp_path):
    _, state = sv_checkpoint
    path = tmp_path / "sv.ckpt"
    torch.save({k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}, path)
    model = load_speaker_encoder(path)
    assert torch.equal(model.fuse34.local_att[0].bias, state["fuse34.local_att.0.bias"].float())


def test_load_errors_name_the_file_and_list_the_keys(tmp_path):
    with pytest.raises(CheckpointError, match=r"absent\.ckpt: speaker-encoder weights not found.*pretrained_eres2netv2w24s4ep4"):
        load_speaker_encoder(tmp_path / "absent.ckpt")
    wrong = tmp_path / "wrong.ckpt"
    torch.save({"conv1.weight": torch.zeros(32, 1, 3, 3), "bn1.weight": torch.ones(64), "extra.weight": torch.ones(1)}, wrong)
    with pytest.raises(CheckpointError) as caught:
        load_speaker_encoder(wrong)
    message = str(caught.value)
    assert message.startswith(f"{wrong}: not the ERes2NetV2 speaker encoder")
    assert "missing (842): bn1.bias, bn1.running_mean" in message and "(830 more)" in message
    assert "unexpected (1): extra.weight" in message
    assert "mis-shaped (1): conv1.weight: checkpoint (32, 1, 3, 3) vs model (64, 1, 3, 3)" in message
    sovits = tmp_path / "s2G.pth"
    torch.save({"weight": {"enc_p.text_embedding.weight": torch.zeros(732, 192)}, "config": {}}, sovits)
    with pytest.raises(CheckpointError, match="unexpected \\(1\\): enc_p.text_embedding.weight"):
        load_speaker_encoder(sovits)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.gpu
@torch.no_grad()
def test_half_precision_on_gpu_stays_close_to_float32(sv_checkpoint, encoder):
    half = load_speaker_encoder(sv_checkpoint[0], device="cuda", dtype=torch.float16)
    waves = torch.from_numpy(np.stack([_waves()["noise"], _waves(3)["noise"]]))
    reference = encoder.embed(waves)
    vectors = half.embed(waves.cuda())
    assert vectors.dtype == torch.float16 and vectors.device.type == "cuda"
    assert torch.allclose(vectors.float().cpu(), reference, rtol=2e-2, atol=2e-2)


def test_resampler_is_upstreams_windowed_sinc():
    """The notes' formula, written out in float64: 28 taps, y[m] = sum_k h_k x[2m + k], zeros outside."""
    k = np.arange(-13, 15)
    t = np.clip(0.99 * k / 2, -6, 6)
    taps = np.sinc(t) * np.cos(np.pi * t / 12) ** 2 * 0.495
    assert np.allclose(halving_kernel().numpy(), taps, atol=1e-7) and halving_kernel()[13] == pytest.approx(0.495)
    wave = _waves()["tones"][:12345]
    padded = np.concatenate([np.zeros(13), wave.astype(np.float64), np.zeros(16)])
    expected = np.array([padded[2 * m: 2 * m + 28] @ taps for m in range((wave.size + 1) // 2)])
    ours = resample_to_16k(torch.from_numpy(wave))
    assert ours.shape == (6173,) and ours.dtype == torch.float32
    assert np.abs(ours.numpy() - expected).max() < 1e-6
    batch = resample_to_16k(torch.from_numpy(np.stack([wave, wave[::-1].copy()])))
    assert batch.shape == (2, 6173) and torch.allclose(batch[0], ours, atol=1e-7)
