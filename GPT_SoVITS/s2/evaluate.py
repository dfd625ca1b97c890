"""Reconstruction quality of a SoVITS generator: the mel L1 the trainer optimises, and a seeded
evaluation of it that is comparable between checkpoints. No optimisation happens here.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from GPT_SoVITS.module.config import S2Config


def mel_l1(out, batch, config: S2Config) -> torch.Tensor:
    """Mean |log-mel(real slice) - log-mel(generated slice)|, in float32 (upstream's mel loss).

    The real mel comes from the batch's linear spectrogram, sliced at the generator's `ids_slice`.
    """
    from GPT_SoVITS.module.commons import slice_segments
    from GPT_SoVITS.module.mel_processing import mel_spectrogram, spec_to_mel

    data = config.data
    hop, fmin, fmax = data.hop_length, data.mel_fmin, data.mel_fmax
    mel_args = (data.filter_length, data.n_mel_channels, data.sampling_rate)
    frames = out.audio.shape[-1] // hop
    mel = slice_segments(spec_to_mel(batch.spec.float(), *mel_args, fmin, fmax), out.ids_slice, frames)
    mel_hat = mel_spectrogram(out.audio.squeeze(1).float(), *mel_args, hop, data.win_length, fmin, fmax)
    return F.l1_loss(mel, mel_hat)


@torch.no_grad()
def evaluate_mel(generator: torch.nn.Module, batch, config: S2Config, seed: int = 0) -> float:
    """The unweighted mel L1 of `generator` on `batch` with fixed slices (seeded): comparable
    across checkpoints, so it shows whether training improved reconstruction."""
    was_training = generator.training
    generator.eval()
    device = next(generator.parameters()).device
    batch = batch.to(device)
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(seed)
        out = generator(batch.ssl, batch.spec, batch.spec_lengths, batch.text, batch.text_lengths)
    generator.train(was_training)
    return float(mel_l1(out, batch, config))
