"""The dataset-formatting buttons: stages 1-3 as subprocesses, one per part, then the merges.

Each stage runs `GPT_SoVITS/prepare_datasets/<script>` with the environment of DESIGN §4
(one process per GPU entry, `i_part`/`all_parts`), the parts are merged with
`GPT_SoVITS.prepare.merge`, and the failure files are collected into `failed.txt`. The run is
a generator of status texts so the UI can stream it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from GPT_SoVITS.errors import ConfigError, GptSovitsError
from GPT_SoVITS.prepare import merge
from GPT_SoVITS.prepare.list_file import read_list
from GPT_SoVITS.pretrained import is_present, missing_pretrained_message
from GPT_SoVITS.webui import checks
from GPT_SoVITS.webui.jobs import Job, JobSlots, ProcessSpec
from GPT_SoVITS.webui.settings import VERSION, UiSettings, environ_copy

SLOT = "dataset"
SCRIPTS = {"text": "1-get-text.py", "ssl": "2-get-hubert-wav32k.py", "semantic": "3-get-semantic.py"}
STAGES = tuple(SCRIPTS)


@dataclass(frozen=True)
class DatasetRequest:
    """Checked inputs of a dataset run."""

    list_path: Path
    wav_dir: Path | None
    exp_name: str
    opt_dir: Path
    gpus: list[str]
    half: bool
    hubert_dir: Path
    s2g_path: Path
    s2_config: Path

    @property
    def parts(self) -> int:
        return max(1, len(self.gpus))


def check_request(settings: UiSettings, stages: tuple[str, ...], *, list_path: str, wav_dir: str, exp_name: str,
                  gpu_numbers: str, half: bool, hubert_dir: str, s2g_path: str, cuda: bool) -> DatasetRequest:
    """Check every field the chosen stages need; `ConfigError` with the first problem."""
    root = settings.root
    exp = checks.check_exp_name(exp_name)
    request_list = checks.check_file(list_path, ".list file", root)
    hubert = checks.resolve(checks.clean_path_text(hubert_dir), root)
    s2g = checks.resolve(checks.clean_path_text(s2g_path), root)
    missing = {}
    if "ssl" in stages and not is_present("cnhubert", hubert):
        missing["cnhubert"] = hubert
    if "semantic" in stages and not is_present("s2G", s2g):
        missing["s2G"] = s2g
    if missing:
        raise ConfigError(missing_pretrained_message(missing))
    return DatasetRequest(
        list_path=request_list,
        wav_dir=checks.check_optional_dir(wav_dir, "audio folder", root),
        exp_name=exp,
        opt_dir=settings.exp_dir(exp),
        gpus=checks.parse_gpu_numbers(gpu_numbers),
        half=bool(half and cuda),
        hubert_dir=hubert,
        s2g_path=s2g,
        s2_config=settings.s2_config,
    )


def stage_environment(request: DatasetRequest, i_part: int, cuda: bool) -> dict[str, str]:
    """The variables one stage process gets (DESIGN §4); GPUs only when CUDA is there."""
    env = {
        "inp_text": str(request.list_path),
        "inp_wav_dir": str(request.wav_dir) if request.wav_dir else "",
        "exp_name": request.exp_name,
        "opt_dir": str(request.opt_dir),
        "i_part": str(i_part),
        "all_parts": str(request.parts),
        "is_half": str(request.half),
        "version": VERSION,
        "cnhubert_base_dir": str(request.hubert_dir),
        "pretrained_s2G": str(request.s2g_path),
        "s2config_path": str(request.s2_config),
    }
    if cuda and request.gpus:
        env["_CUDA_VISIBLE_DEVICES"] = request.gpus[i_part]
    return env


def stage_specs(settings: UiSettings, request: DatasetRequest, stage: str, cuda: bool) -> list[ProcessSpec]:
    script = settings.repo_root / "GPT_SoVITS" / "prepare_datasets" / SCRIPTS[stage]
    base = environ_copy()
    return [
        ProcessSpec((sys.executable, str(script)), {**base, **stage_environment(request, i, cuda)},
                    settings.repo_root, f"part {i}")
        for i in range(request.parts)
    ]


def _count_lines(path: Path, header: bool = False) -> int:
    if not path.is_file():
        return 0
    count = sum(1 for line in path.read_text(encoding="utf-8").split("\n") if line.strip())
    return max(0, count - 1) if header else count


def stage_output_count(opt_dir: Path, stage: str) -> int:
    """How many utterances a stage has produced so far (merged files, or 4-cnhubert/*.pt)."""
    if stage == "text":
        return _count_lines(opt_dir / merge.NAME2TEXT)
    if stage == "semantic":
        return _count_lines(opt_dir / merge.NAME2SEMANTIC, header=True)
    folder = opt_dir / "4-cnhubert"
    return sum(1 for _ in folder.glob("*.pt")) if folder.is_dir() else 0


def _render(done: list[str], current: str, job: Job | None) -> str:
    lines = list(done)
    if current:
        lines.append(current)
    if job is not None:
        lines.append("--- output ---")
        lines.extend(job.tail(12))
    return "\n".join(lines)


def _merge(request: DatasetRequest, stage: str) -> None:
    if stage == "text":
        merge.merge_name2text(request.opt_dir, request.parts)
    elif stage == "semantic":
        merge.merge_name2semantic(request.opt_dir, request.parts)


def _skip_reason(request: DatasetRequest, stage: str, one_click: bool) -> str:
    """Upstream's one-click skips: stage 1 / stage 3 when their merged output already exists."""
    if one_click and stage in ("text", "semantic") and stage_output_count(request.opt_dir, stage) > 0:
        name = merge.NAME2TEXT if stage == "text" else merge.NAME2SEMANTIC
        return f"{SCRIPTS[stage]}: skipped, {name} already exists (delete it to redo)"
    return ""


def run_stages(settings: UiSettings, request: DatasetRequest, stages: tuple[str, ...], slots: JobSlots,
               cuda: bool, interval: float = 0.5) -> Iterator[str]:
    """Run `stages` in order, yielding the status text; stops at the first failure or a stop request."""
    total = len(read_list(request.list_path)[0])
    request.opt_dir.mkdir(parents=True, exist_ok=True)
    done = [f"experiment {request.exp_name}: {request.opt_dir} ({total} utterances, {request.parts} part(s))"]
    try:
        for stage in stages:
            skip = _skip_reason(request, stage, one_click=len(stages) > 1)
            if skip:
                done.append(skip)
                yield _render(done, "", None)
                continue
            outcome = yield from _run_one(settings, request, stage, slots, cuda, total, done, interval)
            done.append(outcome)
            yield _render(done, "", slots.get(SLOT))
            if not outcome.startswith("done"):
                return
    finally:
        failures = merge.collect_failures(request.opt_dir)
        merge.write_failed_txt(request.opt_dir, failures)
    failed = [line for stage in STAGES for line in failures.get(stage, [])]
    done.append(f"finished; {len(failed)} utterance(s) skipped (see {request.opt_dir / merge.FAILED_TXT})")
    done.extend(failed[:20])
    yield _render(done, "", None)


def _run_one(settings: UiSettings, request: DatasetRequest, stage: str, slots: JobSlots, cuda: bool,
             total: int, done: list[str], interval: float) -> Iterator[str]:
    """One stage: start its parts, stream progress, merge; returns its outcome line."""
    script = SCRIPTS[stage]
    merge.clear_part_failures(request.opt_dir, stage)
    job = slots.start(SLOT, script, stage_specs(settings, request, stage, cuda))
    for _ in job.poll_until_done(interval):
        finished = sum(code is not None for code in job.return_codes)
        progress = f"{stage_output_count(request.opt_dir, 'ssl')}/{total} utterances" if stage == "ssl" \
            else f"{finished} of {request.parts} part(s) ended"
        yield _render(done, f"running {script}: {progress}, {job.elapsed():.1f} s", job)
    if job.stopped or slots.cancelled(SLOT):
        return f"stopped {script} (by the stop button)"
    if not job.succeeded:
        codes = ", ".join(f"part {i}: exit {code}" for i, code in enumerate(job.return_codes) if code != 0)
        return f"failed {script} ({codes}); see the output below"
    try:
        _merge(request, stage)
    except GptSovitsError as error:
        return f"failed {script}: {error}"
    return f"done {script}: {stage_output_count(request.opt_dir, stage)}/{total} utterances ready, {job.elapsed():.1f} s"
