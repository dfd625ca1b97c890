"""Tab 0 "Recordings -> .list": slicing and ASR as jobs, the proofreading page, the dataset report.

Slicing and ASR run as `python -m tools.slice` / `python -m tools.asr` processes through the
same `JobSlots` as the other tabs (one at a time in the `recordings` slot, stoppable); the
proofreading page works on a `tools.proofread.ListDocument` kept in the session's state.
Everything here returns plain values; `recordings_tab` turns them into Gradio components.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from GPT_SoVITS.confinement import PathRefusedError
from GPT_SoVITS.errors import GptSovitsError
from GPT_SoVITS.webui import checks
from GPT_SoVITS.i18n import ENGLISH, Translate, UiError, error_text
from GPT_SoVITS.webui.job_events import outcome_text, running_text
from GPT_SoVITS.webui.jobs import JobSlots, ProcessSpec
from GPT_SoVITS.webui.settings import UiSettings, environ_copy

SLOT = "recordings"
PAGE_SIZE = 5


def slicer_output_default(settings: UiSettings) -> Path:
    return settings.root / "output" / "slicer_opt"  # upstream's folder


def asr_output_for(settings: UiSettings, clips_dir: Path, output_text: str) -> Path:
    """The ASR's .list: as typed, else `output/asr_opt/<clips folder>.list` (upstream's folder)."""
    value = checks.clean_path_text(output_text)
    if value:
        return checks.resolve(value, settings.folders, "f_asr_output")
    return settings.root / "output" / "asr_opt" / f"{clips_dir.name}.list"


def slice_argv(settings: UiSettings, *, source: str, out_dir: str, mode: str, min_clip, max_clip, threshold,
               min_length, min_interval, hop_size, max_sil_kept, max_peak, alpha) -> tuple[list[str], Path]:
    """The slicer's command line and output folder, checked before anything starts."""
    from tools.silence_slicer import SilenceParams
    from tools.slice import SliceOptions

    value = checks.clean_path_text(source)
    if not value:
        raise UiError("err_no_recording")
    path = checks.resolve(value, settings.folders, "f_recording")
    if not path.exists():
        raise UiError("err_recording_not_found", path=path)
    output = checks.resolve(out_dir, settings.folders, "f_slice_output") if checks.clean_path_text(out_dir) \
        else slicer_output_default(settings)
    silence = SilenceParams(threshold=float(threshold), min_length=int(min_length), min_interval=int(min_interval),
                            hop_size=int(hop_size), max_sil_kept=int(max_sil_kept))
    SliceOptions(mode=mode, silence=silence, min_clip=float(min_clip), max_clip=float(max_clip),
                 max_peak=float(max_peak), alpha=float(alpha)).check()
    argv = [sys.executable, "-m", "tools.slice", str(path), "-o", str(output), "--mode", mode,
            "--min-clip", str(min_clip), "--max-clip", str(max_clip), "--threshold", str(threshold),
            "--min-length", str(int(min_length)), "--min-interval", str(int(min_interval)),
            "--hop-size", str(int(hop_size)), "--max-sil-kept", str(int(max_sil_kept)),
            "--max", str(max_peak), "--alpha", str(alpha)]
    return argv, output


def asr_argv(settings: UiSettings, *, clips_dir: str, output: str, language: str, model: str,
             speaker: str) -> tuple[list[str], Path]:
    """The ASR's command line and output .list; a missing model is reported here, before any start."""
    from tools.asr import AsrOptions, list_clips
    from tools.whisper_models import model_sizes

    folder = checks.check_dir(clips_dir, "f_clips_dir", settings.folders)
    list_clips(folder)
    speaker = (speaker or "").strip()  # a client calling the endpoint may send null
    AsrOptions(language=language, speaker=speaker).check()
    target = asr_output_for(settings, folder, output)
    if (model or "").strip() and model.strip() not in model_sizes():  # a folder: confined like every path
        model = str(checks.resolve(model, settings.folders, "f_asr_model"))
    model_dir = _whisper_model(model, settings.root)
    argv = [sys.executable, "-m", "tools.asr", str(folder), "-o", str(target), "--language", language,
            "--model", str(model_dir)]
    if speaker:
        argv += ["--speaker", speaker]
    return argv, target


def _whisper_model(model: str, root: Path) -> Path:
    """The ASR model folder; the usual mistakes (no such folder, an incomplete one, a size not fetched)
    are told in the UI's language before `resolve_model` checks the rest."""
    from tools.whisper_models import DEFAULT_MODEL, missing_files, model_sizes, resolve_model, whisper_folder

    name = (model or "").strip() or DEFAULT_MODEL
    if name in model_sizes():
        folders = [whisper_folder(name, place) for place in (root, None)]
        if all(missing_files(folder) for folder in folders):
            raise UiError("err_whisper_missing", size=name, folder=folders[0])
    elif any(sep in name for sep in ("/", "\\")) or name.startswith("."):
        folder = Path(name).expanduser()
        if not folder.is_dir():
            raise UiError("err_whisper_folder", folder=folder)
        if missing_files(folder):
            raise UiError("err_whisper_incomplete", folder=folder, missing=", ".join(missing_files(folder)))
    return resolve_model(name, roots=(root,))


def stream_tool(settings: UiSettings, slots: JobSlots, name: str, argv: list[str],
                interval: float = 0.5, tr: Translate = ENGLISH) -> Iterator[str]:
    """Run one tool in the `recordings` slot, yielding its output tail, then its outcome and summary;
    the UI claims the slot for the run (`job_events.job_stream`)."""
    job = slots.start(SLOT, name, [ProcessSpec(tuple(argv), environ_copy(), settings.repo_root)])
    for _ in job.poll_until_done(interval):
        if job.running:
            yield running_text(tr, job, 12)
    yield "\n".join([outcome_text(tr, job), *job.tail(30)])


def existing_path(settings: UiSettings, path_text: str, want_dir: bool) -> str | None:
    """`path_text` when it names an existing folder (or file) inside the UI's folders, else None:
    what to fill into the next step (a path outside is never looked at)."""
    if not checks.clean_path_text(path_text):
        return None
    try:
        path = checks.resolve(path_text, settings.folders)
    except PathRefusedError:
        return None
    return str(path) if (path.is_dir() if want_dir else path.is_file()) else None


@dataclass(frozen=True)
class RowView:
    """One line of the proofreading page as the page shows it."""

    index: int
    label: str
    text: str
    audio: tuple[int, object] | None  # (sample rate, int16 samples) for gr.Audio
    reading: str  # markdown: stress, phones, flags


@dataclass(frozen=True)
class PageView:
    page: int
    pages: int
    info: str
    rows: list[RowView]


def line_clip(doc, index: int, tr: Translate = ENGLISH) -> tuple[tuple[int, object] | None, float | None, str]:
    """`read_clip` of line `index`'s audio, or why it is not shown (a clip outside the UI's folders)."""
    try:
        path = doc.audio_path(index)
    except PathRefusedError as error:
        return None, None, str(error)
    return read_clip(path, tr)


def read_clip(path: Path, tr: Translate = ENGLISH) -> tuple[tuple[int, object] | None, float | None, str]:
    import soundfile

    try:
        samples, sr = soundfile.read(str(path), dtype="int16", always_2d=True)
    except (RuntimeError, OSError) as error:  # soundfile's LibsndfileError is a RuntimeError
        return None, None, tr("pr_cannot_read").format(path=path, error=error)
    return (sr, samples.mean(axis=1).astype("int16")), len(samples) / sr, ""


def reading_markdown(text: str, language: str, seconds: float | None, tr: Callable[[str], str]) -> str:
    """Stress, phones and flags of one line, as shown under its text box."""
    from tools.proofread import frontend_reading
    from tools.transcript_checks import suspicious_reasons

    reading = frontend_reading(text, language)
    parts = [f"**{tr('pr_stress')}:** {reading.accented}", f"**{tr('pr_phones')}:** `{reading.phones}`"] \
        if not reading.error else [f"**{tr('pr_frontend_error')}:** {reading.error}"]
    if reading.english:
        parts.insert(1, f"**{tr('pr_english')}:** `{reading.english}`")
    parts.extend(f"⚠ {reason.render(tr)}" for reason in suspicious_reasons(text, seconds, language))
    return "  \n".join(parts)


def page_count(doc) -> int:
    return max(1, math.ceil(len(doc.lines) / PAGE_SIZE))


def page_info(doc, page: int, tr: Callable[[str], str]) -> str:
    """`page 2 of 7, 33 lines (file)`, plus a note while edits are unsaved."""
    if doc is None:
        return tr("pr_no_list")
    unsaved = f"; {tr('pr_unsaved')}" if doc.dirty else ""
    return tr("pr_page_info").format(page=page + 1, pages=page_count(doc), lines=len(doc.lines), path=doc.path) + unsaved


def page_view(doc, page: int, tr: Callable[[str], str]) -> PageView:
    """The rows of page `page` (0-based, clamped) of the open document."""
    if doc is None:
        return PageView(0, 0, tr("pr_no_list"), [])
    pages = page_count(doc)
    page = min(max(0, int(page)), pages - 1)
    rows = []
    for index in range(page * PAGE_SIZE, min(len(doc.lines), (page + 1) * PAGE_SIZE)):
        line = doc.lines[index]
        if line.raw is not None:
            rows.append(RowView(index, f"{index + 1}. {line.problem}", line.raw, None, f"⚠ {line.problem}"))
            continue
        audio, seconds, problem = line_clip(doc, index, tr)
        reading = reading_markdown(line.text, line.language, seconds, tr)
        rows.append(RowView(index, f"{index + 1}. {line.name}", line.text, audio,
                            f"{reading}  \n⚠ {problem}" if problem else reading))
    return PageView(page, pages, page_info(doc, page, tr), rows)


def open_document(settings: UiSettings, list_text: str, tr: Translate = ENGLISH):
    """(document, status) for the list path typed on the page."""
    from tools.proofread import ListDocument

    path = checks.check_file(list_text, "f_list", settings.folders)
    doc = ListDocument.open(path, roots=(settings.root, settings.repo_root), folders=settings.folders)
    return doc, tr("pr_opened").format(path=path, lines=len(doc.lines))


def apply_shown_texts(doc, page: int, texts: list[str]) -> int:
    """Take the text boxes of page `page` (0-based) as the texts of its lines; returns how many changed.

    A box equal to its line (after the spacing `ListDocument.edit` applies) changes nothing; a
    line kept raw (the parser refused it) is only an error when its box was changed.
    """
    changed = 0
    for slot, text in enumerate(texts):
        index = page * PAGE_SIZE + slot
        if index >= len(doc.lines) or text is None:
            continue
        line = doc.lines[index]
        if line.raw is not None and text == line.raw:
            continue
        if line.raw is None and " ".join(str(text).replace("|", " ").split()) == line.text:
            continue
        doc.edit(index, str(text))
        changed += 1
    return changed


def selected_indices(doc, page: int, selected: list[bool]) -> list[int]:
    start = page * PAGE_SIZE
    return [start + slot for slot, flag in enumerate(selected) if flag and start + slot < len(doc.lines)]


def delete_selected(doc, page: int, selected: list[bool], tr: Translate = ENGLISH) -> str:
    indices = selected_indices(doc, page, selected)
    if not indices:
        raise UiError("err_select_to_delete")
    doc.delete(indices)
    return tr("pr_deleted").format(count=len(indices))


def merge_selected(doc, page: int, selected: list[bool], tr: Translate = ENGLISH) -> str:
    indices = selected_indices(doc, page, selected)
    if len(indices) != 2 or indices[1] != indices[0] + 1:
        raise UiError("err_select_to_merge")
    merged = doc.merge(indices[0])
    return tr("pr_merged").format(first=indices[0] + 1, second=indices[1] + 1, name=merged.name)


def save_document(doc, tr: Translate = ENGLISH) -> str:
    result = doc.save()
    if result.backup is None:
        return tr("pr_nothing_to_save").format(path=result.path, lines=result.lines)
    replayed = tr("pr_replayed") if result.replayed else ""
    return tr("pr_saved").format(lines=result.lines, path=result.path, backup=result.backup.name) + replayed


def build_dataset_report(settings: UiSettings, list_text: str, wav_dir_text: str = "",
                         png: Path | None = None, tr: Translate = ENGLISH) -> tuple[Path | None, str]:
    """(PNG path, text) of the report; the PNG goes next to the list unless `png` is given."""
    from tools.dataset_report import build_report, default_png, plot_report

    try:
        list_path = checks.check_file(list_text, "f_list", settings.folders)
        wav_dir = checks.check_optional_dir(wav_dir_text, "f_wav_dir", settings.folders)
        report = build_report(list_path, wav_dir)
        target = plot_report(report, png or default_png(list_path), tr)
    except GptSovitsError as error:
        return None, error_text(tr, error)
    return target, "\n".join(report.lines(tr=tr))
