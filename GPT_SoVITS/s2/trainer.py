"""The SoVITS (s2) training loop: setup -> (discriminator step, generator step)* -> save/export.

VITS-style GAN fine-tuning of `SynthesizerTrn` against `MultiPeriodDiscriminator`: the
generator minimises adversarial + feature-matching + c_mel * mel-L1 + c_kl * KL + VQ commit
losses. `model.version` picks v2 or a Pro version (speaker vectors from `7-sv_cn`, two more
discriminator periods, exports with upstream's version bytes). Runs single-process, or one process per device under `torchrun` (DDP; gloo on CPU).
Every function takes the typed `S2Config` (parsed once); pretrained weights come in only
through weights_compat; resume files are our own. Curves and samples go to the training log
(`GPT_SoVITS.training_log`) next to the resume state.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import torch
from torch.nn.parallel import DistributedDataParallel

from GPT_SoVITS import weights_compat as wc
from GPT_SoVITS.atomic import check_writable
from GPT_SoVITS.distributed import Runtime, barrier, shutdown, start_runtime
from GPT_SoVITS.errors import CheckpointError, DataError
from GPT_SoVITS.module.config import S2Config, TrainConfig
from GPT_SoVITS.s2 import checkpoints, monitor
from GPT_SoVITS.s2.data import (BucketBatchSampler, S2Dataset, SpectrogramParams, Utterance, collate,
                                repeat_small_dataset, scan_experiment)
from GPT_SoVITS.s2.evaluate import mel_l1
from GPT_SoVITS.s2.options import check_trainable
from GPT_SoVITS.text.symbols import SymbolTable, get_table
from GPT_SoVITS.training_log import DisabledLog, TrainingLog, grad_norm, log_repetition, set_sample_aside
from GPT_SoVITS.versions import is_pro_version

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


class StepResult(NamedTuple):
    """One step's losses and the gradient norms of G and D (after AMP unscaling)."""

    losses: StepLosses
    grad_norm_g: float
    grad_norm_d: float


@dataclass
class TrainResult:
    """What a `train` call did (updated as it goes): epoch/step reached, files written, losses."""

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
    autocast_dtype: torch.dtype | None = None  # None: float32 (no autocast)

    @property
    def bare_generator(self) -> torch.nn.Module:
        return getattr(self.generator, "module", self.generator)

    @property
    def bare_discriminator(self) -> torch.nn.Module:
        return getattr(self.discriminator, "module", self.discriminator)


@dataclass
class Run:
    """What one training run works with: its config, its process, the symbol table, the models."""

    config: S2Config
    runtime: Runtime
    table: SymbolTable
    models: Models
    log: TrainingLog | DisabledLog = field(default_factory=DisabledLog)


class DataFeed(NamedTuple):
    """The batches of one rank: the loader and its sampler (re-shuffled per epoch), and the fixed
    utterance the save points render a sample from."""

    loader: torch.utils.data.DataLoader
    sampler: BucketBatchSampler
    sample: Utterance | None = None


# --- setup ------------------------------------------------------------------------------------


def text_parameter_group(name: str) -> bool:
    """True for the text embedding, text encoder and MRTE (trained at the lower rate)."""
    return name.startswith(TEXT_PARAM_PREFIXES)


def generator_param_groups(generator: torch.nn.Module, train: TrainConfig) -> list[dict]:
    """Two AdamW groups; frozen parameters (requires_grad False) are left out entirely."""
    text, other = [], []
    for name, parameter in generator.named_parameters():
        if parameter.requires_grad:
            (text if text_parameter_group(name) else other).append(parameter)
    return [
        {"params": other, "lr": train.learning_rate},
        {"params": text, "lr": train.learning_rate * train.text_low_lr_rate},
    ]


def build_models(config: S2Config, table: SymbolTable, runtime: Runtime) -> Models:
    """Generator (for `table`), discriminator, optimisers, per-epoch LR schedules and the AMP scaler."""
    from GPT_SoVITS.module.models import build_generator

    train = config.train
    generator = build_generator(config, table).to(runtime.device)
    if config.model.freeze_quantizer:
        generator.freeze_quantizer_parts()
    discriminator = build_discriminator(config).to(runtime.device)
    # fused AdamW: one kernel for all tensors (4-5x faster than the per-tensor loop on CPU).
    adamw = {"betas": tuple(float(b) for b in train.betas), "eps": train.eps, "fused": True}
    optim_g = torch.optim.AdamW(generator_param_groups(generator, train), lr=train.learning_rate, **adamw)
    optim_d = torch.optim.AdamW(discriminator.parameters(), lr=train.learning_rate, **adamw)
    amp = autocast_dtype(train, runtime.device)
    return Models(
        generator, discriminator, optim_g, optim_d,
        torch.optim.lr_scheduler.ExponentialLR(optim_g, gamma=train.lr_decay),
        torch.optim.lr_scheduler.ExponentialLR(optim_d, gamma=train.lr_decay),
        # bfloat16 keeps float32's exponent range: no loss scaling needed, only float16 gets a scaler.
        torch.amp.GradScaler(runtime.device.type, enabled=amp == torch.float16),
        amp,
    )


def autocast_dtype(train: TrainConfig, device: torch.device) -> torch.dtype | None:
    """What `fp16_run` autocasts to on CUDA (`train.amp_dtype`); None (float32) on CPU or with it off."""
    return getattr(torch, train.amp_dtype) if train.fp16_run and device.type == "cuda" else None


def build_discriminator(config: S2Config) -> torch.nn.Module:
    """The multi-period discriminator of upstream's s2D (scale + periods 2, 3, 5, 7, 11; Pro versions
    also 17 and 23)."""
    from GPT_SoVITS.module.discriminators import MultiPeriodDiscriminator

    return MultiPeriodDiscriminator(config.model.use_spectral_norm, version=config.model_version)


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


def restore_or_load_pretrained(run: Run) -> tuple[int, int]:
    """Continue from the resume file if there is one, else load the pretrained G/D.

    Returns (last finished epoch, global step). The resume file is loaded strictly: a key or
    shape that does not match is an error, never a silently fresh tensor.
    """
    models = run.models
    path = checkpoints.state_path(run.config.state_dir)
    if not path.is_file():
        load_pretrained(run)
        return 0, 0
    state = checkpoints.load_training_state(path, run.table)
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


def write_promised_export(run: Run, epoch: int, step: int) -> Path | None:
    """Write the export the resumed state promises when a kill between the state and the export
    left it missing or damaged; the restored generator is exactly what that save exported."""
    config, train_config = run.config, run.config.train
    path = checkpoints.promised_export(config.weight_dir, config.run_name, epoch, step, train_config.epochs,
                                       train_config.save_every_epoch, train_config.if_save_every_weights)
    if path is None or checkpoints.readable_export(path):
        return None
    logger.info("the saved state (epoch %d, step %d) promises %s, which is missing or unreadable: writing it now",
                epoch, step, path)
    exported = checkpoints.export_weights(run.models.bare_generator.state_dict(), config.weight_dir, config.run_name,
                                          epoch, step, config.export_dict(), run.table, config.model_version)
    if train_config.if_save_latest:
        checkpoints.prune_exports(config.weight_dir, config.run_name, exported)
    return exported


def load_pretrained(run: Run) -> None:
    """Pretrained G (text rows adapted by symbol name to the run's table) and D, through weights_compat."""
    train, models = run.config.train, run.models
    if train.pretrained_s2G:
        report = wc.load_into(models.bare_generator, train.pretrained_s2G, table=run.table, kind="s2G",
                              version=run.config.model_version, allow_missing=("enc_q.*",))
        logger.info("pretrained G: %s", report.line())
    else:
        logger.warning("train.pretrained_s2G is empty: the generator starts from random weights")
    if train.pretrained_s2D:
        report = wc.load_into(models.bare_discriminator, train.pretrained_s2D, kind="s2D")
        logger.info("pretrained D: %s", report.line())
    else:
        logger.warning("train.pretrained_s2D is empty: the discriminator starts from random weights")


# --- data --------------------------------------------------------------------------------------


def make_loader(config: S2Config, table: SymbolTable, runtime: Runtime) -> DataFeed:
    """DataLoader over the experiment folder with a per-rank bucket sampler."""
    train = config.train
    params = SpectrogramParams.from_config(dataclasses.asdict(config.data))
    utterances, report = scan_experiment(config.exp_dir, table, params, is_pro_version(config.model_version))
    if runtime.is_main:
        report.log()
    if not utterances:
        raise DataError(f"{config.exp_dir}: no usable utterances ({report.line()}); check the preparation stages' output")
    utterances, sample = set_sample_aside(utterances, announce=runtime.is_main)
    items = repeat_small_dataset(utterances, train.min_epoch_items)
    if runtime.is_main:
        log_repetition("s2", len(utterances), len(items), f"train.min_epoch_items {train.min_epoch_items}")
    dataset = S2Dataset(items, params, train.spec_cache)
    sampler = BucketBatchSampler(dataset.lengths(), train.batch_size, num_replicas=runtime.world_size,
                                 rank=runtime.rank, seed=train.seed)
    loader = torch.utils.data.DataLoader(
        dataset, batch_sampler=sampler, collate_fn=collate, num_workers=train.num_workers,
        persistent_workers=train.num_workers > 0, pin_memory=runtime.device.type == "cuda",
    )
    return DataFeed(loader, sampler, sample)


# --- one step ----------------------------------------------------------------------------------


def train_step(run: Run, batch) -> StepResult:
    """One discriminator update then one generator update on `batch` (a `data.Batch`)."""
    from GPT_SoVITS.module.commons import slice_segments
    from GPT_SoVITS.module.losses import discriminator_loss, feature_loss, generator_loss, kl_loss

    models, config = run.models, run.config
    batch = batch.to(run.runtime.device)
    autocast = torch.autocast(run.runtime.device.type, dtype=models.autocast_dtype or torch.float16,
                              enabled=models.autocast_dtype is not None)
    with autocast:
        out = models.generator(batch.ssl, batch.spec, batch.spec_lengths, batch.text, batch.text_lengths, batch.sv)
        real_audio = slice_segments(batch.audio, out.ids_slice * config.data.hop_length, out.audio.shape[-1])
        real_out, fake_out, _, _ = models.discriminator(real_audio, out.audio.detach())
    loss_disc, _, _ = discriminator_loss(real_out, fake_out)
    norm_d = _optimise(models, models.optim_d, loss_disc)

    with autocast:
        real_out, fake_out, real_fmaps, fake_fmaps = models.discriminator(real_audio, out.audio)
    loss_mel = mel_l1(out, batch, config) * config.train.c_mel
    loss_kl = kl_loss(out.z_p, out.logs_q, out.m_p, out.logs_p, out.spec_mask) * config.train.c_kl
    loss_fm = feature_loss(real_fmaps, fake_fmaps)
    loss_gen, _ = generator_loss(fake_out)
    commit = out.commit_loss.float()
    total = loss_gen + loss_fm + loss_mel + loss_kl + commit
    norm_g = _optimise(models, models.optim_g, total)
    models.scaler.update()
    values = (loss_disc, loss_gen, loss_fm, loss_mel, loss_kl, commit, total)
    return StepResult(StepLosses(*(float(v.detach()) for v in values)), norm_g, norm_d)


def _optimise(models: Models, optimizer: torch.optim.Optimizer, loss: torch.Tensor) -> float:
    """Backward and step; returns the gradient norm (unscaled first, so it is the true one under AMP)."""
    optimizer.zero_grad(set_to_none=True)
    models.scaler.scale(loss).backward()
    models.scaler.unscale_(optimizer)
    norm = grad_norm(p for group in optimizer.param_groups for p in group["params"])
    models.scaler.step(optimizer)
    return norm


# --- saving ------------------------------------------------------------------------------------


def save_point(run: Run, result: TrainResult, finished_epoch: int, export: bool) -> None:
    """Write the resume state and (when `export`) the inference weights at `result`'s epoch/step; rank 0 only."""
    models, config = run.models, run.config
    state = checkpoints.TrainingState(
        epoch=finished_epoch, step=result.step,
        generator=models.bare_generator.state_dict(), discriminator=models.bare_discriminator.state_dict(),
        optim_g=models.optim_g.state_dict(), optim_d=models.optim_d.state_dict(),
        sched_g=models.sched_g.state_dict(), sched_d=models.sched_d.state_dict(),
        scaler=models.scaler.state_dict(), rng=checkpoints.rng_state(), symbols=run.table.symbols,
    )
    result.state_file = checkpoints.state_path(config.state_dir)
    checkpoints.save_training_state(result.state_file, state, cut_short=finished_epoch < result.epoch)
    if not export:
        return
    exported = checkpoints.export_weights(models.bare_generator.state_dict(), config.weight_dir, config.run_name,
                                          result.epoch, result.step, config.export_dict(), run.table,
                                          config.model_version)
    result.exports.append(exported)
    if config.train.if_save_latest:
        checkpoints.prune_exports(config.weight_dir, config.run_name, exported)


# --- the loop ----------------------------------------------------------------------------------


def _progress(loader, runtime: Runtime, epoch: int, epochs: int):
    if not runtime.is_main:
        return loader
    from GPT_SoVITS.progress_bars import progress_bar

    return progress_bar(loader, desc=f"s2 epoch {epoch}/{epochs}", leave=False, dynamic_ncols=True)


def _set_train_mode(run: Run) -> None:
    models = run.models
    models.generator.train()
    models.discriminator.train()
    if run.config.model.freeze_quantizer:
        # .train() flips every submodule back to training mode: re-freeze ssl_proj and the
        # quantiser so the codebook never gets EMA updates and semantic tokens stay valid.
        models.bare_generator.freeze_quantizer_parts()


def report_step(run: Run, progress, epoch: int, step: int, stats: StepResult) -> None:
    """The one place per-step scalars go (main process only): the training log (curves), the
    progress bar and, every `train.log_interval` steps, a log line."""
    if not run.runtime.is_main:
        return
    losses, models = stats.losses, run.models
    run.log.scalars(step, epoch, monitor.step_scalars(losses, stats.grad_norm_g, stats.grad_norm_d,
                                                      models.optim_g, models.scaler))
    if hasattr(progress, "set_postfix"):
        progress.set_postfix(mel=f"{losses.mel:.3f}", kl=f"{losses.kl:.3f}", d=f"{losses.disc:.3f}", g=f"{losses.gen:.3f}")
    if step % run.config.train.log_interval == 0:
        logger.info("epoch %d step %d: %s", epoch, step, ", ".join(f"{k} {v:.4f}" for k, v in vars(losses).items()))


def run_epoch(run: Run, feed: DataFeed, result: TrainResult, epoch: int) -> bool:
    """Train one epoch, counting steps in `result`; True when `train.max_steps` stopped it early."""
    max_steps = run.config.train.max_steps
    result.epoch = epoch
    feed.sampler.set_epoch(epoch)
    _set_train_mode(run)
    progress = _progress(feed.loader, run.runtime, epoch, run.config.train.epochs)
    for batch in progress:
        stats = train_step(run, batch)
        result.step += 1
        result.history.append(stats.losses)
        report_step(run, progress, epoch, result.step, stats)
        if max_steps is not None and result.step >= max_steps:
            return True
    return False


def setup(config: S2Config, runtime: Runtime) -> tuple[Run, DataFeed, TrainResult]:
    """Seed, models (resumed or pretrained), DDP wrapping and data: everything before the first step."""
    check_trainable(config)
    table = get_table(config.table_name)
    torch.manual_seed(config.train.seed)
    if runtime.is_main:
        checkpoints.write_config_copy(config.ckpt_dir, config.to_dict())
        logger.info("s2 training %s: table %s (%d symbols), %d process(es) on %s",
                    config.run_name, table.name, len(table), runtime.world_size, runtime.device)
    run = Run(config, runtime, table, build_models(config, table, runtime))
    if runtime.is_main:  # before any training: a read-only folder fails now, not after an epoch
        check_writable(checkpoints.state_path(config.state_dir))
        check_writable(config.weight_dir / checkpoints.export_name(config.run_name, 1, 0))
        checkpoints.remove_stale_temps(config.state_dir, config.weight_dir, config.run_name)
    start_epoch, step = restore_or_load_pretrained(run)
    if runtime.is_main:
        write_promised_export(run, start_epoch, step)
    wrap_for_ddp(run.models, runtime)
    return run, make_loader(config, table, runtime), TrainResult(start_epoch, step)


def train(config: S2Config, runtime: Runtime | None = None) -> TrainResult:
    """Train per `config` (parsed once from tmp_s2.json); returns what was done. The whole recipe, top to bottom."""
    run, feed, result = setup(config, runtime or start_runtime())
    train_config, models = config.train, run.models
    if result.epoch >= train_config.epochs:
        logger.info("already trained %d of %d epochs: nothing to do (raise train.epochs to continue)",
                    result.epoch, train_config.epochs)
        return result
    run.log = monitor.open_log(config, run.runtime.is_main, result.step, result.epoch, len(feed.loader))
    try:
        for epoch in range(result.epoch + 1, train_config.epochs + 1):
            stopped = run_epoch(run, feed, result, epoch)
            if not stopped:
                models.sched_g.step()
                models.sched_d.step()
            last = stopped or epoch == train_config.epochs
            if run.runtime.is_main and (epoch % train_config.save_every_epoch == 0 or last):
                # An epoch cut short by max_steps is not finished: a resume repeats it.
                save_point(run, result, epoch - 1 if stopped else epoch, export=train_config.if_save_every_weights or last)
                monitor.log_sample(run.log, models.bare_generator, feed.sample, config, result.step)
            barrier(run.runtime)
            if stopped:
                break
    finally:
        run.log.close()
    return result


def run_from_config(config: S2Config) -> TrainResult:
    """Entry used by `s2_train.py`: start the runtime, train, always leave the group."""
    runtime = start_runtime()
    try:
        return train(config, runtime)
    finally:
        shutdown(runtime)
