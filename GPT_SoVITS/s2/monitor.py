"""What the SoVITS trainer shows while it trains: the curves of each step, and at each save one
fixed utterance rendered by the current generator (a short audio sample, real and generated mels).

Rendering follows synthesis: the utterance's own semantic codes (through the frozen quantiser),
its phones and its own spectrogram as the timbre reference. The files are written by
`GPT_SoVITS.training_log`; nothing here trains or changes the generator's weights.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import NamedTuple

import torch

from GPT_SoVITS.errors import GptSovitsError
from GPT_SoVITS.module.config import S2Config
from GPT_SoVITS.s2.data import S2Dataset, SpectrogramParams, Utterance
from GPT_SoVITS.training_log import DisabledLog, TrainingLog, open_training_log, spectrogram_image

logger = logging.getLogger(__name__)

SAMPLE_SECONDS = 10.0  # longer utterances are rendered up to here ("a short sample")
CODES_PER_SECOND = 25
NOISE_SCALE = 0.5  # the synthesis default
SAMPLE_SEED = 0  # the prior's noise is drawn from this seed, so samples differ only by the weights


def open_log(config: S2Config, is_main: bool, step: int, epoch: int, steps_per_epoch: int) -> TrainingLog | DisabledLog:
    """The run's training log next to its resume state (`logs_s2_<version>/`), continuing the curves
    after the resumed `step`, with the plan of this run (epochs, total steps) for progress and ETA."""
    log = open_training_log(config.state_dir, "s2", step + 1, is_main)
    total = step + (config.train.epochs - epoch) * steps_per_epoch
    if config.train.max_steps is not None:
        total = min(total, config.train.max_steps)
    log.start(config.train.epochs, total, steps_per_epoch)
    return log


def step_scalars(losses, grad_norm_g: float, grad_norm_d: float, optim_g: torch.optim.Optimizer,
                 scaler: torch.amp.GradScaler) -> dict[str, float]:
    """One step's curves under their TensorBoard tags (docs/training.md says what each means).

    `losses` is the trainer's `StepLosses`; `optim_g`'s groups are (other, text), in that order.
    """
    other, text = optim_g.param_groups
    values = {
        "loss/discriminator": losses.disc, "loss/adversarial": losses.gen, "loss/feature_matching": losses.fm,
        "loss/mel": losses.mel, "loss/kl": losses.kl, "loss/commit": losses.commit, "loss/total": losses.total,
        "lr/text": text["lr"], "lr/other": other["lr"],
        "grad_norm/generator": grad_norm_g, "grad_norm/discriminator": grad_norm_d,
    }
    if scaler.is_enabled():
        values["amp/scale"] = scaler.get_scale()
    return values


class RenderedSample(NamedTuple):
    audio: torch.Tensor  # [S] generated waveform at the config's sampling rate
    real_mel: torch.Tensor  # [n_mels, T] log-mel of the recording
    generated_mel: torch.Tensor  # [n_mels, T] log-mel of the generated audio


@torch.no_grad()
def render_sample(generator: torch.nn.Module, utterance: Utterance, config: S2Config) -> RenderedSample:
    """Decode `utterance` (its codes, phones, own reference spectrogram and, for the Pro versions, its
    speaker vector) with `generator`.

    Runs in eval mode and restores the generator's mode after; the training RNG is untouched.
    """
    from GPT_SoVITS.module.mel_processing import mel_spectrogram, spec_to_mel

    data = config.data
    item = S2Dataset([utterance], SpectrogramParams.from_config(dataclasses.asdict(data)), config.train.spec_cache)[0]
    device = next(generator.parameters()).device
    codes = generator.extract_latent(item.ssl.unsqueeze(0).to(device))  # [1, 1, T // 2]
    codes = codes[..., : int(SAMPLE_SECONDS * CODES_PER_SECOND)]
    spec = item.spec.unsqueeze(0).to(device)  # [1, 1025, T]
    was_training = generator.training
    generator.eval()
    try:
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            torch.manual_seed(SAMPLE_SEED)
            sv = None if item.sv is None else item.sv.reshape(1, -1).to(device)  # [1, 20480], Pro models only
            audio = generator.decode(codes, item.text.unsqueeze(0).to(device), spec, noise_scale=NOISE_SCALE, sv_emb=sv)
    finally:
        generator.train(was_training)
    audio = audio.reshape(-1).float()
    mel_args = (data.filter_length, data.n_mel_channels, data.sampling_rate)
    generated_mel = mel_spectrogram(audio.unsqueeze(0), *mel_args, data.hop_length, data.win_length,
                                    data.mel_fmin, data.mel_fmax)[0]
    frames = min(generated_mel.shape[-1], spec.shape[-1])
    real_mel = spec_to_mel(spec[..., :frames].float(), *mel_args, data.mel_fmin, data.mel_fmax)[0]
    return RenderedSample(audio.cpu(), real_mel.cpu(), generated_mel[..., :frames].cpu())


def log_sample(log: TrainingLog | DisabledLog, generator: torch.nn.Module, utterance: Utterance, config: S2Config,
               step: int) -> None:
    """Render `utterance` and write its audio and both mel images to the training `log` at `step`."""
    try:
        sample = render_sample(generator, utterance, config)
    except GptSovitsError as error:  # e.g. the held-out utterance's files, never read by training
        logger.warning("step %d: no sample rendered (%s); training goes on", step, error)
        return
    log.image("mel/real", step, spectrogram_image(sample.real_mel))
    log.image("mel/generated", step, spectrogram_image(sample.generated_mel))
    path = log.audio("sample/generated", step, sample.audio, config.data.sampling_rate)
    logger.info("step %d: sample of %s rendered%s", step, utterance.name, f" to {path}" if path else "")
