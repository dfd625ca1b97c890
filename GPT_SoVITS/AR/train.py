"""The GPT (s1) trainer: setup -> teacher-forced steps -> resumable state -> fp16 export.

Optimiser: AdamW (betas 0.9/0.95, weight decay 0.01 on matrices only) with a linear warm-up
then cosine decay to 10 % of the peak. Why: upstream's ScaledAdam cannot be reused (licence)
and its schedule is in effect a constant lr after step one; AdamW's update size per element
(~lr) at a peak of 1e-4 matches the relative step ScaledAdam's 0.002 gives on weights of RMS
~0.05, the warm-up protects the pretrained weights from the first, noisiest Adam steps, and
the cosine tail settles the small fine-tuning sets typical here. `train.gradient_clip` bounds
the gradient norm (the loss is summed over tokens, as upstream, so norms scale with batch).

Runs single-process or under `torchrun` (DDP: nccl on CUDA, gloo on CPU); only rank 0 logs
and writes. The state in `output_dir/ckpt/last.pt` is written atomically after every epoch
and a restart continues from it; every epoch reseeds from `train.seed`, so a resumed run
follows the uninterrupted one. Curves and samples go to the training log in `output_dir`
(`GPT_SoVITS.training_log`, `AR/monitor.py`).
"""

from __future__ import annotations

import contextlib
import glob
import logging
import math
import pickle
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from tqdm import tqdm

from GPT_SoVITS import weights_compat as wc
from GPT_SoVITS.AR import monitor
from GPT_SoVITS.AR.data.dataset import BucketBatchSampler, Text2SemanticDataset, Utterance, collate, read_utterances
from GPT_SoVITS.AR.models.t2s_model import Text2SemanticDecoder, build_text2semantic
from GPT_SoVITS.AR.train_config import AdamWSettings, S1TrainConfig
from GPT_SoVITS.atomic import atomic_output, check_writable, remove_stale_temps, torch_save_atomic
from GPT_SoVITS.distributed import Runtime, barrier, shutdown, start_runtime
from GPT_SoVITS.errors import CheckpointError, GptSovitsError
from GPT_SoVITS.data_files.layout import wav32k_path
from GPT_SoVITS.text.symbols import SymbolTable, get_table
from GPT_SoVITS.training_log import METRICS_FILE, DisabledLog, TrainingLog, grad_norm, open_training_log, set_sample_aside

logger = logging.getLogger(__name__)

CHECKPOINT_PREFIX = "model."  # upstream's Lightning wrapper names the decoder `model`


@dataclass(frozen=True)
class TrainResult:
    epochs_done: int
    steps: int
    last_loss: float
    exports: tuple[Path, ...]


@dataclass
class Optimisation:
    """The optimiser, its lr schedule and the AMP grad scaler: stepped together, saved together."""

    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    scaler: torch.amp.GradScaler

    def state_dict(self) -> dict:
        return {"optimizer": self.optimizer.state_dict(), "scheduler": self.scheduler.state_dict(),
                "scaler": self.scaler.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.scaler.load_state_dict(state["scaler"])


@dataclass
class GptRun:
    """What one training run works with: config, process, symbol table, the model (bare and as
    trained, i.e. DDP-wrapped when distributed) and its optimisation."""

    config: S1TrainConfig
    runtime: Runtime
    table: SymbolTable
    model: Text2SemanticDecoder
    trained: torch.nn.Module
    optim: Optimisation
    sample: Utterance | None = None  # the fixed utterance each export renders a sample from
    log: TrainingLog | DisabledLog = field(default_factory=DisabledLog)


@dataclass
class Progress:
    """Where the run stands (restored on resume, updated as it goes)."""

    epoch: int = 0
    step: int = 0
    last_loss: float = float("nan")
    last_export: Path | None = None
    exports: list[Path] = field(default_factory=list)


def lr_factor(step: int, total_steps: int, settings: AdamWSettings) -> float:
    """Multiplier of the peak lr at optimiser step `step` (0-based): linear warm-up, cosine decay."""
    warmup = settings.warmup_steps or max(1, round(settings.warmup_ratio * total_steps))
    if step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total_steps - warmup))
    floor = settings.final_lr_ratio
    return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))


def build_optimizer(model: torch.nn.Module, settings: AdamWSettings) -> torch.optim.AdamW:
    """AdamW; weight decay only on matrices (not on biases, norms, position scales or embeddings)."""
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        matrix = param.dim() >= 2 and "embedding" not in name
        (decay if matrix else no_decay).append(param)
    groups = [{"params": decay, "weight_decay": settings.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=settings.lr, betas=settings.betas, eps=settings.eps)


def autocast_context(precision: str, device: torch.device) -> contextlib.AbstractContextManager:
    """torch.autocast for "16-mixed"/"bf16-mixed" on CUDA; plain fp32 otherwise (CPU included)."""
    if device.type != "cuda" or precision == "32":
        return contextlib.nullcontext()
    dtype = torch.float16 if precision == "16-mixed" else torch.bfloat16
    return torch.autocast("cuda", dtype=dtype)


def load_initial_weights(model: Text2SemanticDecoder, config: S1TrainConfig, table: SymbolTable) -> None:
    """Pretrained GPT through weights_compat into `table`, or an explicit from-scratch start."""
    if config.pretrained_s1 is None:
        logger.info("no pretrained_s1 given: training the GPT from scratch")
        return
    report = wc.load_into(model, config.pretrained_s1, table=table, kind="s1", policy=config.init_policy)
    print(f"loaded pretrained {config.pretrained_s1}: {report.line()}")


# --- resume state and exports -------------------------------------------------------------------


def save_state(run: GptRun, progress: Progress) -> None:
    """Everything a restart needs, written atomically (fp32 weights, optimiser, schedule, counters)."""
    last_export = progress.last_export
    state = {
        "model": run.model.state_dict(), **run.optim.state_dict(), "epoch": progress.epoch, "step": progress.step,
        "symbol_table": run.config.symbol_table, "last_export": str(last_export) if last_export else "",
        "config": run.config.raw,
    }
    torch_save_atomic(state, run.config.state_path)


def restore_state(run: GptRun) -> Progress:
    """Load our own resume file (weights_only) and restore every part strictly."""
    path, config = run.config.state_path, run.config
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:  # its text advises weights_only=False: never pass that on
        raise CheckpointError(f"{path}: refused as unsafe: this training state holds objects that would run code "
                              "when loaded, which this trainer never does; delete it (or move it away) to start "
                              "over") from None
    except (RuntimeError, EOFError, OSError) as error:
        raise CheckpointError(f"{path}: cannot read the training state ({error}); delete it to start over") from None
    if not isinstance(state, dict) or not {"model", "epoch", "step"} <= state.keys():
        raise CheckpointError(f"{path}: not a training state of this trainer; delete it to start over")
    if state.get("symbol_table") != config.symbol_table:
        raise CheckpointError(f"{path}: state was trained with table {state.get('symbol_table')!r}, config asks for "
                              f"{config.symbol_table!r}; use the same table or a new output_dir")
    run.model.load_state_dict(state["model"], strict=True)
    run.optim.load_state_dict(state)
    logger.info("resumed from %s: %d epochs, %d steps done", path, state["epoch"], state["step"])
    last_export = Path(state["last_export"]) if state["last_export"] else None
    return Progress(state["epoch"], state["step"], last_export=last_export)


def export_weights(run: GptRun, epoch: int, previous: Path | None) -> Path:
    """`<half_weights_save_dir>/<exp_name>-e<epoch>.ckpt` in upstream's format (+ symbols, version).

    The stored config describes these weights: `model.phoneme_vocab_size` is the table's size.
    """
    config = run.config
    path = config.half_weights_save_dir / f"{config.exp_name}-e{epoch}.ckpt"
    weight = {CHECKPOINT_PREFIX + key: value for key, value in run.model.state_dict().items()}
    wc.save_checkpoint(path, weight, config=config.export_config(run.table), info=f"GPT-e{epoch}", table=run.table,
                       version="v2", half=True)
    if previous is not None and previous != path and not config.if_save_every_weights:
        previous.unlink(missing_ok=True)  # only the latest export is kept
    logger.info("exported %s", path)
    return path


def prepare_outputs(config: S1TrainConfig) -> None:
    """Before any training (rank 0): every output folder writable, temporary files of a killed save removed."""
    check_writable(config.state_path)
    check_writable(config.output_dir / METRICS_FILE)
    check_writable(config.half_weights_save_dir / f"{config.exp_name}-e1.ckpt")
    remove_stale_temps(config.state_path.parent, "last.pt")
    remove_stale_temps(config.state_path.parent, "epoch=*-step=*.pt")
    remove_stale_temps(config.half_weights_save_dir, f"{glob.escape(config.exp_name)}-e*.ckpt")


def write_promised_export(run: GptRun, progress: Progress) -> Path | None:
    """Rewrite the export the resumed state names when it is missing or unreadable.

    The export is written before the state, so only a deleted or damaged file is missing; the
    restored weights are that export's when the state is from the export's epoch.
    """
    path = progress.last_export
    if path is None or _readable(path):
        return None
    if path.name != f"{run.config.exp_name}-e{progress.epoch}.ckpt":
        logger.warning("%s, named by the saved state, is missing or unreadable and cannot be rewritten (the state "
                       "is from a later epoch); the next export replaces it", path)
        return None
    logger.info("%s, named by the saved state, is missing or unreadable: writing it again", path)
    return export_weights(run, progress.epoch, None)


def _readable(path: Path) -> bool:
    try:
        wc.read_checkpoint(path)
    except GptSovitsError:
        return False
    return True


def save_epoch(run: GptRun, progress: Progress) -> None:
    """After each epoch (rank 0): export on save epochs and the last one, then the resume state;
    a sample with each export."""
    config, epoch = run.config, progress.epoch
    exporting = epoch % config.save_every_n_epoch == 0 or epoch == config.epochs
    if exporting:
        progress.last_export = export_weights(run, epoch, progress.last_export)
        progress.exports.append(progress.last_export)
    save_state(run, progress)
    if exporting and run.sample is not None:
        monitor.log_sample(run.log, run.model, run.sample, progress.step, sovits_path=config.sample_sovits,
                           wav_path=wav32k_path(config.train_phoneme_path.parent, run.sample.name), table=run.table)
    if epoch % config.save_every_n_epoch == 0 and not config.if_save_latest:
        _keep_epoch_state(config, epoch, progress.step)


# --- one step -------------------------------------------------------------------------------------


def train_step(run: GptRun, batch: dict) -> dict[str, float]:
    """One optimiser step on one batch; returns its curves (`monitor.step_scalars`)."""
    optim, device = run.optim, run.runtime.device
    batch = {key: value.to(device, non_blocking=True) for key, value in batch.items()}
    with autocast_context(run.config.precision, device):
        loss, acc = run.trained(batch["phoneme_ids"], batch["phoneme_ids_len"], batch["semantic_ids"],
                                batch["semantic_ids_len"], batch["bert_feature"])
    optim.optimizer.zero_grad(set_to_none=True)
    optim.scaler.scale(loss).backward()
    optim.scaler.unscale_(optim.optimizer)  # the norm (and the clip) apply to the true gradients
    if run.config.gradient_clip > 0:
        norm = float(torch.nn.utils.clip_grad_norm_(run.trained.parameters(), run.config.gradient_clip))
    else:
        norm = grad_norm(run.trained.parameters())
    lr = optim.optimizer.param_groups[0]["lr"]  # this step's, before the schedule moves on
    optim.scaler.step(optim.optimizer)
    optim.scaler.update()
    optim.scheduler.step()
    targets = int(batch["semantic_ids_len"].sum()) + len(batch["semantic_ids_len"])
    return monitor.step_scalars(float(loss.detach()), float(acc), norm, targets, lr, optim.scaler)


def report_step(run: GptRun, bar, epoch: int, step: int, scalars: dict[str, float]) -> None:
    """The one place per-step scalars go: the training log and the progress bar (both silent off
    the main process)."""
    run.log.scalars(step, epoch, scalars)
    bar.set_postfix(loss=f"{scalars['loss/sum']:.1f}", acc=f"{scalars['accuracy/top3']:.3f}", lr=f"{scalars['lr']:.2e}")


# --- setup and the loop -----------------------------------------------------------------------------


def make_loader(config: S1TrainConfig, table: SymbolTable,
                runtime: Runtime) -> tuple[DataLoader, BucketBatchSampler, Utterance | None]:
    """The loader and sampler of this rank, and the sample utterance (set aside by the training log's rule)."""
    utterances, report = read_utterances(config.train_phoneme_path, config.train_semantic_path, table, config.limits)
    if runtime.is_main:
        report.log(logger)
    sample = None
    if utterances:
        utterances, sample = set_sample_aside(utterances, announce=runtime.is_main)
    dataset = Text2SemanticDataset(utterances, config.min_items_per_epoch)
    sampler = BucketBatchSampler(dataset.lengths(), min(config.batch_size, len(dataset)), seed=config.seed,
                                 rank=runtime.rank, num_replicas=runtime.world_size)
    loader = DataLoader(dataset, batch_sampler=sampler, collate_fn=collate, num_workers=config.num_workers)
    return loader, sampler, sample


def build_optimisation(model: torch.nn.Module, config: S1TrainConfig, total_steps: int, runtime: Runtime) -> Optimisation:
    """AdamW with the warm-up/cosine schedule over `total_steps`, and a GradScaler for fp16 on CUDA."""
    optimizer = build_optimizer(model, config.adamw)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: lr_factor(s, total_steps, config.adamw))
    use_scaler = runtime.device.type == "cuda" and config.precision == "16-mixed"
    if runtime.device.type != "cuda" and config.precision != "32" and runtime.is_main:
        logger.info("precision %s applies on CUDA only: training in fp32 on %s", config.precision, runtime.device)
    return Optimisation(optimizer, scheduler, torch.amp.GradScaler("cuda", enabled=use_scaler))


def setup(config: S1TrainConfig, runtime: Runtime) -> tuple[GptRun, DataLoader, BucketBatchSampler, Progress]:
    """Data, model, optimisation, resumed state or pretrained weights, DDP wrapping."""
    table = get_table(config.symbol_table)
    loader, sampler, sample = make_loader(config, table, runtime)
    torch.manual_seed(config.seed)
    model = build_text2semantic(config.raw, table)
    run = GptRun(config, runtime, table, model, model, build_optimisation(model, config, config.epochs * len(sampler), runtime),
                 sample)
    if runtime.is_main:
        prepare_outputs(config)
    if config.state_path.is_file():
        progress = restore_state(run)
        if runtime.is_main:
            write_promised_export(run, progress)
    else:
        load_initial_weights(model, config, table)
        progress = Progress()
    model.to(runtime.device)
    _move_optimizer_state(run.optim.optimizer, runtime.device)
    if runtime.world_size > 1:
        run.trained = DistributedDataParallel(model, device_ids=[runtime.device.index] if runtime.device.type == "cuda" else None)
    return run, loader, sampler, progress


def train(config: S1TrainConfig, *, stop_after_epoch: int | None = None) -> TrainResult:
    """Train per `config`; `stop_after_epoch` ends early (as an interruption would, for tests)."""
    runtime = start_runtime()
    try:
        return _train(config, runtime, stop_after_epoch)
    finally:
        shutdown(runtime)


def _train(config: S1TrainConfig, runtime: Runtime, stop_after_epoch: int | None) -> TrainResult:
    run, loader, sampler, progress = setup(config, runtime)
    last_epoch = min(config.epochs, stop_after_epoch or config.epochs)
    if progress.epoch >= last_epoch and runtime.is_main:
        logger.info("already trained %d of %d epochs: nothing to do (raise the epochs to continue)",
                    progress.epoch, config.epochs)
    if progress.epoch < last_epoch:  # the curves continue after the resumed step
        run.log = open_training_log(config.output_dir, "s1", progress.step + 1, runtime.is_main)
        run.log.start(config.epochs, progress.step + (config.epochs - progress.epoch) * len(sampler))
    try:
        for epoch in range(progress.epoch + 1, last_epoch + 1):
            _run_epoch(run, loader, sampler, progress, epoch)
            if runtime.is_main:
                logger.info("epoch %d/%d: step %d, loss %.2f", epoch, config.epochs, progress.step, progress.last_loss)
                save_epoch(run, progress)
            barrier(runtime)
    finally:
        run.log.close()
    return TrainResult(progress.epoch, progress.step, progress.last_loss, tuple(progress.exports))


def _run_epoch(run: GptRun, loader: DataLoader, sampler: BucketBatchSampler, progress: Progress, epoch: int) -> None:
    config, runtime = run.config, run.runtime
    sampler.set_epoch(epoch)
    torch.manual_seed(config.seed + 1000 * epoch + runtime.rank)
    run.trained.train()
    bar = tqdm(loader, desc=f"GPT epoch {epoch}/{config.epochs}", disable=not runtime.is_main, leave=False)
    for batch in bar:
        scalars = train_step(run, batch)
        progress.step += 1
        progress.last_loss = scalars["loss/sum"]
        report_step(run, bar, epoch, progress.step, scalars)
    progress.epoch = epoch


def _keep_epoch_state(config: S1TrainConfig, epoch: int, step: int) -> None:
    """With if_save_latest off, also keep this epoch's state as `epoch=E-step=S.pt` (upstream's names)."""
    with atomic_output(config.state_path.parent / f"epoch={epoch}-step={step}.pt") as tmp:
        shutil.copyfile(config.state_path, tmp)


def _move_optimizer_state(optimizer: torch.optim.Optimizer, device: torch.device) -> None:
    """Optimiser moments restored on CPU follow the parameters to their device."""
    for state in optimizer.state.values():
        for key, value in state.items():
            if isinstance(value, torch.Tensor) and key != "step":
                state[key] = value.to(device)
