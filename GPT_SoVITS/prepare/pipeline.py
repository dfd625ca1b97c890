"""The one-command dataset pipeline: stages 1, 2 and 3 run as the web UI runs them, then merged.

Each stage is N subprocesses of its script (`GPT_SoVITS/prepare_datasets/`) with the UI's
environment variables; this module only starts them, shows progress, merges the parts and
collects the failure files into `failed.txt`. The stage logic lives in the stage modules.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from GPT_SoVITS.errors import ConfigError, GptSovitsError
from GPT_SoVITS.prepare import merge
from GPT_SoVITS.prepare.list_file import read_list
from GPT_SoVITS.pretrained import REPO_ROOT, missing_pretrained, missing_pretrained_message

logger = logging.getLogger(__name__)

SCRIPTS_DIR = Path("GPT_SoVITS/prepare_datasets")
STAGE_SCRIPTS = {"text": "1-get-text.py", "ssl": "2-get-hubert-wav32k.py", "semantic": "3-get-semantic.py"}
POLL_SECONDS = 0.3


@dataclass(frozen=True)
class PipelineConfig:
    """What `python -m GPT_SoVITS.prepare` was asked to do; paths are made absolute."""

    list_path: Path
    exp_name: str
    wav_dir: str = ""
    parts: int = 1
    hubert_dir: Path = REPO_ROOT / "GPT_SoVITS/pretrained_models/chinese-hubert-base"
    s2g: Path = REPO_ROOT / "GPT_SoVITS/pretrained_models/gsv-v2final-pretrained/s2G2333k.pth"
    s2_config: Path = REPO_ROOT / "configs/s2.json"
    half: bool = False
    logs_dir: Path = Path("logs")

    @property
    def opt_dir(self) -> Path:
        return (self.logs_dir / self.exp_name).resolve()


@dataclass
class PipelineResult:
    """Per-stage outcome lines and the failure list written to `failed.txt`."""

    summaries: dict[str, str] = field(default_factory=dict)
    failures: dict[str, list[str]] = field(default_factory=dict)
    failed_txt: Path | None = None


def check_config(config: PipelineConfig) -> int:
    """Refuse bad settings before any work; returns the number of utterances in the list."""
    if config.parts < 1:
        raise ConfigError(f"--parts {config.parts}: need at least 1")
    if not config.exp_name.strip() or "/" in config.exp_name or "\\" in config.exp_name:
        raise ConfigError(f"--exp {config.exp_name!r}: give a plain folder name")
    if config.wav_dir and not Path(config.wav_dir).is_dir():
        raise ConfigError(f"--wav-dir {config.wav_dir}: folder not found")
    if not config.s2_config.is_file():
        raise ConfigError(f"--s2-config {config.s2_config}: file not found (configs/s2.json is the default)")
    entries, problems = read_list(config.list_path)
    if not entries:
        raise ConfigError(f"{config.list_path}: no usable line ({len(problems)} malformed); nothing to prepare")
    missing = missing_pretrained({"cnhubert": config.hubert_dir, "s2G": config.s2g})
    if missing:
        raise ConfigError(missing_pretrained_message(missing))
    for script in STAGE_SCRIPTS.values():
        if not (REPO_ROOT / SCRIPTS_DIR / script).is_file():
            raise ConfigError(f"{REPO_ROOT / SCRIPTS_DIR / script} is missing; the installation is incomplete")
    return len(entries)


def stage_environment(config: PipelineConfig, i_part: int) -> dict[str, str]:
    """The environment variables the UI gives every stage process (absolute paths)."""
    return {
        "inp_text": str(config.list_path.resolve()),
        "inp_wav_dir": str(Path(config.wav_dir).resolve()) if config.wav_dir else "",
        "exp_name": config.exp_name,
        "opt_dir": str(config.opt_dir),
        "i_part": str(i_part),
        "all_parts": str(config.parts),
        "is_half": str(config.half),
        "version": "v2",
        "cnhubert_base_dir": str(config.hubert_dir.resolve()),
        "pretrained_s2G": str(config.s2g.resolve()),
        "s2config_path": str(config.s2_config.resolve()),
    }


def _wait(processes: list[subprocess.Popen], progress: Callable[[int], None]) -> list[int]:
    """Wait for every process, calling `progress(finished_count)` as they end; their exit codes."""
    while True:
        finished = sum(process.poll() is not None for process in processes)
        progress(finished)
        if finished == len(processes):
            return [process.returncode for process in processes]
        time.sleep(POLL_SECONDS)


def run_stage(config: PipelineConfig, stage: str, total: int) -> None:
    """Start `config.parts` processes of one stage and wait; `GptSovitsError` if any part fails."""
    from tqdm import tqdm

    script = SCRIPTS_DIR / STAGE_SCRIPTS[stage]
    merge.clear_part_failures(config.opt_dir, stage)
    processes = []
    try:
        for i_part in range(config.parts):
            env = {**os.environ, **stage_environment(config, i_part)}
            processes.append(subprocess.Popen([sys.executable, str(script)], env=env, cwd=REPO_ROOT))
        by_files = stage == "ssl"  # stage 2 writes one file per utterance: count them
        with tqdm(total=total if by_files else config.parts, desc=f"{script.name}", unit="utt" if by_files else "part") as bar:
            def progress(finished: int) -> None:
                done = _count_ssl_outputs(config.opt_dir) if by_files else finished
                bar.update(max(0, min(done, bar.total) - bar.n))

            codes = _wait(processes, progress)
    except BaseException:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        raise
    failed = [f"part {i} exited with code {code}" for i, code in enumerate(codes) if code != 0]
    if failed:
        raise GptSovitsError(f"{script}: {', '.join(failed)}; see the log above for the cause")


def _count_ssl_outputs(opt_dir: Path) -> int:
    folder = opt_dir / "4-cnhubert"
    return sum(1 for path in folder.glob("*.pt")) if folder.is_dir() else 0


def _count_lines(path: Path, header: bool = False) -> int:
    if not path.is_file():
        return 0
    count = sum(1 for line in path.read_text(encoding="utf-8").split("\n") if line.strip())
    return max(0, count - 1) if header else count


def _stage_outputs(opt_dir: Path) -> dict[str, int]:
    return {
        "text": _count_lines(opt_dir / merge.NAME2TEXT),
        "ssl": _count_ssl_outputs(opt_dir),
        "semantic": _count_lines(opt_dir / merge.NAME2SEMANTIC, header=True),
    }


def _run_all_stages(config: PipelineConfig, total: int) -> None:
    opt_dir = config.opt_dir
    # Like the UI's one-click button: stages whose merged output exists are not rerun.
    if _count_lines(opt_dir / merge.NAME2TEXT) > 0:
        logger.info("%s exists: skipping stage 1", opt_dir / merge.NAME2TEXT)
    else:
        run_stage(config, "text", total)
        merge.merge_name2text(opt_dir, config.parts)
    run_stage(config, "ssl", total)  # resumes per utterance
    if _count_lines(opt_dir / merge.NAME2SEMANTIC, header=True) > 0:
        logger.info("%s exists: skipping stage 3", opt_dir / merge.NAME2SEMANTIC)
    else:
        run_stage(config, "semantic", total)
        merge.merge_name2semantic(opt_dir, config.parts)


def run_pipeline(config: PipelineConfig) -> PipelineResult:
    """Check the settings, run the three stages, merge, and write `failed.txt` (even on failure)."""
    total = check_config(config)
    opt_dir = config.opt_dir
    opt_dir.mkdir(parents=True, exist_ok=True)
    result = PipelineResult()
    finished = False
    try:
        _run_all_stages(config, total)
        finished = True
    finally:
        result.failures = merge.collect_failures(opt_dir)
        result.failed_txt = merge.write_failed_txt(opt_dir, result.failures)
        outputs = _stage_outputs(opt_dir)
        for stage, script in STAGE_SCRIPTS.items():
            result.summaries[stage] = (
                f"{script}: {outputs[stage]} of {total} utterances ready, {len(result.failures.get(stage, []))} failed"
            )
        if not finished:
            for line in result.summaries.values():
                logger.error("%s", line)
    return result
