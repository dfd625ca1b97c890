"""The fine-tuning buttons: write `TEMP/tmp_s2.json` / `TEMP/tmp_s1.yaml`, start the trainer, stream it.

The trainers are started like upstream's: `python GPT_SoVITS/s2_train.py --config TEMP/tmp_s2.json`
and `python GPT_SoVITS/s1_train.py --config_file TEMP/tmp_s1.yaml` (absolute paths, repository root
as the working folder); their output tail is the live progress, and the exported weights are
listed at the end.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Iterator

from GPT_SoVITS.AR.train_config import base_num_workers, suggested_workers
from GPT_SoVITS.config_files import read_s1_config
from GPT_SoVITS.data_files.layout import SV_DIR
from GPT_SoVITS.errors import ConfigError
from GPT_SoVITS.versions import DEFAULT_VERSION, get_version
from GPT_SoVITS.webui import checks
from GPT_SoVITS.webui.configs import GPTChoices, SoVITSChoices, write_s1_config, write_s2_config
from GPT_SoVITS.webui.jobs import Job, JobSlots, ProcessSpec
from GPT_SoVITS.webui.settings import UiSettings, environ_copy

S2_SLOT, S1_SLOT = "sovits", "gpt"
S2_NEEDS = ("2-name2text.txt", "4-cnhubert", "5-wav32k")
S2_PRO_NEEDS = (*S2_NEEDS, SV_DIR)  # v2Pro/v2ProPlus train on the speaker vectors of stage 2-get-sv
S1_NEEDS = ("2-name2text.txt", "6-name2semantic.tsv")


def check_prepared(settings: UiSettings, exp_name: str, needs: tuple[str, ...]) -> Path:
    """The experiment folder, refusing a start before the dataset buttons made what is needed."""
    exp_dir = settings.exp_dir(exp_name)
    missing = [name for name in needs if not (exp_dir / name).exists()]
    if missing:
        hint = " with a v2Pro/v2ProPlus version (button 1b runs 2-get-sv)" if SV_DIR in missing else ""
        raise ConfigError(f"{exp_dir}: {', '.join(missing)} missing; run the dataset formatting tab first{hint}")
    return exp_dir


def _optional_pretrained(text: str, what: str, root: Path) -> str:
    path = checks.check_optional_file(text, what, root)
    return str(path) if path else ""


def sovits_choices(settings: UiSettings, *, exp_name: str, gpu_numbers: str, half: bool, batch_size, epochs,
                   text_low_lr_rate, save_every_epoch, if_save_latest: bool, if_save_every_weights: bool,
                   pretrained_s2G: str, pretrained_s2D: str) -> SoVITSChoices:
    """Check the SoVITS form; an empty pretrained field means random initialisation."""
    exp = checks.check_exp_name(exp_name)
    rate = float(text_low_lr_rate)
    if not 0.0 <= rate <= 1.0:
        raise ConfigError(f"text_low_lr_rate {rate}: expected a value in [0, 1]")
    return SoVITSChoices(
        exp_name=exp,
        batch_size=checks.check_positive_int(batch_size, "batch size"),
        epochs=checks.check_positive_int(epochs, "epochs"),
        text_low_lr_rate=rate,
        save_every_epoch=checks.check_positive_int(save_every_epoch, "save every N epochs"),
        if_save_latest=bool(if_save_latest),
        if_save_every_weights=bool(if_save_every_weights),
        pretrained_s2G=_optional_pretrained(pretrained_s2G, "pretrained s2G", settings.root),
        pretrained_s2D=_optional_pretrained(pretrained_s2D, "pretrained s2D", settings.root),
        gpu_numbers=checks.parse_gpu_numbers(gpu_numbers),
        half=bool(half),
    )


def default_num_workers(settings: UiSettings) -> int:
    """The GPT form's loader-workers field at start: what this machine has, at most the base config's."""
    return suggested_workers(base_num_workers(read_s1_config(settings.s1_config)))


def gpt_choices(settings: UiSettings, *, exp_name: str, gpu_numbers: str, half: bool, batch_size, epochs,
                save_every_n_epoch, if_save_latest: bool, if_save_every_weights: bool,
                pretrained_s1: str, num_workers=None) -> GPTChoices:
    """Check the GPT form; an empty pretrained field means training from scratch, 0 workers loading
    in the training process (None keeps the base config's value)."""
    workers = None if num_workers is None else checks.check_positive_int(num_workers, "data loader workers", minimum=0)
    return GPTChoices(
        exp_name=checks.check_exp_name(exp_name),
        batch_size=checks.check_positive_int(batch_size, "batch size"),
        epochs=checks.check_positive_int(epochs, "epochs"),
        save_every_n_epoch=checks.check_positive_int(save_every_n_epoch, "save every N epochs"),
        if_save_latest=bool(if_save_latest),
        if_save_every_weights=bool(if_save_every_weights),
        pretrained_s1=_optional_pretrained(pretrained_s1, "pretrained s1", settings.root),
        gpu_numbers=checks.parse_gpu_numbers(gpu_numbers),
        half=bool(half),
        num_workers=workers,
    )


def sovits_spec(settings: UiSettings, choices: SoVITSChoices, cuda: bool, version: str = DEFAULT_VERSION) -> ProcessSpec:
    """Check the experiment, write `tmp_s2.json` from the version's base config and return the trainer's command."""
    model = get_version(version)
    check_prepared(settings, choices.exp_name, S2_PRO_NEEDS if model.speaker_vectors else S2_NEEDS)
    config = write_s2_config(settings.s2_config_for(model.name), choices, settings.root, cuda, model.name)
    script = settings.repo_root / "GPT_SoVITS" / "s2_train.py"
    return ProcessSpec((sys.executable, str(script), "--config", str(config)), environ_copy(), settings.repo_root)


def gpt_spec(settings: UiSettings, choices: GPTChoices, cuda: bool, version: str = DEFAULT_VERSION) -> ProcessSpec:
    check_prepared(settings, choices.exp_name, S1_NEEDS)
    config = write_s1_config(settings.s1_config, choices, settings.root, cuda, get_version(version).name)
    script = settings.repo_root / "GPT_SoVITS" / "s1_train.py"
    env = {**environ_copy(), "hz": "25hz"}
    if cuda and choices.gpu_numbers:
        env["_CUDA_VISIBLE_DEVICES"] = ",".join(choices.gpu_numbers)  # upstream: '-' replaced by ','
    return ProcessSpec((sys.executable, str(script), "--config_file", str(config)), env, settings.repo_root)


def _exports_since(folder: Path, since: float) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.stat().st_mtime >= since)


def stream_training(slots: JobSlots, slot: str, name: str, spec: ProcessSpec, weights_dir: Path,
                    interval: float = 1.0) -> Iterator[str]:
    """Start one trainer and yield its output tail until it ends, then its outcome and exports."""
    since = time.time() - 1.0
    slots.begin(slot)
    job: Job = slots.start(slot, name, [spec])
    for _ in job.poll_until_done(interval):
        if job.running:
            yield f"running {name}, {job.elapsed():.0f} s\n" + "\n".join(job.tail(15))
    exports = _exports_since(weights_dir, since)
    if job.stopped:
        outcome = f"stopped {name} (by the stop button)"
    elif job.succeeded:
        outcome = f"done {name} in {job.elapsed():.0f} s; exported: " + (", ".join(p.name for p in exports) or "none")
    else:
        outcome = f"failed {name} (exit {job.return_codes[0]}); see the output below"
    yield outcome + "\n--- output ---\n" + "\n".join(job.tail(15))
