"""Layout and wiring of tab 0 "Recordings -> .list": slicing, speech recognition, proofreading, report.

Only Gradio components and event wiring live here; the work is done by `webui.recordings`
and the `tools` modules it calls. `build` returns the events and fields `app.py` chains to
tab 1 (the ASR's .list is filled into the dataset tab's .list field).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from GPT_SoVITS.errors import GptSovitsError
from GPT_SoVITS.webui import checks, recordings
from GPT_SoVITS.i18n import ENGLISH, UiError, error_text
from GPT_SoVITS.webui.job_events import START_EVENT, job_stream
from GPT_SoVITS.webui.recordings import PAGE_SIZE
from GPT_SoVITS.webui.settings import UiSettings

STATUS_LINES = 14
# The proofreading page's events run one at a time, in the order they were sent: a line's typing
# event cannot land after the Save clicked behind it. Typing sends its latest text ("always_last").
PAGE_EVENT = {"concurrency_limit": 1, "concurrency_id": "proofreading"}


@dataclass
class RecordingsHandles:
    """What app.py chains to other tabs: the ASR event and the fields its result fills."""

    asr_event: Any
    asr_output: Any
    list_fields: list[Any]


def _slicing(gr, tr, settings: UiSettings, slots, stop, rejoin) -> tuple[Any, Any]:
    from tools.silence_slicer import SilenceParams
    from tools.slice import SliceOptions

    silence, base = SilenceParams(), SliceOptions()
    with gr.Row():
        source = gr.Textbox(label=tr("slice_input"), elem_id="slice_input")
        out_dir = gr.Textbox(label=tr("slice_output"), value=str(recordings.slicer_output_default(settings)),
                             elem_id="slice_output")
    with gr.Row():
        mode = gr.Radio([(tr("mode_vad"), "vad"), (tr("mode_silence"), "silence")], value=base.mode,
                        label=tr("slice_mode"), elem_id="slice_mode", scale=2)
        min_clip = gr.Number(label=tr("min_clip"), info=tr("min_clip_info"), value=base.min_clip, minimum=0.5,
                             elem_id="slice_min_clip")
        max_clip = gr.Number(label=tr("max_clip"), value=base.max_clip, minimum=1.0, elem_id="slice_max_clip")
    with gr.Accordion(tr("slice_params"), open=False):
        with gr.Row():
            fields = [gr.Number(label=tr("p_threshold"), value=silence.threshold, elem_id="slice_threshold"),
                      gr.Number(label=tr("p_min_length"), value=silence.min_length, precision=0),
                      gr.Number(label=tr("p_min_interval"), value=silence.min_interval, precision=0),
                      gr.Number(label=tr("p_hop_size"), value=silence.hop_size, precision=0),
                      gr.Number(label=tr("p_max_sil_kept"), value=silence.max_sil_kept, precision=0),
                      gr.Number(label=tr("max_peak"), value=base.max_peak),
                      gr.Number(label=tr("alpha"), value=base.alpha)]
    with gr.Row():
        start = gr.Button(tr("btn_slice"), variant="primary", elem_id="btn_slice")
        stop_button = gr.Button(tr("btn_stop"), variant="stop", elem_id="btn_slice_stop")
    status = gr.Textbox(label=tr("status"), value=tr("idle"), lines=STATUS_LINES, interactive=False,
                        elem_id="slice_status")

    def run_slicer(source_text, out_text, mode_value, low, high, threshold, min_length, min_interval, hop, kept,
                   peak, alpha):
        argv, output = recordings.slice_argv(
            settings, source=source_text, out_dir=out_text, mode=mode_value, min_clip=low, max_clip=high,
            threshold=threshold, min_length=min_length, min_interval=min_interval, hop_size=hop,
            max_sil_kept=kept, max_peak=peak, alpha=alpha)
        for text in recordings.stream_tool(settings, slots, "tools.slice", argv, tr=tr):
            yield text, str(output)

    event = start.click(job_stream(gr, tr, slots, recordings.SLOT, run_slicer, outputs=2, view="slice"),
                        [source, out_dir, mode, min_clip, max_clip, *fields], [status, out_dir], **START_EVENT)
    stop_button.click(stop)
    rejoin("slice", [status, out_dir])
    return event, out_dir


def _asr(gr, tr, settings: UiSettings, slots, stop, rejoin) -> tuple[Any, Any, Any]:
    from tools.asr import LANGUAGES
    from tools.whisper_models import DEFAULT_MODEL, model_sizes

    with gr.Row():
        clips = gr.Textbox(label=tr("asr_input"), elem_id="asr_input")
        output = gr.Textbox(label=tr("asr_output"), elem_id="asr_output")
    with gr.Row():
        model = gr.Dropdown(model_sizes(), value=DEFAULT_MODEL, allow_custom_value=True, label=tr("asr_model"),
                            elem_id="asr_model", scale=2)
        language = gr.Dropdown(list(LANGUAGES), value="ru", label=tr("asr_language"), elem_id="asr_language")
        speaker = gr.Textbox(label=tr("asr_speaker"), elem_id="asr_speaker")
    with gr.Row():
        start = gr.Button(tr("btn_asr"), variant="primary", elem_id="btn_asr")
        stop_button = gr.Button(tr("btn_stop"), variant="stop", elem_id="btn_asr_stop")
    status = gr.Textbox(label=tr("status"), value=tr("idle"), lines=STATUS_LINES, interactive=False,
                        elem_id="asr_status")

    def run_asr(clips_text, output_text, language_value, model_value, speaker_text):
        argv, target = recordings.asr_argv(settings, clips_dir=clips_text, output=output_text,
                                           language=language_value, model=model_value, speaker=speaker_text)
        for text in recordings.stream_tool(settings, slots, "tools.asr", argv, tr=tr):
            yield text, str(target)

    event = start.click(job_stream(gr, tr, slots, recordings.SLOT, run_asr, outputs=2, view="asr"),
                        [clips, output, language, model, speaker], [status, output], **START_EVENT)
    stop_button.click(stop)
    rejoin("asr", [status, output])
    return event, clips, output


@dataclass
class _Rows:
    rows: list[Any]
    selects: list[Any]
    audios: list[Any]
    texts: list[Any]
    readings: list[Any]

    def outputs(self) -> list[Any]:
        return [*self.rows, *self.selects, *self.audios, *self.texts, *self.readings]


def _row_slots(gr, tr) -> _Rows:
    slots = _Rows([], [], [], [], [])
    for slot in range(PAGE_SIZE):
        with gr.Row(visible=False, equal_height=True) as row:
            slots.selects.append(gr.Checkbox(label=tr("pr_select"), scale=0, min_width=90,
                                             elem_id=f"pr_select_{slot}"))
            slots.audios.append(gr.Audio(type="numpy", interactive=False, show_label=False, scale=2,
                                         elem_id=f"pr_audio_{slot}"))
            with gr.Column(scale=3):
                slots.texts.append(gr.Textbox(lines=1, elem_id=f"pr_text_{slot}"))
                slots.readings.append(gr.Markdown(elem_id=f"pr_reading_{slot}"))
        slots.rows.append(row)
    return slots


def _render(gr, tr, rows: _Rows, doc, page_number) -> list[Any]:
    """Values for [shown page, info, page, *rows.outputs()] showing page `page_number` (1-based)."""
    view = recordings.page_view(doc, int(page_number or 1) - 1, tr)
    shown = {slot: row for slot, row in enumerate(view.rows)}
    visible = [gr.Row(visible=slot in shown) for slot in range(PAGE_SIZE)]
    selects = [gr.Checkbox(value=False) for _ in range(PAGE_SIZE)]
    audios = [shown[slot].audio if slot in shown else None for slot in range(PAGE_SIZE)]
    texts = [gr.Textbox(value=shown[slot].text, label=shown[slot].label) if slot in shown else gr.Textbox(value="")
             for slot in range(PAGE_SIZE)]
    readings = [shown[slot].reading if slot in shown else "" for slot in range(PAGE_SIZE)]
    return [None if doc is None else view.page, view.info, view.page + 1, *visible, *selects, *audios, *texts,
            *readings]


@dataclass
class _ProofreadPage:
    doc_state: Any
    shown: Any  # the 0-based page the text boxes show (None before a list is open)
    list_path: Any
    open_button: Any
    info: Any
    rows: _Rows
    prev: Any
    page: Any
    following: Any
    delete: Any
    merge: Any
    save: Any
    status: Any

    def outputs(self) -> list[Any]:
        return [self.doc_state, self.status, self.shown, self.info, self.page, *self.rows.outputs()]


def _proofreading_layout(gr, tr) -> _ProofreadPage:
    doc_state, shown = gr.State(None), gr.State(None)
    with gr.Row():
        list_path = gr.Textbox(label=tr("pr_list"), elem_id="pr_list", scale=4)
        open_button = gr.Button(tr("btn_open"), elem_id="btn_pr_open", scale=1)
    gr.Markdown(tr("pr_hint"))
    info = gr.Markdown(tr("pr_no_list"), elem_id="pr_info")
    rows = _row_slots(gr, tr)
    with gr.Row():
        prev = gr.Button(tr("btn_prev"), elem_id="btn_pr_prev")
        page = gr.Number(value=1, precision=0, minimum=1, label=tr("pr_page"), elem_id="pr_page")
        following = gr.Button(tr("btn_next"), elem_id="btn_pr_next")
        delete = gr.Button(tr("btn_delete"), variant="stop", elem_id="btn_pr_delete")
        merge = gr.Button(tr("btn_merge"), elem_id="btn_pr_merge")
        save = gr.Button(tr("btn_save"), variant="primary", elem_id="btn_pr_save")
    status = gr.Textbox(label=tr("status"), lines=3, interactive=False, elem_id="pr_status")
    return _ProofreadPage(doc_state, shown, list_path, open_button, info, rows, prev, page, following, delete, merge, save,
                          status)


def _page_action(gr, tr, rows: _Rows, fn: Callable[..., tuple[Any, str, int]],
                 needs_document: bool) -> Callable[..., list[Any]]:
    """Run a page action (doc, page, *args) -> (doc, status, page to show), then redraw the page.

    The action first takes the text boxes of the page they show as the lines' texts: what a box
    shows is what Save writes, whether or not its typing events reached the server (a paste, fast
    typing, a click right after the last key). When a box's text is refused (emptied, a broken
    line), nothing runs and the boxes are left as typed. `page` is the page the boxes show.
    Open / reload (`needs_document=False`) starts afresh and takes nothing from the boxes.
    """
    from tools.proofread import ListConflictError

    def run(doc, shown, *fields):
        texts, args = fields[:PAGE_SIZE], fields[PAGE_SIZE:]
        page_number = 1 if shown is None else shown + 1
        try:
            if doc is None and needs_document:
                raise UiError("pr_no_list")
            if doc is not None and shown is not None and needs_document:
                recordings.apply_shown_texts(doc, shown, list(texts))
        except GptSovitsError as error:
            return [doc, error_text(tr, error), *[gr.skip()] * (3 + len(rows.outputs()))]
        try:
            doc, message, page_number = fn(doc, page_number, *args)
        except ListConflictError as error:
            message = error_text(tr, error) + tr("pr_reload_hint").format(button=tr("btn_open"))
        except GptSovitsError as error:
            message = error_text(tr, error)
        return [doc, message, *_render(gr, tr, rows, doc, page_number)]

    run.__name__ = fn.__name__
    return run


def _proofreading(gr, tr, settings: UiSettings) -> Any:
    """The proofreading page; returns its .list field (the ASR fills it)."""
    ui = _proofreading_layout(gr, tr)

    def open_list(doc, page_number, list_text):
        doc, message = recordings.open_document(settings, list_text, tr)
        return doc, message, 1

    def turn(step: int):
        def turn_page(doc, page_number):
            return doc, "", page_number + step
        return turn_page

    def go_to_page(doc, page_number, page_field):
        return doc, "", int(page_field or 1)

    def delete_lines(doc, page_number, *selected):
        return doc, recordings.delete_selected(doc, page_number - 1, list(selected), tr), page_number

    def merge_lines(doc, page_number, *selected):
        return doc, recordings.merge_selected(doc, page_number - 1, list(selected), tr), page_number

    def save_list(doc, page_number):
        return doc, recordings.save_document(doc, tr), page_number

    def wire(event, fn, *inputs, needs_document: bool = True):
        event(_page_action(gr, tr, ui.rows, fn, needs_document), [ui.doc_state, ui.shown, *ui.rows.texts, *inputs],
              ui.outputs(), **PAGE_EVENT)

    wire(ui.open_button.click, open_list, ui.list_path, needs_document=False)
    wire(ui.prev.click, turn(-1))
    wire(ui.following.click, turn(+1))
    wire(ui.page.submit, go_to_page, ui.page)
    wire(ui.delete.click, delete_lines, *ui.rows.selects)
    wire(ui.merge.click, merge_lines, *ui.rows.selects)
    wire(ui.save.click, save_list)
    for slot, text in enumerate(ui.rows.texts):
        text.input(_editor(tr, slot), [ui.doc_state, ui.shown, text], [ui.doc_state, ui.rows.readings[slot], ui.info],
                   trigger_mode="always_last", **PAGE_EVENT)
    return ui.list_path


def _editor(tr, slot: int) -> Callable[..., tuple[Any, str, str]]:
    """Apply a typed text to the document at once and redraw that line's reading (stress, phones)."""

    def edit_line(doc, shown, text):
        if doc is None or shown is None:
            return doc, "", tr("pr_no_list")
        page = shown
        index = page * PAGE_SIZE + slot
        try:
            doc.edit(index, text)
        except GptSovitsError as error:
            return doc, error_text(tr, error), recordings.page_info(doc, page, tr)
        line = doc.lines[index]
        _, seconds, _ = recordings.line_clip(doc, index, tr)
        return doc, recordings.reading_markdown(line.text, line.language, seconds, tr), recordings.page_info(doc, page, tr)

    edit_line.__name__ = f"edit_line_{slot}"
    return edit_line


def report_picture(settings: UiSettings, list_text: str, wav_dir_text: str = "", png=None,
                   tr=ENGLISH) -> tuple[Any, str]:
    """(PIL image or None, report text) for a gr.Image and a text box."""
    target, text = recordings.build_dataset_report(settings, list_text, wav_dir_text, png, tr)
    if target is None:
        return None, text
    from PIL import Image

    with Image.open(target) as image:
        return image.copy(), text


def report_after_formatting(settings: UiSettings, list_text: str, wav_dir_text: str, exp_name: str,
                            tr=ENGLISH) -> tuple[Any, str]:
    """The report tab 1 shows after a formatting run, saved as `logs/<exp>/dataset_report.png`.

    Only after a run that made the experiment folder: a refused start (bad name, bad list) writes
    nothing, neither `logs/<name>/` nor a report elsewhere.
    """
    try:
        exp_dir = settings.exp_dir(checks.check_exp_name(exp_name))
    except GptSovitsError:
        return None, ""  # the run itself reported the bad name
    if not exp_dir.is_dir():
        return None, ""
    return report_picture(settings, list_text, wav_dir_text, exp_dir / "dataset_report.png", tr)


def report_section(gr, tr, settings: UiSettings, prefix: str) -> tuple[Any, Any]:
    """The report's picture and text boxes (ids `<prefix>_image`, `<prefix>_text`)."""
    image = gr.Image(type="pil", label=tr("report_image"), interactive=False, elem_id=f"{prefix}_image")
    text = gr.Textbox(label=tr("report_text"), lines=8, interactive=False, elem_id=f"{prefix}_text")
    return image, text


def _report(gr, tr, settings: UiSettings) -> Any:
    with gr.Row():
        list_path = gr.Textbox(label=tr("report_list"), elem_id="report_list", scale=3)
        wav_dir = gr.Textbox(label=tr("wav_dir"), elem_id="report_wav_dir", scale=2)
        button = gr.Button(tr("btn_report"), variant="primary", elem_id="btn_report", scale=1)
    image, text = report_section(gr, tr, settings, "report")
    button.click(lambda list_text, wav_text: report_picture(settings, list_text, wav_text, tr=tr), [list_path, wav_dir],
                 [image, text])
    return list_path


def build(gr, tr, settings: UiSettings, slots, stop: Callable[[], None],
          rejoin: Callable[[str, list], Any]) -> RecordingsHandles:
    """Tab 0's four steps; `stop` (a Stop click, `job_events.stop_notice`) ends the running slicing / ASR
    job; `rejoin(view, outputs)` lets a page opened while one runs follow it."""
    gr.Markdown(tr("rec_intro"))
    with gr.Tabs():
        with gr.Tab(tr("sub_slice"), elem_id="tab_slice"):
            slice_event, slice_out = _slicing(gr, tr, settings, slots, stop, rejoin)
        with gr.Tab(tr("sub_asr"), elem_id="tab_asr"):
            asr_event, asr_clips, asr_out = _asr(gr, tr, settings, slots, stop, rejoin)
        with gr.Tab(tr("sub_proofread"), elem_id="tab_proofread"):
            proofread_list = _proofreading(gr, tr, settings)
        with gr.Tab(tr("sub_report"), elem_id="tab_report"):
            report_list = _report(gr, tr, settings)
    slice_event.then(lambda path: recordings.existing_path(settings, path, want_dir=True) or gr.skip(), slice_out,
                     asr_clips)
    return RecordingsHandles(asr_event, asr_out, [proofread_list, report_list])


def fill_list_fields(gr, settings: UiSettings, path_text: str, count: int) -> list[Any]:
    """The ASR's .list for `count` fields, or no change when it was not written."""
    path = recordings.existing_path(settings, path_text, want_dir=False)
    return [path if path else gr.skip() for _ in range(count)]
