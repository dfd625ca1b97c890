"""Step `stages`: the dataset stages 1-3 on the device, in float32 and with `is_half`, against the
CPU in float32, through the one dataset pipeline (`GPT_SoVITS/prepare/pipeline.py`).

With a GPU each stage is a process of its script, as the web UI starts it (the CPU reference
hides the GPU through `_CUDA_VISIBLE_DEVICES`); a dry run calls the same script body in this
process. Stage 3 runs twice on the device: after the device's own stage 2 (features differ by
rounding, so codes may differ at near ties: reported) and on the CPU's features, where float32
codes must equal the CPU's exactly (the search returns the float64 nearest code, on any device).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence
from unittest import mock

from bench.gpucheck import assets
from bench.gpucheck.context import Context
from bench.gpucheck.report import StepRecord
from GPT_SoVITS.data_files.features import read_ssl_features
from GPT_SoVITS.data_files.layout import NAME2SEMANTIC, NAME2TEXT, SSL_DIR, ssl_path, wav32k_path
from GPT_SoVITS.data_files.name2semantic import Name2SemanticRow, iter_name2semantic
from GPT_SoVITS.prepare.pipeline import (PipelineConfig, PipelineResult, StageCommand, check_config, iter_pipeline,
                                         start_processes)
from GPT_SoVITS.prepare.stages import STAGES, stage_keys

# The check prepares a v2 experiment (its models are v2's): text, ssl, semantic; 2-get-sv has its own step.
ALL_STAGES = stage_keys("v2")


@dataclass(frozen=True)
class Variant:
    """One way of running the stages: on which device, in which precision, from which features."""

    name: str
    device: str  # "cpu" or "cuda"
    half: bool = False
    on_reference_features: bool = False  # stage 3 only, on a copy of the CPU run's features

    @property
    def folder(self) -> str:
        return self.name.replace(" ", "-").replace(",", "").replace("'", "")


REFERENCE = Variant("reference, cpu fp32", "cpu")


class _Finished:
    """Stage parts that already ran to completion in this process (the pipeline reads their exit codes)."""

    stopped = False
    running = False

    def __init__(self, return_codes: list[int]):
        self.return_codes = return_codes

    def stop(self) -> None:
        """Nothing is left running."""

    def wait(self, timeout: float | None = None) -> bool:
        return True


def in_process(script: str, commands: Sequence[StageCommand]) -> _Finished:
    """A pipeline launcher that runs each part's stage-script body here, one after another: the dry
    run's way of skipping process start-up. Only for runs that need no GPU hidden."""
    from GPT_SoVITS.prepare.stage_script import run_stage_script

    key = next(key for key, stage in STAGES.items() if stage.script == script)
    codes = []
    for command in commands:
        with mock.patch.dict(os.environ, dict(command.env)):
            codes.append(run_stage_script(key))
    return _Finished(codes)


def run_variant(ctx: Context, variant: Variant, stages: Sequence[str] = ALL_STAGES) -> tuple[Path, dict[str, float]]:
    """Prepare the dataset with `variant`; returns the experiment folder and seconds per stage run."""
    models, dataset = assets.shared_models(ctx), assets.shared_dataset(ctx)
    hide_gpu = ctx.cuda and variant.device == "cpu"
    config = PipelineConfig(list_path=dataset.list_path, exp_name=variant.folder, hubert_dir=models.hubert,
                            s2g=models.sovits, s2_config=models.s2_config, half=variant.half,
                            logs_dir=ctx.work / "experiments", gpus=("",) if hide_gpu else ())
    check_config(config, stages)
    seconds: dict[str, float] = {}
    result = None
    for event in iter_pipeline(config, stages, launch=start_processes if ctx.cuda else in_process):
        if isinstance(event, PipelineResult):
            result = event
        elif event.state == "done":
            seconds[event.stage.key] = round(event.elapsed, 2)
    if result is None or result.state != "finished":
        raise RuntimeError(f"stages ({variant.name}) {result.state if result else 'did not finish'}: "
                           f"{result.error if result else ''} {result.summaries if result else ''}")
    return config.opt_dir, seconds


def reference_experiment(ctx: Context) -> tuple[Path, dict[str, float]]:
    """The CPU float32 run (built once; the trainers' data too)."""
    return ctx.shared("reference", lambda: run_variant(ctx, REFERENCE))


def device_variants(ctx: Context) -> tuple[list[Variant], list[str]]:
    """The variants to compare with the reference, and notes on those that cannot run here."""
    device = ctx.device.type
    variants = [Variant(f"{device} fp32", device), Variant(f"{device} fp32, stage 3 on the CPU's features", device,
                                                         on_reference_features=True)]
    if ctx.cuda:
        variants += [Variant("cuda half", "cuda", half=True),
                     Variant("cuda half, stage 3 on the CPU's features", "cuda", half=True, on_reference_features=True)]
        return variants, []
    return variants, ["is_half variants skipped: half precision applies on CUDA only (the stages run fp32 on a CPU)"]


def run_stages_check(ctx: Context, record: StepRecord) -> None:
    """The step: reference, device variants, and their comparison."""
    reference, reference_seconds = reference_experiment(ctx)
    dataset = assets.shared_dataset(ctx)
    names = [row.name for row in _rows(reference)]
    record.figure("audio", dataset.source)
    record.check("the CPU run prepared every clip", len(names) == dataset.clips, f"{len(names)} of {dataset.clips}")
    variants, notes = device_variants(ctx)
    for note in notes:
        record.note(note)
    rows = [[REFERENCE.name, *_stage_cells(reference_seconds), "", "", "", "(reference)"]]
    for variant in variants:
        with record.isolated(variant.name):
            folder = _variant_folder(ctx, variant, reference)
            _, seconds = run_variant(ctx, variant, ("semantic",) if variant.on_reference_features else ALL_STAGES)
            rows.append([variant.name, *_stage_cells(seconds), *_compare(record, variant, reference, folder, names)])
    record.table("Stages per variant (seconds include model loading; with a GPU each stage is a process, so its "
                 "start-up too)",
                 ["variant", "stage 1 s", "stage 2 s", "stage 3 s", "text same", "wav32k same",
                  "features max rel. diff", "codes equal to CPU fp32"], rows)


def _variant_folder(ctx: Context, variant: Variant, reference: Path) -> Path:
    """The variant's experiment folder, fresh; stage-3-only variants start from the CPU's features."""
    folder = ctx.work / "experiments" / variant.folder
    shutil.rmtree(folder, ignore_errors=True)
    if variant.on_reference_features:
        shutil.copytree(reference / SSL_DIR, folder / SSL_DIR)
    return folder


def _stage_cells(seconds: dict[str, float]) -> list:
    return [seconds.get(key, "") for key in ALL_STAGES]


def _rows(folder: Path) -> list[Name2SemanticRow]:
    return [row for row in iter_name2semantic(folder / NAME2SEMANTIC) if isinstance(row, Name2SemanticRow)]


def _compare(record: StepRecord, variant: Variant, reference: Path, folder: Path, names: list[str]) -> list:
    """Cells (text same, wav32k same, features max rel. diff, codes equal) and the checks they carry."""
    codes = {row.name: row.codes for row in _rows(folder)}
    expected = {row.name: row.codes for row in _rows(reference)}
    same = sum(a == b for n in names for a, b in zip(codes.get(n, []), expected[n]))
    total = sum(len(expected[n]) for n in names)
    lengths_match = all(len(codes.get(n, [])) == len(expected[n]) for n in names)
    fraction = same / total if total else 0.0
    record.figure(f"codes equal, {variant.name}", round(fraction, 6))
    if variant.on_reference_features and not variant.half:
        record.check(f"stage 3 on {variant.device} equals the CPU exactly on the same features",
                     lengths_match and same == total, f"{same} of {total} codes")
    if variant.on_reference_features:
        return ["", "", "", f"{fraction:.4%}"]
    text_same = (folder / NAME2TEXT).read_bytes() == (reference / NAME2TEXT).read_bytes()
    record.check(f"stage 1 output identical ({variant.name})", text_same)
    wav_same = all(wav32k_path(folder, n).read_bytes() == wav32k_path(reference, n).read_bytes() for n in names)
    record.check(f"5-wav32k files identical ({variant.name})", wav_same)
    record.check(f"same code counts per clip ({variant.name})", lengths_match)
    difference = max(_relative_difference(ssl_path(reference, n), ssl_path(folder, n)) for n in names)
    record.figure(f"features max rel. diff, {variant.name}", difference)
    return [text_same, wav_same, f"{difference:.2e}", f"{fraction:.4%}"]


def _relative_difference(reference: Path, other: Path) -> float:
    """max |a - b| / max |a| of two feature files (inf when their shapes differ)."""
    a, b = read_ssl_features(reference).float(), read_ssl_features(other).float()
    if a.shape != b.shape:
        return float("inf")
    return float((a - b).abs().max() / a.abs().max().clamp_min(1e-12))
