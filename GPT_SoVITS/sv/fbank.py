"""The speaker encoder's front end: 80-bin Kaldi log-mel fbank of 16 kHz audio (kaldi-native-fbank).

Options are upstream's (torchaudio-style `fbank(num_mel_bins=80, sample_frequency=16000,
dither=0)` with Kaldi defaults otherwise); kaldi-native-fbank reproduces it to float32
precision. Not a general feature extractor: it returns exactly what ERes2NetV2 expects.
"""

from __future__ import annotations

import kaldi_native_fbank as knf
import numpy as np
import torch

from GPT_SoVITS.errors import DataError

SAMPLE_RATE = 16000
NUM_MEL_BINS = 80
WINDOW_SAMPLES = 400  # 25 ms
HOP_SAMPLES = 160  # 10 ms


def fbank_options() -> knf.FbankOptions:
    """Upstream's fbank options. Everything not set here is Kaldi's default (snip_edges,
    povey window, pre-emphasis 0.97, DC removal, power spectrum, 20 Hz..Nyquist, no energy)."""
    options = knf.FbankOptions()
    options.frame_opts.samp_freq = SAMPLE_RATE
    options.frame_opts.dither = 0.0  # knf's default is 3e-5; upstream passes dither=0
    options.mel_opts.num_bins = NUM_MEL_BINS
    return options


def frame_count(samples: int) -> int:
    """Fbank frames of `samples` samples (snip_edges): 1 + (N - 400) // 160, none below 400."""
    return 0 if samples < WINDOW_SAMPLES else 1 + (samples - WINDOW_SAMPLES) // HOP_SAMPLES


def compute_fbank(wave: np.ndarray | torch.Tensor, options: knf.FbankOptions | None = None) -> np.ndarray:
    """One utterance: float wave [N] in [-1, 1] (not int16-scaled) -> log-mel float32 [T, 80].

    Raises `DataError` when the wave is shorter than one 25 ms window (400 samples).
    """
    if isinstance(wave, torch.Tensor):
        wave = wave.detach().to("cpu", torch.float32).numpy()
    wave = np.ascontiguousarray(wave, dtype=np.float32).reshape(-1)
    if wave.size < WINDOW_SAMPLES:
        raise DataError(
            f"audio of {wave.size} samples is too short for the speaker encoder: it needs at least "
            f"{WINDOW_SAMPLES} samples (25 ms at 16 kHz)")
    extractor = knf.OnlineFbank(options or fbank_options())
    extractor.accept_waveform(SAMPLE_RATE, wave)
    extractor.input_finished()
    return np.stack([extractor.get_frame(i) for i in range(extractor.num_frames_ready)])


def batch_fbank(waves: torch.Tensor, lengths: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows of `waves` [B, N] (row b has `lengths[b]` real samples, default N) -> zero-padded
    feats [B, T_max, 80] float32 on the CPU and the frame count of each row [B]."""
    options = fbank_options()
    rows = waves.detach().to("cpu", torch.float32)
    counts = [rows.size(1)] * rows.size(0) if lengths is None else [int(n) for n in lengths]
    feats = [compute_fbank(row[:count].numpy(), options) for row, count in zip(rows, counts)]
    frames = torch.tensor([f.shape[0] for f in feats], dtype=torch.long)
    batch = torch.zeros(len(feats), int(frames.max()), NUM_MEL_BINS)
    for b, values in enumerate(feats):
        batch[b, : values.shape[0]] = torch.from_numpy(values)
    return batch, frames
