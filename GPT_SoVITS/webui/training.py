"""The fine-tuning buttons: write `TEMP/tmp_s2.json` / `TEMP/tmp_s1.yaml`, start the trainer, stream it.

The trainers are started like upstream's: `python GPT_SoVITS/s2_train.py --config TEMP/tmp_s2.json`
and `python GPT_SoVITS/s1_train.py --config_file TEMP/tmp_s1.yaml` (absolute paths, repository root
as the working folder). While one runs, its view (`training_view`: curves, progress, ETA, the last
log lines, the newest sample) is refreshed from its log folder; the exported weights are listed at
the end.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Iterator

from GPT_SoVITS.AR.train_config import base_num_workers, suggested_workers
from GPT_SoVITS.config_files import read_s1_config, read_s2_config
from GPT_SoVITS.data_files.layout import SV_DIR
from GPT_SoVITS.module.config import S2Config
from GPT_SoVITS.s2.checkpoints import previous_exports
from GPT_SoVITS.versions import DEFAULT_VERSION, get_version
from GPT_SoVITS.webui import checks
from GPT_SoVITS.webui.configs import TMP_S1, TMP_S2, GPTChoices, SoVITSChoices, write_s1_config, write_s2_config
from GPT_SoVITS.i18n import ENGLISH, Translate, UiError
from GPT_SoVITS.webui.job_events import outcome_text
from GPT_SoVITS.webui.jobs import Job, JobSlots, ProcessSpec
from GPT_SoVITS.webui.settings import UiSettings, environ_copy
from GPT_SoVITS.webui.training_view import LOG_LINES, TrainingFrame, TrainingMonitor

S2_SLOT, S1_SLOT = "sovits", "gpt"
S2_NEEDS = ("2-name2text.txt", "4-cnhubert", "5-wav32k")
S2_PRO_NEEDS = (*S2_NEEDS, SV_DIR)  # versions with speaker vectors train on those of stage 2-get-sv
S1_NEEDS = ("2-name2text.txt", "6-name2semantic.tsv")
#: The trainers' progress bars refresh at most this often (seconds) in the UI's output: the view
#: shows progress from the metrics file, so the bars need not flood the output tail.
PROGRESS_BAR_INTERVAL = "5"
TAIL_SCAN = 400  # output lines searched for the last log lines
FAILURE_LINES = 15  # log lines shown when a trainer failed (the error and what led to it)


def check_prepared(settings: UiSettings, exp_name: str, needs: tuple[str, ...]) -> Path:
    """The experiment folder, refusing a start before the dataset buttons made what is needed."""
    exp_dir = settings.exp_dir(exp_name)
    missing = [name for name in needs if not (exp_dir / name).exists()]
    if missing:
        key = "err_not_prepared_sv" if SV_DIR in missing else "err_not_prepared"
        raise UiError(key, exp_dir=exp_dir, missing=", ".join(missing))
    return exp_dir


def _optional_pretrained(text: str, what: str, root: checks.Folders) -> str:
    path = checks.check_optional_file(text, what, root)
    return str(path) if path else ""


def sovits_choices(settings: UiSettings, *, exp_name: str, gpu_numbers: str, half: bool, batch_size, epochs,
                   text_low_lr_rate, save_every_epoch, if_save_latest: bool, if_save_every_weights: bool,
                   pretrained_s2G: str, pretrained_s2D: str, min_epoch_items=None) -> SoVITSChoices:
    """Check the SoVITS form; an empty pretrained field means random initialisation, no repetition
    minimum the base config's."""
    exp = checks.check_exp_name(exp_name)
    rate = float(text_low_lr_rate)
    if not 0.0 <= rate <= 1.0:
        raise UiError("err_text_lr_rate", rate=rate)
    return SoVITSChoices(
        exp_name=exp,
        batch_size=checks.check_positive_int(batch_size, "f_batch_size"),
        epochs=checks.check_positive_int(epochs, "f_epochs"),
        text_low_lr_rate=rate,
        save_every_epoch=checks.check_positive_int(save_every_epoch, "f_save_every"),
        if_save_latest=bool(if_save_latest),
        if_save_every_weights=bool(if_save_every_weights),
        pretrained_s2G=_optional_pretrained(pretrained_s2G, "f_pretrained_s2g", settings.folders),
        pretrained_s2D=_optional_pretrained(pretrained_s2D, "f_pretrained_s2d", settings.folders),
        gpu_numbers=checks.parse_gpu_numbers(gpu_numbers),
        half=bool(half),
        min_epoch_items=_repetition_minimum(min_epoch_items),
    )


def _repetition_minimum(value) -> int | None:
    return None if value is None else checks.check_positive_int(value, "f_min_epoch_items", minimum=0)


def default_min_epoch_items(settings: UiSettings, trainer: str) -> int:
    """The repetition-minimum field at start: the base config's value (`train.min_epoch_items` of the
    SoVITS config, `data.min_items_per_epoch` of the GPT config; 100 as upstream when absent)."""
    if trainer == S2_SLOT:
        return int(read_s2_config(settings.s2_config).get("train", {}).get("min_epoch_items", 100))
    return int(read_s1_config(settings.s1_config).get("data", {}).get("min_items_per_epoch", 100))


def default_num_workers(settings: UiSettings) -> int:
    """The GPT form's loader-workers field at start: what this machine has, at most the base config's."""
    return suggested_workers(base_num_workers(read_s1_config(settings.s1_config)))


def latest_sovits_export(settings: UiSettings, exp_name: str, version: str) -> str:
    """The experiment's newest SoVITS export of `version` (the GPT's samples are rendered through
    it), or ""."""
    exports = previous_exports(settings.sovits_weights_for(version), exp_name)
    return str(exports[-1]) if exports else ""


def gpt_choices(settings: UiSettings, *, exp_name: str, gpu_numbers: str, half: bool, batch_size, epochs,
                save_every_n_epoch, if_save_latest: bool, if_save_every_weights: bool,
                pretrained_s1: str, num_workers=None, min_epoch_items=None,
                version: str = DEFAULT_VERSION) -> GPTChoices:
    """Check the GPT form; an empty pretrained field means training from scratch, 0 workers loading
    in the training process (None keeps the base config's value). The samples of each save are
    rendered through the experiment's newest SoVITS export of the run's `version`, when there is one."""
    workers = None if num_workers is None else checks.check_positive_int(num_workers, "f_num_workers", minimum=0)
    exp = checks.check_exp_name(exp_name)
    return GPTChoices(
        exp_name=exp,
        batch_size=checks.check_positive_int(batch_size, "f_batch_size"),
        epochs=checks.check_positive_int(epochs, "f_epochs"),
        save_every_n_epoch=checks.check_positive_int(save_every_n_epoch, "f_save_every"),
        if_save_latest=bool(if_save_latest),
        if_save_every_weights=bool(if_save_every_weights),
        pretrained_s1=_optional_pretrained(pretrained_s1, "f_pretrained_s1", settings.folders),
        gpu_numbers=checks.parse_gpu_numbers(gpu_numbers),
        half=bool(half),
        num_workers=workers,
        sample_sovits=latest_sovits_export(settings, exp, get_version(version).name),
        min_epoch_items=_repetition_minimum(min_epoch_items),
    )


def sovits_spec(settings: UiSettings, choices: SoVITSChoices, cuda: bool, version: str = DEFAULT_VERSION) -> ProcessSpec:
    """Check the experiment, write `tmp_s2.json` from the version's base config and return the trainer's command."""
    model = get_version(version)
    check_prepared(settings, choices.exp_name, S2_PRO_NEEDS if model.speaker_vectors else S2_NEEDS)
    config = write_s2_config(settings.s2_config_for(model.name), choices, settings.root, cuda, model.name)
    script = settings.repo_root / "GPT_SoVITS" / "s2_train.py"
    env = {**environ_copy(), "TQDM_MININTERVAL": PROGRESS_BAR_INTERVAL}
    return ProcessSpec((sys.executable, str(script), "--config", str(config)), env, settings.repo_root)


def gpt_spec(settings: UiSettings, choices: GPTChoices, cuda: bool, version: str = DEFAULT_VERSION) -> ProcessSpec:
    check_prepared(settings, choices.exp_name, S1_NEEDS)
    config = write_s1_config(settings.s1_config, choices, settings.root, cuda, get_version(version).name)
    script = settings.repo_root / "GPT_SoVITS" / "s1_train.py"
    env = {**environ_copy(), "hz": "25hz", "TQDM_MININTERVAL": PROGRESS_BAR_INTERVAL}
    if cuda and choices.gpu_numbers:
        env["_CUDA_VISIBLE_DEVICES"] = ",".join(choices.gpu_numbers)  # upstream: '-' replaced by ','
    return ProcessSpec((sys.executable, str(script), "--config_file", str(config)), env, settings.repo_root)


def sovits_monitor(settings: UiSettings) -> TrainingMonitor:
    """The view of the SoVITS run whose config was just written: its log folder is the resume state's."""
    return TrainingMonitor(S2Config.from_file(settings.temp_dir / TMP_S2).state_dir, "s2", settings.lang)


def gpt_monitor(settings: UiSettings) -> TrainingMonitor:
    """The view of the GPT run whose config was just written: its log folder is `output_dir`."""
    return TrainingMonitor(Path(read_s1_config(settings.temp_dir / TMP_S1)["output_dir"]), "s1", settings.lang)


def _exports_since(folder: Path, since: float) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.stat().st_mtime >= since)


def stream_training(slots: JobSlots, slot: str, name: str, spec: ProcessSpec, weights_dir: Path,
                    monitor: TrainingMonitor, interval: float = 1.0, tr: Translate = ENGLISH) -> Iterator[TrainingFrame]:
    """Start one trainer and yield its view (status with progress and the last log lines, curves,
    sample) until it ends, then its outcome and exports, in `tr`'s language; the UI claims `slot`
    for the run (`job_events.job_stream`)."""
    since = time.time() - 1.0
    job: Job = slots.start(slot, name, [spec])
    for _ in job.poll_until_done(interval):
        if job.running:
            yield monitor.refresh(tr("job_running").format(name=job.name, elapsed=job.elapsed()), job.tail(TAIL_SCAN))
    exported = [path.name for path in _exports_since(weights_dir, since)]
    yield monitor.refresh(outcome_text(tr, job, exported), job.tail(TAIL_SCAN),
                          lines=LOG_LINES if job.succeeded else FAILURE_LINES)
