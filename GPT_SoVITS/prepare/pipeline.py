"""The one dataset pipeline: stages 1-3 (and 2-get-sv for v2Pro/v2ProPlus) as processes of their
scripts, merged, with live progress.

`python -m GPT_SoVITS.prepare` and the web UI's dataset tab both run it. Each stage is N
processes of its script (`GPT_SoVITS/prepare_datasets/`) with the UI's environment variables,
started through a launcher the caller may supply (the UI passes its job slots, so its Stop button
ends them). A stage whose every line is done or failed for a reason that still holds is skipped
(prepare/resume.py). The run is a stream of `StageUpdate`s ending with one `PipelineResult`;
`failed.txt` is rewritten at the end, even when a stage fails. The stage logic lives in the
stage modules.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Generator, Iterator, Mapping, Protocol, Sequence

from GPT_SoVITS.atomic import check_writable
from GPT_SoVITS.data_files.failures import write_failed_txt
from GPT_SoVITS.data_files.layout import FAILED_TXT, part_files, part_index
from GPT_SoVITS.data_files.list_file import likely_encoding, read_list
from GPT_SoVITS.data_files.name2semantic import merge_name2semantic
from GPT_SoVITS.data_files.name2text import merge_name2text
from GPT_SoVITS.errors import ConfigError, GptSovitsError
from GPT_SoVITS.prepare.outcome import Outcome, count_outcome
from GPT_SoVITS.prepare.progress import StageProgress, combine, read_part_progress
from GPT_SoVITS.prepare.provenance import CAUSES, forget, remember
from GPT_SoVITS.prepare.resume import StagePlan, plan_stage
from GPT_SoVITS.prepare.stages import SCRIPTS_DIR, STAGES, Stage, stage_keys
from GPT_SoVITS.pretrained import REPO_ROOT, missing_pretrained, missing_pretrained_message, pretrained_path
from GPT_SoVITS.versions import DEFAULT_VERSION, get_version, is_pro_version
from GPT_SoVITS.text.russian.latin import ENV_VAR as LATIN_ENV_VAR, resolve_mode as latin_mode

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.3


@dataclass(frozen=True)
class PipelineConfig:
    """A dataset run: what to read, where to write, how many parts (and on which GPUs).

    `version` (v2, v2Pro, v2ProPlus) decides the stages (2-get-sv for Pro) and the defaults of
    `s2g` and `s2_config` (the version's pretrained generator and base config) when not given.
    """

    list_path: Path
    exp_name: str
    wav_dir: str = ""
    parts: int = 1
    hubert_dir: Path = REPO_ROOT / "GPT_SoVITS/pretrained_models/chinese-hubert-base"
    s2g: Path | None = None
    s2_config: Path | None = None
    half: bool = False
    logs_dir: Path = Path("logs")
    gpus: tuple[str, ...] = ()  # part i runs on gpus[i % len(gpus)]; empty: every part sees every GPU
    workdir: Path | None = None  # where the stage processes run (relative audio paths); None: here
    version: str = DEFAULT_VERSION
    sv_path: Path = pretrained_path("sv")  # the speaker encoder of stage 2-get-sv (Pro versions)
    latin: str = "english"  # how stage 1 reads Latin words in Russian lines: english | translit

    def __post_init__(self) -> None:
        model = get_version(self.version)  # an unknown version is refused before anything else
        object.__setattr__(self, "latin", latin_mode(self.latin))
        if self.s2g is None:
            object.__setattr__(self, "s2g", pretrained_path(model.s2G))
        if self.s2_config is None:
            object.__setattr__(self, "s2_config", model.s2_config_path())

    @property
    def stage_keys(self) -> tuple[str, ...]:
        """Every stage of this version's experiments, in run order."""
        return stage_keys(self.version)

    @property
    def opt_dir(self) -> Path:
        return (self.logs_dir / self.exp_name).resolve()

    @property
    def list_file(self) -> Path:
        return self.list_path.resolve()

    @property
    def audio_dir(self) -> str:
        return str(Path(self.wav_dir).resolve()) if self.wav_dir else ""

    @property
    def run_dir(self) -> Path:
        return (self.workdir or Path.cwd()).resolve()


@dataclass(frozen=True)
class StageCommand:
    """One stage process: argv, the stage's own environment variables (the launcher adds its
    base environment), working folder and a label."""

    argv: tuple[str, ...]
    env: Mapping[str, str]
    cwd: Path
    label: str = ""


class Processes(Protocol):
    """What the pipeline needs of the processes a launcher started (the UI's `Job` is one)."""

    stopped: bool

    @property
    def running(self) -> bool: ...

    @property
    def return_codes(self) -> list[int | None]: ...

    def stop(self) -> None: ...

    def wait(self, timeout: float | None = None) -> bool: ...


Launch = Callable[[str, Sequence[StageCommand]], Processes]


class ChildProcesses:
    """The CLI's launcher result: plain child processes that write to this terminal."""

    def __init__(self, name: str, commands: Sequence[StageCommand]):
        self.processes: list[subprocess.Popen] = []
        self.stopped = False
        for command in commands:
            try:
                self.processes.append(subprocess.Popen(list(command.argv), env={**os.environ, **command.env},
                                                       cwd=command.cwd))
            except OSError as error:
                self.stop()
                raise ConfigError(f"{name}: could not start {command.argv[0]}: {error}") from None

    @property
    def return_codes(self) -> list[int | None]:
        return [process.poll() for process in self.processes]

    @property
    def running(self) -> bool:
        return None in self.return_codes

    def stop(self) -> None:
        self.stopped = True
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        self.wait(timeout=10)
        for process in self.processes:
            if process.poll() is None:
                process.kill()

    def wait(self, timeout: float | None = None) -> bool:
        try:
            for process in self.processes:
                process.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        return True


@dataclass(frozen=True)
class StageUpdate:
    """One step of a stage: `state` is running, skipped, done, failed or stopped."""

    stage: Stage
    state: str
    progress: StageProgress | None = None
    elapsed: float = 0.0
    ready: int = 0  # utterances this stage has ready (skipped / done)
    total: int = 0  # lines of the .list
    held: int = 0  # lines still failing as in the last run (skipped)
    redone: int = 0  # lines prepared before whose content changed since, redone by this stage (done)
    detail: str = ""  # why it failed


@dataclass
class PipelineResult:
    """How the run ended (`state`: finished, failed or stopped) and what the experiment folder holds."""

    state: str
    outcome: Outcome
    failed_txt: Path
    error: str = ""
    summaries: dict[str, str] = field(default_factory=dict)


def check_stages(config: PipelineConfig, stages: Sequence[str]) -> None:
    """Refuse a stage that is not this version's (2-get-sv of a v2 experiment), naming the fix."""
    for key in stages:
        if key not in config.stage_keys:
            raise ConfigError(f"stage {STAGES[key].script} is for v2Pro/v2ProPlus experiments only; this run's version is "
                              f"{config.version} (choose the version with --version or the UI's version choice)")


def check_s2g_version(config: PipelineConfig, stages: Sequence[str]) -> None:
    """Stage 3's SoVITS file must be of the run's version: refused before stage 1, not after stages 1-2 ran.

    A v1 file still serves a v2 run (stage 3 adapts to it); a Pro run needs its own version's
    file and a Pro file its own version, since training and synthesis follow the run's version.
    """
    if "semantic" not in stages or not Path(config.s2g).is_file():
        return  # a missing file is named by the pretrained check
    from GPT_SoVITS import weights_compat as wc

    info = wc.identify(wc.read_checkpoint(config.s2g), str(config.s2g))
    if info.kind != "s2G":
        raise ConfigError(f"{config.s2g}: this is a {info.kind} checkpoint; stage 3 needs a SoVITS generator (s2G)")
    if info.version != config.version and (is_pro_version(info.version) or is_pro_version(config.version)):
        expected = pretrained_path(get_version(config.version).s2G)
        raise ConfigError(f"{config.s2g}: a SoVITS {info.version} file, but this run's version is {config.version}; "
                          f"run with --version {info.version} (the UI's version choice), or give the {config.version} "
                          f"s2G ({expected})")


def check_output_folder(config: PipelineConfig) -> None:
    """The experiment folder must be creatable and writable before any stage runs (`OutputError` otherwise)."""
    check_writable(config.opt_dir / FAILED_TXT)


def check_config(config: PipelineConfig, stages: Sequence[str] | None = None) -> int:
    """Refuse bad settings before any work; returns the number of lines in the list."""
    stages = config.stage_keys if stages is None else stages
    check_stages(config, stages)
    if config.parts < 1:
        raise ConfigError(f"--parts {config.parts}: need at least 1")
    if not config.exp_name.strip() or "/" in config.exp_name or "\\" in config.exp_name:
        raise ConfigError(f"--exp {config.exp_name!r}: give a plain folder name")
    if config.wav_dir and not Path(config.wav_dir).is_dir():
        raise ConfigError(f"--wav-dir {config.wav_dir}: folder not found")
    if "semantic" in stages and not config.s2_config.is_file():
        raise ConfigError(f"--s2-config {config.s2_config}: file not found (configs/s2.json is the default)")
    entries, problems = read_list(config.list_path)
    if not entries and problems and all(problem.message.startswith("not UTF-8") for problem in problems):
        guess = likely_encoding(Path(config.list_path).read_bytes())
        raise ConfigError(f"{config.list_path}: not UTF-8 text (it looks like {guess}); save the .list as UTF-8 "
                          f"(in the editor's 'save as' encoding choice) and run again")
    if not entries:
        raise ConfigError(f"{config.list_path}: no usable line ({len(problems)} malformed); nothing to prepare")
    needed = {"cnhubert": config.hubert_dir} if "ssl" in stages else {}
    if "sv" in stages:
        needed["sv"] = config.sv_path
    if "semantic" in stages:
        needed[get_version(config.version).s2G] = config.s2g
    missing = missing_pretrained(needed)
    if missing:
        raise ConfigError(missing_pretrained_message(missing))
    for key in stages:
        if not (REPO_ROOT / SCRIPTS_DIR / STAGES[key].script).is_file():
            raise ConfigError(f"{REPO_ROOT / SCRIPTS_DIR / STAGES[key].script} is missing; the installation is incomplete")
    return len(entries) + len(problems)  # iter_pipeline then checks the s2G's version and the output folder


def stage_environment(config: PipelineConfig, i_part: int) -> dict[str, str]:
    """The environment variables of stage process `i_part` (DESIGN §4, absolute paths): the one builder."""
    env = {
        "inp_text": str(config.list_file),
        "inp_wav_dir": config.audio_dir,
        "exp_name": config.exp_name,
        "opt_dir": str(config.opt_dir),
        "i_part": str(i_part),
        "all_parts": str(config.parts),
        "is_half": str(config.half),
        "version": config.version,
        "cnhubert_base_dir": str(config.hubert_dir.resolve()),
        "pretrained_s2G": str(config.s2g.resolve()),
        "s2config_path": str(config.s2_config.resolve()),
        "sv_path": str(Path(config.sv_path).resolve()),
        LATIN_ENV_VAR: config.latin,
    }
    if config.gpus:
        env["_CUDA_VISIBLE_DEVICES"] = config.gpus[i_part % len(config.gpus)]
    return env


def stage_commands(config: PipelineConfig, stage: Stage, progress_dir: Path) -> list[StageCommand]:
    """One command per part; each reports its progress to `progress_dir/part-<i>.json`."""
    script = REPO_ROOT / SCRIPTS_DIR / stage.script
    return [
        StageCommand((sys.executable, str(script)),
                     {**stage_environment(config, i), "progress_file": str(progress_dir / f"part-{i}.json")},
                     config.run_dir, f"part {i}")
        for i in range(config.parts)
    ]


def start_processes(name: str, commands: Sequence[StageCommand]) -> Processes:
    """The default launcher: child processes of this one, writing to its terminal."""
    return ChildProcesses(name, commands)


class _Run:
    """The list and plans one pipeline run works from."""

    def __init__(self, config: PipelineConfig):
        self.config = config
        self.entries, self.problems = read_list(config.list_file)

    @property
    def total(self) -> int:
        return len(self.entries) + len(self.problems)

    def plan(self, key: str) -> StagePlan:
        return plan_stage(key, self.entries, self.problems, self.config.opt_dir, self.config.audio_dir,
                          for_part=False, base_dir=self.config.run_dir)

    def outcome(self) -> Outcome:
        return count_outcome({key: self.plan(key) for key in self.config.stage_keys}, self.problems)


def iter_pipeline(config: PipelineConfig, stages: Sequence[str] | None = None, launch: Launch = start_processes,
                  poll_seconds: float = POLL_SECONDS) -> Iterator[StageUpdate | PipelineResult]:
    """Run `stages` (default: every stage of the config's version) in order; yields updates while
    they run and a `PipelineResult` last.

    Stops at the first stage that fails or is stopped. Errors of the launcher (e.g. the UI
    refusing to start after a stop request) propagate after `failed.txt` is written.
    """
    stages = config.stage_keys if stages is None else stages
    check_stages(config, stages)
    check_s2g_version(config, stages)
    run = _Run(config)
    check_output_folder(config)
    state, error = "finished", ""
    try:
        for key in stages:
            update = yield from _stage_updates(run, STAGES[key], launch, poll_seconds)
            yield update
            if update.state in ("failed", "stopped"):
                state, error = update.state, f"{update.stage.script}: {update.detail}"
                break
    finally:
        outcome = run.outcome()
        failed_txt = write_failed_txt(config.opt_dir, outcome.failed_lines())
    summaries = {key: count.line() for key, count in outcome.counts.items()}
    yield PipelineResult(state, outcome, failed_txt, error, summaries)


def _stage_updates(run: _Run, stage: Stage, launch: Launch,
                   poll_seconds: float) -> Generator[StageUpdate, None, StageUpdate]:
    """Skip `stage` when complete, else run its parts (yielding progress) and merge; returns the final update."""
    plan = run.plan(stage.key)
    redone = len(plan.changed)
    if plan.changed:
        logger.info("%s: %d line(s) changed since they were prepared (%s): redoing them and what later stages made "
                    "from them", stage.script, redone, CAUSES[stage.key])
        forget(run.config.opt_dir, stage.key, [entry.name for entry in plan.changed])
        plan = run.plan(stage.key)
    if plan.complete:
        _remember(run, stage.key, plan)
        logger.info("%s covers every line of the list (%d still failing as before): skipping stage %d (%s)",
                    stage.output, len(plan.held), stage.number, stage.script)
        return StageUpdate(stage, "skipped", ready=len(plan.done), total=run.total, held=len(plan.held))
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="gsv-progress-") as progress_dir:
        commands = stage_commands(run.config, stage, Path(progress_dir))
        processes = launch(stage.script, commands)
        try:
            while processes.running:
                progress = combine([read_part_progress(Path(progress_dir) / f"part-{i}.json")
                                    for i in range(len(commands))])
                yield StageUpdate(stage, "running", progress, time.monotonic() - started, total=run.total)
                time.sleep(poll_seconds)
        except BaseException:
            processes.stop()
            raise
        processes.wait(timeout=5.0)
    update = _finish_stage(run, stage, processes, time.monotonic() - started)
    if update.state == "done":
        _remember(run, stage.key, run.plan(stage.key))
        if redone:
            logger.info("%s: %d changed line(s) redone", stage.script, redone)
        update = replace(update, redone=redone)
    return update


def _remember(run: _Run, key: str, plan: StagePlan) -> None:
    """Record what the done lines were made from, so the next run sees edits (`provenance`)."""
    done = [entry for entry in run.entries if entry.name in plan.done]
    remember(run.config.opt_dir, key, done, run.config.audio_dir, run.config.run_dir)


def _finish_stage(run: _Run, stage: Stage, processes: Processes, elapsed: float) -> StageUpdate:
    """Check the exit codes, merge the parts and drop failure files of parts this run did not have."""
    if processes.stopped:
        return StageUpdate(stage, "stopped", elapsed=elapsed, total=run.total, detail="stopped by request")
    codes = processes.return_codes
    if any(code != 0 for code in codes):
        detail = ", ".join(f"part {i}: exit {code}" for i, code in enumerate(codes) if code != 0)
        return StageUpdate(stage, "failed", elapsed=elapsed, total=run.total, detail=detail)
    opt_dir, parts = run.config.opt_dir, run.config.parts
    try:
        if stage.key == "text":
            merge_name2text(opt_dir, parts)
        elif stage.key == "semantic":
            merge_name2semantic(opt_dir, parts)
    except GptSovitsError as error:
        return StageUpdate(stage, "failed", elapsed=elapsed, total=run.total, detail=str(error))
    for path in part_files(opt_dir, f"failed-{stage.key}-*.tsv"):
        if part_index(path) >= parts:  # left by a run with more parts; this run's parts rewrote the rest
            path.unlink(missing_ok=True)
    return StageUpdate(stage, "done", elapsed=elapsed, ready=len(run.plan(stage.key).done), total=run.total)


def run_pipeline(config: PipelineConfig, on_update: Callable[[StageUpdate], None] | None = None,
                 stages: Sequence[str] | None = None) -> PipelineResult:
    """Check the settings, run `stages` (default: all of the version's) with the default launcher and
    return the result.

    `GptSovitsError` when a stage fails (after `failed.txt` is written and the counts are logged).
    """
    check_config(config, stages)
    result = None
    for event in iter_pipeline(config, stages):
        if isinstance(event, PipelineResult):
            result = event
        elif on_update is not None:
            on_update(event)
    if result.state != "finished":
        for line in result.summaries.values():
            logger.error("%s", line)
        raise GptSovitsError(f"{result.error}; see the log above for the cause")
    return result
