"""The SoVITS (s2) training loop: setup -> (discriminator step, generator step)* -> save/export.

VITS-style GAN fine-tuning of `SynthesizerTrn` against `MultiPeriodDiscriminator`: the
generator minimises adversarial + feature-matching + c_mel * mel-L1 + c_kl * KL + VQ commit
losses. Runs single-process, or one process per device under `torchrun` (DDP; gloo on CPU).
Pretrained weights come in only through weights_compat; resume files are our own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import torch
from torch.nn.parallel import DistributedDataParallel

from GPT_SoVITS import weights_compat as wc
from GPT_SoVITS.distributed import Runtime, barrier, shutdown, start_runtime
from GPT_SoVITS.errors import CheckpointError, DataError
from GPT_SoVITS.s2 import checkpoints
from GPT_SoVITS.s2.data import BucketBatchSampler, S2Dataset, SpectrogramParams, collate, repeat_small_dataset, scan_experiment
from GPT_SoVITS.s2.evaluate import mel_l1
from GPT_SoVITS.s2.options import OUR_TRAIN_KEYS, TrainOptions
from GPT_SoVITS.text.symbols import SymbolTable, get_table

logger = logging.getLogger(__name__)

#: Parameters trained at `learning_rate * text_low_lr_rate` (upstream's "text" group).
TEXT_PARAM_PREFIXES = ("enc_p.text_embedding.", "enc_p.encoder_text.", "enc_p.mrte.")


@dataclass(frozen=True)
class StepLosses:
    """One step's losses as floats (the generator total and its weighted terms)."""

    disc: float
    gen: float
    fm: float
    mel: float
    kl: float
    commit: float
    total: float


@dataclass
class TrainResult:
    """What a `train` call did: last epoch/step reached, files written, per-step losses."""

    epoch: int
    step: int
    exports: list[Path] = field(default_factory=list)
    state_file: Path | None = None
    history: list[StepLosses] = field(default_factory=list)


@dataclass
class Models:
    """The live training objects; `generator`/`discriminator` may be DDP wrappers."""

    generator: torch.nn.Module
    discriminator: torch.nn.Module
    optim_g: torch.optim.Optimizer
    optim_d: torch.optim.Optimizer
    sched_g: torch.optim.lr_scheduler.LRScheduler
    sched_d: torch.optim.lr_scheduler.LRScheduler
    scaler: torch.amp.GradScaler

    @property
    def bare_generator(self) -> torch.nn.Module:
        return getattr(self.generator, "module", self.generator)

    @property
    def bare_discriminator(self) -> torch.nn.Module:
        return getattr(self.discriminator, "module", self.discriminator)


# --- setup ------------------------------------------------------------------------------------


def text_parameter_group(name: str) -> bool:
    """True for the text embedding, text encoder and MRTE (trained at the lower rate)."""
    return name.startswith(TEXT_PARAM_PREFIXES)


def generator_param_groups(generator: torch.nn.Module, options: TrainOptions) -> list[dict]:
    """Two AdamW groups; frozen parameters (requires_grad False) are left out entirely."""
    text, other = [], []
    for name, parameter in generator.named_parameters():
        if parameter.requires_grad:
            (text if text_parameter_group(name) else other).append(parameter)
    return [
        {"params": other, "lr": options.learning_rate},
        {"params": text, "lr": options.learning_rate * options.text_low_lr_rate},
    ]


def build_models(config: Mapping, options: TrainOptions, table: SymbolTable, runtime: Runtime) -> Models:
    """Generator (for `table`), discriminator, optimisers, per-epoch LR schedules and the AMP scaler."""
    from GPT_SoVITS.module.config import S2Config
    from GPT_SoVITS.module.models import build_generator

    s2config = S2Config.from_dict(model_config(config))
    generator = build_generator(s2config, table).to(runtime.device)
    if options.freeze_quantizer:
        generator.freeze_quantizer_parts()
    discriminator = build_discriminator(config).to(runtime.device)
    # fused AdamW: one kernel for all tensors (4-5x faster than the per-tensor loop on CPU).
    adamw = {"betas": options.betas, "eps": options.eps, "fused": True}
    optim_g = torch.optim.AdamW(generator_param_groups(generator, options), lr=options.learning_rate, **adamw)
    optim_d = torch.optim.AdamW(discriminator.parameters(), lr=options.learning_rate, **adamw)
    amp = options.fp16_run and runtime.device.type == "cuda"
    return Models(
        generator, discriminator, optim_g, optim_d,
        torch.optim.lr_scheduler.ExponentialLR(optim_g, gamma=options.lr_decay),
        torch.optim.lr_scheduler.ExponentialLR(optim_d, gamma=options.lr_decay),
        torch.amp.GradScaler(runtime.device.type, enabled=amp),
    )


def build_discriminator(config: Mapping) -> torch.nn.Module:
    """The multi-period discriminator of upstream's s2D (scale + periods 2, 3, 5, 7, 11)."""
    from GPT_SoVITS.module.models import MultiPeriodDiscriminator

    return MultiPeriodDiscriminator(bool(config["model"].get("use_spectral_norm", False)))


def model_config(config: Mapping) -> dict:
    """The config as the model reads it: our trainer-only keys removed, `model.version` set."""
    train = {k: v for k, v in config["train"].items() if k not in OUR_TRAIN_KEYS}
    model = dict(config["model"])
    model.setdefault("version", config.get("version", "v2"))
    return {**{k: v for k, v in config.items() if k != "symbol_table"}, "train": train, "model": model}


def wrap_for_ddp(models: Models, runtime: Runtime) -> None:
    """DDP-wrap G and D when distributed (after loading weights, so rank 0's copy is broadcast)."""
    if not runtime.distributed:
        return
    device_ids = [runtime.device.index] if runtime.device.type == "cuda" else None
    # find_unused_parameters: enc_q/flow/dec all run each step, but a frozen quantiser path and
    # conditional branches must not stall the gradient all-reduce.
    models.generator = DistributedDataParallel(models.generator, device_ids=device_ids, find_unused_parameters=True)
    models.discriminator = DistributedDataParallel(models.discriminator, device_ids=device_ids)


# --- weights in ---------------------------------------------------------------------------------


def restore_or_load_pretrained(models: Models, options: TrainOptions, table: SymbolTable) -> tuple[int, int]:
    """Continue from the resume file if there is one, else load the pretrained G/D.

    Returns (last finished epoch, global step). The resume file is loaded strictly: a key or
    shape that does not match is an error, never a silently fresh tensor.
    """
    path = checkpoints.state_path(options.state_dir)
    if path.is_file():
        state = checkpoints.load_training_state(path, table)
        for module, weights, what in ((models.bare_generator, state.generator, "generator"),
                                      (models.bare_discriminator, state.discriminator, "discriminator")):
            try:
                module.load_state_dict(weights, strict=True)
            except RuntimeError as error:
                raise CheckpointError(f"{path}: the saved {what} does not match the model built from the config: {error}") from None
        models.optim_g.load_state_dict(state.optim_g)
        models.optim_d.load_state_dict(state.optim_d)
        models.sched_g.load_state_dict(state.sched_g)
        models.sched_d.load_state_dict(state.sched_d)
        models.scaler.load_state_dict(state.scaler)
        checkpoints.restore_rng_state(state.rng)
        logger.info("resuming from %s: epoch %d finished, step %d", path, state.epoch, state.step)
        return state.epoch, state.step
    load_pretrained(models, options, table)
    return 0, 0


def load_pretrained(models: Models, options: TrainOptions, table: SymbolTable) -> None:
    """Pretrained G (text rows adapted by symbol name to `table`) and D, through weights_compat."""
    if options.pretrained_s2G:
        report = wc.load_into(models.bare_generator, options.pretrained_s2G, table=table, kind="s2G",
                              allow_missing=("enc_q.*",))
        logger.info("pretrained G: %s", report.line())
    else:
        logger.warning("train.pretrained_s2G is empty: the generator starts from random weights")
    if options.pretrained_s2D:
        report = wc.load_into(models.bare_discriminator, options.pretrained_s2D, kind="s2D")
        logger.info("pretrained D: %s", report.line())
    else:
        logger.warning("train.pretrained_s2D is empty: the discriminator starts from random weights")


# --- data --------------------------------------------------------------------------------------


def make_loader(config: Mapping, options: TrainOptions, table: SymbolTable, runtime: Runtime):
    """DataLoader over the experiment folder with a per-rank bucket sampler."""
    params = SpectrogramParams.from_config(config["data"])
    utterances, report = scan_experiment(options.exp_dir, table, params)
    if runtime.is_main:
        report.log()
    if not utterances:
        raise DataError(f"{options.exp_dir}: no usable utterances ({report.line()}); check the preparation stages' output")
    dataset = S2Dataset(repeat_small_dataset(utterances, options.min_epoch_items), params, options.spec_cache)
    sampler = BucketBatchSampler(dataset.lengths(), options.batch_size, num_replicas=runtime.world_size,
                                 rank=runtime.rank, seed=options.seed)
    loader = torch.utils.data.DataLoader(
        dataset, batch_sampler=sampler, collate_fn=collate, num_workers=options.num_workers,
        persistent_workers=options.num_workers > 0, pin_memory=runtime.device.type == "cuda",
    )
    return loader, sampler


# --- one step ----------------------------------------------------------------------------------


def train_step(models: Models, batch, config: Mapping, options: TrainOptions, runtime: Runtime) -> StepLosses:
    """One discriminator update then one generator update on `batch` (a `data.Batch`)."""
    from GPT_SoVITS.module.commons import slice_segments
    from GPT_SoVITS.module.losses import discriminator_loss, feature_loss, generator_loss, kl_loss

    hop = int(config["data"]["hop_length"])
    batch = batch.to(runtime.device)
    autocast = torch.autocast(runtime.device.type, dtype=torch.float16, enabled=models.scaler.is_enabled())
    with autocast:
        out = models.generator(batch.ssl, batch.spec, batch.spec_lengths, batch.text, batch.text_lengths)
        real_audio = slice_segments(batch.audio, out.ids_slice * hop, out.audio.shape[-1])
        real_out, fake_out, _, _ = models.discriminator(real_audio, out.audio.detach())
    loss_disc, _, _ = discriminator_loss(real_out, fake_out)
    _optimise(models, models.optim_d, loss_disc)

    with autocast:
        real_out, fake_out, real_fmaps, fake_fmaps = models.discriminator(real_audio, out.audio)
    loss_mel = mel_l1(out, batch, config) * options.c_mel
    loss_kl = kl_loss(out.z_p, out.logs_q, out.m_p, out.logs_p, out.spec_mask) * options.c_kl
    loss_fm = feature_loss(real_fmaps, fake_fmaps)
    loss_gen, _ = generator_loss(fake_out)
    commit = out.commit_loss.float()
    total = loss_gen + loss_fm + loss_mel + loss_kl + commit
    _optimise(models, models.optim_g, total)
    models.scaler.update()
    values = (loss_disc, loss_gen, loss_fm, loss_mel, loss_kl, commit, total)
    return StepLosses(*(float(v.detach()) for v in values))


def _optimise(models: Models, optimizer: torch.optim.Optimizer, loss: torch.Tensor) -> None:
    optimizer.zero_grad(set_to_none=True)
    models.scaler.scale(loss).backward()
    models.scaler.step(optimizer)


# --- saving ------------------------------------------------------------------------------------


def save_point(models: Models, config: Mapping, options: TrainOptions, table: SymbolTable,
               epoch: int, finished_epoch: int, step: int, export: bool) -> tuple[Path, Path | None]:
    """Write the resume state and (when `export`) the inference weights; rank 0 only."""
    state = checkpoints.TrainingState(
        epoch=finished_epoch, step=step,
        generator=models.bare_generator.state_dict(), discriminator=models.bare_discriminator.state_dict(),
        optim_g=models.optim_g.state_dict(), optim_d=models.optim_d.state_dict(),
        sched_g=models.sched_g.state_dict(), sched_d=models.sched_d.state_dict(),
        scaler=models.scaler.state_dict(), rng=checkpoints.rng_state(), symbols=table.symbols,
    )
    state_file = checkpoints.state_path(options.state_dir)
    checkpoints.save_training_state(state_file, state)
    exported = None
    if export:
        exported = checkpoints.export_weights(models.bare_generator.state_dict(), options.save_weight_dir, options.name,
                                              epoch, step, model_config(config), table, options.version)
        if options.if_save_latest:
            checkpoints.prune_exports(options.save_weight_dir, options.name, exported)
    return state_file, exported


# --- the loop ----------------------------------------------------------------------------------


def _progress(loader, runtime: Runtime, epoch: int, epochs: int):
    if not runtime.is_main:
        return loader
    from tqdm import tqdm

    return tqdm(loader, desc=f"s2 epoch {epoch}/{epochs}", leave=False, dynamic_ncols=True)


def _set_train_mode(models: Models, options: TrainOptions) -> None:
    models.generator.train()
    models.discriminator.train()
    if options.freeze_quantizer:
        # .train() flips every submodule back to training mode: re-freeze ssl_proj and the
        # quantiser so the codebook never gets EMA updates and semantic tokens stay valid.
        models.bare_generator.freeze_quantizer_parts()


def _run_epoch(models, loader, sampler, config, options, runtime, epoch, step, result) -> tuple[int, bool]:
    """Train one epoch; returns (global step, whether max_steps stopped it early)."""
    sampler.set_epoch(epoch)
    _set_train_mode(models, options)
    progress = _progress(loader, runtime, epoch, options.epochs)
    for batch in progress:
        losses = train_step(models, batch, config, options, runtime)
        step += 1
        result.history.append(losses)
        if runtime.is_main:
            if hasattr(progress, "set_postfix"):
                progress.set_postfix(mel=f"{losses.mel:.3f}", kl=f"{losses.kl:.3f}", d=f"{losses.disc:.3f}", g=f"{losses.gen:.3f}")
            if step % options.log_interval == 0:
                logger.info("epoch %d step %d: %s", epoch, step, ", ".join(f"{k} {v:.4f}" for k, v in vars(losses).items()))
        if options.max_steps is not None and step >= options.max_steps:
            return step, True
    return step, False


def train(config: Mapping, runtime: Runtime | None = None) -> TrainResult:
    """Train from a parsed tmp_s2.json dict; returns what was done. The whole recipe, top to bottom."""
    options = TrainOptions.from_config(config)
    runtime = runtime or start_runtime()
    table = get_table(options.symbol_table)
    torch.manual_seed(options.seed)
    if runtime.is_main:
        checkpoints.write_config_copy(options.s2_ckpt_dir, config)
        logger.info("s2 training %s: table %s (%d symbols), %d process(es) on %s",
                    options.name, table.name, len(table), runtime.world_size, runtime.device)
    models = build_models(config, options, table, runtime)
    start_epoch, step = restore_or_load_pretrained(models, options, table)
    wrap_for_ddp(models, runtime)
    loader, sampler = make_loader(config, options, table, runtime)
    result = TrainResult(start_epoch, step)
    if start_epoch >= options.epochs:
        logger.info("already trained %d of %d epochs: nothing to do (raise train.epochs to continue)", start_epoch, options.epochs)
        return result
    for epoch in range(start_epoch + 1, options.epochs + 1):
        step, stopped = _run_epoch(models, loader, sampler, config, options, runtime, epoch, step, result)
        if not stopped:
            models.sched_g.step()
            models.sched_d.step()
        last = stopped or epoch == options.epochs
        result.epoch, result.step = epoch, step
        if runtime.is_main and (epoch % options.save_every_epoch == 0 or last):
            # An epoch cut short by max_steps is not finished: a resume repeats it.
            finished = epoch - 1 if stopped else epoch
            export = options.if_save_every_weights or last
            result.state_file, exported = save_point(models, config, options, table, epoch, finished, step, export)
            if exported is not None:
                result.exports.append(exported)
        barrier(runtime)
        if stopped:
            break
    return result


def run_from_config(config: Mapping[str, Any]) -> TrainResult:
    """Entry used by `s2_train.py` and the UI: start the runtime, train, always leave the group."""
    runtime = start_runtime()
    try:
        return train(config, runtime)
    finally:
        shutdown(runtime)
