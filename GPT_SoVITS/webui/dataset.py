"""The dataset-formatting buttons: the form checks and the status text around the one pipeline.

The stages run through `GPT_SoVITS.prepare.pipeline` exactly as `python -m GPT_SoVITS.prepare`
runs them; this module checks the form, starts the stage processes in the UI's job slot (so
the Stop button ends them) and turns the pipeline's updates into status text in the UI's
language. The run is a generator of status texts so the UI can stream it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

from GPT_SoVITS.data_files.list_file import read_list_lines
from GPT_SoVITS.prepare import pipeline
from GPT_SoVITS.prepare.outcome import Outcome
from GPT_SoVITS.prepare.pipeline import PipelineConfig, PipelineResult, StageCommand, StageUpdate
from GPT_SoVITS.text.russian.latin import resolve_mode as latin_mode
from GPT_SoVITS.prepare.progress import StageProgress
from GPT_SoVITS.prepare.stages import stage_keys
from GPT_SoVITS.pretrained import is_present, missing_pretrained_message, pretrained_path
from GPT_SoVITS.versions import DEFAULT_VERSION, get_version
from GPT_SoVITS.webui import checks
from GPT_SoVITS.i18n import UiError, translator
from GPT_SoVITS.webui.jobs import Job, JobSlots, ProcessSpec
from GPT_SoVITS.webui.settings import UiSettings, environ_copy

SLOT = "dataset"
STAGES = ("text", "ssl", "semantic")  # the buttons' stages; 2-get-sv runs with "ssl" (button 1b) for Pro
SHOWN_FAILURES = 20

Translate = Callable[[str], str]


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
    version: str = DEFAULT_VERSION
    sv_path: Path = pretrained_path("sv")  # the speaker encoder of stage 2-get-sv (Pro versions)
    latin: str = "english"  # stage 1: Latin words in Russian lines as English, or "translit"

    @property
    def parts(self) -> int:
        return max(1, len(self.gpus))


def version_stages(stages: tuple[str, ...], version: str) -> tuple[str, ...]:
    """A button's stages for `version`: for the Pro versions, button 1b also runs 2-get-sv (as upstream's 1b)."""
    return tuple(key for key in stage_keys(version) if key in stages or (key == "sv" and "ssl" in stages))


def check_request(settings: UiSettings, stages: tuple[str, ...], *, list_path: str, wav_dir: str, exp_name: str,
                  gpu_numbers: str, half: bool, hubert_dir: str, s2g_path: str, cuda: bool,
                  version: str = DEFAULT_VERSION, latin: str = "english") -> DatasetRequest:
    """Check every field the chosen stages need; `UiError` (a `ConfigError`) with the first problem."""
    root = settings.folders
    model = get_version(version)
    stages = version_stages(stages, model.name)
    exp = checks.check_exp_name(exp_name)
    request_list = checks.check_file(list_path, "f_list", root)
    wav = checks.check_optional_dir(wav_dir, "f_wav_dir", root)  # all path fields before the pretrained check
    hubert = checks.resolve(hubert_dir, root, "f_hubert_dir") if checks.clean_path_text(hubert_dir) \
        else settings.default_pretrained("cnhubert")
    s2g = checks.resolve(s2g_path, root, "f_pretrained_s2g") if checks.clean_path_text(s2g_path) \
        else settings.default_pretrained(model.s2G)
    sv = settings.default_pretrained("sv")
    missing = {}
    if "ssl" in stages and not is_present("cnhubert", hubert):
        missing["cnhubert"] = hubert
    if "sv" in stages and not is_present("sv", sv):
        missing["sv"] = sv
    if "semantic" in stages and not is_present(model.s2G, s2g):
        missing[model.s2G] = s2g
    if missing:
        raise UiError("err_pretrained_missing", details="\n".join(missing_pretrained_message(missing).splitlines()[1:]))
    return DatasetRequest(
        list_path=request_list,
        wav_dir=wav,
        exp_name=exp,
        opt_dir=settings.exp_dir(exp),
        gpus=checks.parse_gpu_numbers(gpu_numbers),
        half=bool(half and cuda),
        hubert_dir=hubert,
        s2g_path=s2g,
        s2_config=settings.s2_config_for(model.name),
        version=model.name,
        sv_path=sv,
        latin=latin_mode(latin or "english"),
    )


def pipeline_config(request: DatasetRequest, cuda: bool, workdir: Path | None = None) -> PipelineConfig:
    """The request as the pipeline's config: one part per GPU entry, pinned to it only when CUDA is
    there; the stage processes run in `workdir` (the UI's checkout)."""
    return PipelineConfig(
        list_path=request.list_path, exp_name=request.exp_name, wav_dir=str(request.wav_dir or ""),
        parts=request.parts, hubert_dir=request.hubert_dir, s2g=request.s2g_path, s2_config=request.s2_config,
        half=request.half, logs_dir=request.opt_dir.parent, gpus=tuple(request.gpus) if cuda else (),
        workdir=workdir, version=request.version, sv_path=request.sv_path, latin=request.latin,
    )


def stage_environment(request: DatasetRequest, i_part: int, cuda: bool) -> dict[str, str]:
    """The variables one stage process gets (DESIGN §4), from the pipeline's one builder."""
    return pipeline.stage_environment(pipeline_config(request, cuda), i_part)


def slot_launcher(slots: JobSlots) -> pipeline.Launch:
    """Start a stage's processes as the job of the dataset slot (refused while one runs or after Stop)."""

    def launch(name: str, commands: Sequence[StageCommand]) -> Job:
        base = environ_copy()
        specs = [ProcessSpec(command.argv, {**base, **command.env}, command.cwd, command.label) for command in commands]
        return slots.start(SLOT, name, specs)

    return launch


def progress_text(tr: Translate, progress: StageProgress | None) -> str:
    """`loading HuBERT…` while a part loads its model and nothing is done yet, else `12/40 utterance(s)`."""
    if progress is None or not progress.reporting:
        return tr("ds_starting")
    if progress.loading and not progress.done:
        return ", ".join(loading_label(tr, model) for model in progress.loading)
    text = tr("ds_progress").format(done=progress.done, total=progress.total)
    if progress.skipped:
        text += tr("ds_progress_skipped").format(skipped=progress.skipped)
    return text


def loading_label(tr: Translate, model: str) -> str:
    if model.startswith("frontend:"):
        language = model.partition(":")[2]
        return tr("ds_loading_frontend_ru") if language == "ru" else tr("ds_loading_frontend").format(language=language)
    keys = {"hubert": "ds_loading_hubert", "sovits": "ds_loading_sovits", "sv": "ds_loading_sv"}
    return tr(keys.get(model, "ds_loading_model")).format(model=model)


def update_text(tr: Translate, update: StageUpdate) -> str:
    """The status line of a stage update."""
    script = update.stage.script
    if update.state == "running":
        return tr("ds_running").format(script=script, progress=progress_text(tr, update.progress),
                                       elapsed=update.elapsed)
    if update.state == "skipped":
        output = update.stage.output.replace(" and ", tr("and_join"))  # "4-cnhubert/ and 5-wav32k/"
        text = tr("ds_skipped").format(script=script, output=output)
        return text + tr("ds_skipped_held").format(count=update.held) if update.held else text
    if update.state == "done":
        text = tr("ds_done").format(script=script, ready=update.ready, total=update.total, elapsed=update.elapsed)
        return text + tr("ds_redone").format(count=update.redone) if update.redone else text
    if update.state == "stopped":
        return tr("ds_stopped").format(script=script)
    return tr("ds_failed").format(script=script, detail=update.detail)


def finished_lines(tr: Translate, outcome: Outcome, failed_txt: Path) -> list[str]:
    """The closing line (unique utterances) and the first failed lines, each once."""
    line = tr("ds_finished").format(ready=outcome.ready_for_training, total=outcome.total, failed=outcome.failed,
                                    path=failed_txt)
    if outcome.failed:
        line += tr("ds_first_failed").format(breakdown=outcome.breakdown())
    failed = [text for lines in outcome.failed_lines().values() for text in lines]
    return [line, *failed[:SHOWN_FAILURES]]


def _render(done: list[str], current: str, job: Job | None, tr: Translate) -> str:
    lines = list(done)
    if current:
        lines.append(current)
    if job is not None:
        lines.append(tr("ds_output"))
        lines.extend(job.tail(12))
    return "\n".join(lines)


def run_stages(settings: UiSettings, request: DatasetRequest, stages: tuple[str, ...], slots: JobSlots,
               cuda: bool, interval: float = 0.5) -> Iterator[str]:
    """Run `stages` through the pipeline, yielding the status text; stops at the first failure or Stop."""
    tr = translator(settings.lang)
    config = pipeline_config(request, cuda, settings.repo_root)
    total = len(read_list_lines(request.list_path))
    done = [tr("ds_experiment").format(exp=request.exp_name, opt_dir=request.opt_dir, total=total, parts=request.parts)]
    stages = version_stages(stages, request.version)
    for event in pipeline.iter_pipeline(config, stages, launch=slot_launcher(slots), poll_seconds=interval):
        if isinstance(event, PipelineResult):
            if event.state == "finished":
                done.extend(finished_lines(tr, event.outcome, event.failed_txt))
                yield _render(done, "", None, tr)
        elif event.state == "running":
            yield _render(done, update_text(tr, event), slots.get(SLOT), tr)
        else:
            done.append(update_text(tr, event))
            yield _render(done, "", None if event.state == "skipped" else slots.get(SLOT), tr)
