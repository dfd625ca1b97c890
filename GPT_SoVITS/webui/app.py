"""The Gradio app: layout of the tabs (upstream's order, tab 0 first) and thin callbacks into the library.

Every callback turns a `GptSovitsError` into an `error: ...` line in its status box instead of
a traceback; long runs are generators, so the status streams while the subprocess works, and
start buttons run through `job_events` (one run per slot, a second start refused).
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from GPT_SoVITS.errors import GptSovitsError
from GPT_SoVITS.pretrained import missing_pretrained, missing_pretrained_message
from GPT_SoVITS.versions import DEFAULT_VERSION, VERSIONS, get_version
from GPT_SoVITS.webui import dataset, recordings, recordings_tab, training, training_view
from GPT_SoVITS.webui.configs import GPTChoices, SoVITSChoices
from GPT_SoVITS.i18n import error_text, gradio_translations, translator
from GPT_SoVITS.webui.job_events import (REJOIN_EVENT, START_EVENT, job_stream, rejoin_stream, running_settings,
                                         stop_callback, stop_notice)
from GPT_SoVITS.webui.live_runs import RunAbout
from GPT_SoVITS.webui.jobs import JobSlots
from GPT_SoVITS.webui.settings import UiSettings, cuda_available, parse_settings
from GPT_SoVITS.webui.synthesis import SynthesisForm, synthesize_form, weight_choices

logger = logging.getLogger(__name__)

STATUS_LINES = 14
TRAINING_STATUS_LINES = 8  # status, progress and the last few log lines (training_view.LOG_LINES)


def missing_for(settings: UiSettings, version: str) -> dict:
    """The pretrained items `version` uses (stages, trainers, synthesis) that are not in place."""
    return missing_pretrained({key: settings.default_pretrained(key) for key in get_version(version).pretrained_keys})


def pretrained_notice(settings: UiSettings, version: str = DEFAULT_VERSION) -> str:
    """Markdown naming the missing pretrained files of `version` and where they go, in the UI's
    language, as a list that wraps (no fixed-width block); "" when all are present."""
    from GPT_SoVITS.pretrained import PRETRAINED, pretrained_path

    missing = missing_for(settings, version)
    if not missing:
        return ""
    tr = translator(settings.lang)
    lines = [f"**{tr('pretrained_heading')}**", ""]
    for key, path in missing.items():
        where = f"`{path}`"
        if Path(path).resolve() != pretrained_path(key).resolve():
            default = tr("pretrained_default_at").format(path=f"`{PRETRAINED[key].path}`")
            where += f" ({default})"
        lines.append(f"- {tr(f'pre_{key}')}: {where}")
    only = " --only " + " ".join(missing) if set(missing) != set(PRETRAINED) else ""
    lines += ["", tr("pretrained_fetch").format(command=f"python tools/download_pretrained.py{only}")]
    return "\n".join(lines)


def _training_outputs(gr, tr, generator_fn: Callable[..., Iterator[training_view.TrainingFrame]]) -> Callable[..., Iterator]:
    """Wrap a training callback: each frame becomes (status, curves, sample audio); an unchanged
    plot or sample is skipped (not re-sent); the plot's axis title says when it is log-like.
    `job_stream` adds the slot, refusals and errors."""

    def wrapped(*args):
        for frame in generator_fn(*args):
            sample = None if frame.sample is None else training_view.read_sample_audio(frame.sample)
            plot = gr.skip() if frame.curves is None else gr.LinePlot(
                value=frame.curves, y_title=tr("plot_value_log" if frame.log_axis else "plot_value"))
            yield frame.status, plot, gr.skip() if sample is None else sample

    wrapped.__name__ = generator_fn.__name__
    return wrapped


class Callbacks:
    """The UI's callbacks, bound to its settings and the running jobs (testable without Gradio).

    The start callbacks are plain generators; `job_events.job_stream` claims their slot in the UI.
    """

    def __init__(self, settings: UiSettings, cuda: bool):
        self.settings, self.cuda, self.slots = settings, cuda, JobSlots()
        self.tr = translator(settings.lang)

    def dataset_runner(self, stages: tuple[str, ...]) -> Callable[..., Iterator[str]]:
        def run(exp_name, gpu_numbers, half, list_path, wav_dir, hubert_dir, s2g_path, latin="english",
                version=DEFAULT_VERSION):
            request = dataset.check_request(
                self.settings, stages, list_path=list_path, wav_dir=wav_dir, exp_name=exp_name,
                gpu_numbers=gpu_numbers, half=half, hubert_dir=hubert_dir, s2g_path=s2g_path, cuda=self.cuda,
                version=version, latin=latin)
            yield from dataset.run_stages(self.settings, request, stages, self.slots, self.cuda)

        run.__name__ = "run_" + "_".join(stages)
        return run

    def stop(self, slot: str) -> Callable[[], str]:
        return stop_callback(self.tr, self.slots, slot)

    def train_sovits(self, exp_name, gpu_numbers, half, batch_size, epochs, text_low_lr_rate, save_every_epoch,
                     if_save_latest, if_save_every_weights, pretrained_s2G, pretrained_s2D, min_epoch_items=None,
                     version=DEFAULT_VERSION) -> Iterator[training_view.TrainingFrame]:
        choices = training.sovits_choices(
            self.settings, exp_name=exp_name, gpu_numbers=gpu_numbers, half=half, batch_size=batch_size,
            epochs=epochs, text_low_lr_rate=text_low_lr_rate, save_every_epoch=save_every_epoch,
            if_save_latest=if_save_latest, if_save_every_weights=if_save_every_weights,
            pretrained_s2G=pretrained_s2G, pretrained_s2D=pretrained_s2D, min_epoch_items=min_epoch_items)
        spec = training.sovits_spec(self.settings, choices, self.cuda, version)
        yield from training.stream_training(self.slots, training.S2_SLOT, "s2_train.py", spec,
                                            self.settings.sovits_weights_for(version), training.sovits_monitor(self.settings),
                                            tr=self.tr)

    def train_gpt(self, exp_name, gpu_numbers, half, batch_size, epochs, save_every_n_epoch, if_save_latest,
                  if_save_every_weights, pretrained_s1, num_workers=None, min_epoch_items=None,
                  version=DEFAULT_VERSION) -> Iterator[training_view.TrainingFrame]:
        choices = training.gpt_choices(
            self.settings, exp_name=exp_name, gpu_numbers=gpu_numbers, half=half, batch_size=batch_size,
            epochs=epochs, save_every_n_epoch=save_every_n_epoch, if_save_latest=if_save_latest,
            if_save_every_weights=if_save_every_weights, pretrained_s1=pretrained_s1, num_workers=num_workers,
            min_epoch_items=min_epoch_items, version=version)
        spec = training.gpt_spec(self.settings, choices, self.cuda, version)
        yield from training.stream_training(self.slots, training.S1_SLOT, "s1_train.py", spec,
                                            self.settings.gpt_weights_for(version), training.gpt_monitor(self.settings),
                                            tr=self.tr)

    def synthesize(self, *fields):
        """(audio or None, status) for the synthesis button."""
        try:
            audio, status = synthesize_form(self.settings, SynthesisForm(*fields))
        except GptSovitsError as error:
            return None, error_text(self.tr, error)
        return audio, status


def _describe(kind: str):
    """What a run started with (exp, gpus, half, ..., version) is, for pages that did not start it."""

    def about(args: tuple) -> RunAbout:
        return RunAbout(kind, kind, kind, exp=str(args[0] or ""), version=str(args[-1] or DEFAULT_VERSION))

    return about


def _version_choice(gr, tr):
    """The model version above the tabs: it picks the configs, the pretrained defaults and (Pro) stage 2-get-sv."""
    return gr.Radio(list(VERSIONS), value=DEFAULT_VERSION, label=tr("model_version"), info=tr("model_version_info"),
                    elem_id="model_version")


def _follow_version(version, fields: dict, settings: UiSettings) -> None:
    """When the version changes, put its pretrained files in `fields` (role "s2G"/"s2D"/"s1" -> textbox)."""
    def defaults(name):
        model = get_version(name)
        keys = {"s2G": model.s2G, "s2D": model.s2D, "s1": model.s1}
        values = tuple(str(settings.default_pretrained(keys[role])) for role in fields)
        return values if len(values) > 1 else values[0]  # Gradio: one output takes the bare value

    version.change(defaults, version, list(fields.values()))


def _experiment_row(gr, tr, cuda: bool):
    with gr.Row():
        exp_name = gr.Textbox(label=tr("exp_name"), value="ru_voice", elem_id="exp_name")
        gpus = gr.Textbox(label=tr("gpu_numbers"), value="0" if cuda else "", elem_id="gpu_numbers")
        half = gr.Checkbox(label=tr("half"), value=cuda, interactive=cuda, elem_id="half")
    return exp_name, gpus, half


def _dataset_tab(gr, tr, settings: UiSettings, callbacks: Callbacks, common: list, version, rejoin):
    """Tab 1; returns its .list field (tab 0 fills it)."""
    with gr.Row():
        list_path = gr.Textbox(label=tr("list_path"), elem_id="list_path")
        wav_dir = gr.Textbox(label=tr("wav_dir"), elem_id="wav_dir")
    with gr.Row():
        hubert = gr.Textbox(label=tr("hubert_dir"), value=str(settings.default_pretrained("cnhubert")),
                            elem_id="hubert_dir")
        s2g = gr.Textbox(label=tr("s2g_path"), value=str(settings.default_pretrained("s2G")), elem_id="dataset_s2g")
        latin = gr.Radio([(tr(f"latin_{choice}"), choice) for choice in LATIN_CHOICES], value="english", label=tr("latin"), info=tr("latin_info"),
                         elem_id="dataset_latin")
    with gr.Row():
        buttons = {
            ("text",): gr.Button(tr("btn_text"), elem_id="btn_text"),
            ("ssl",): gr.Button(tr("btn_ssl"), elem_id="btn_ssl"),
            ("semantic",): gr.Button(tr("btn_semantic"), elem_id="btn_semantic"),
            dataset.STAGES: gr.Button(tr("btn_all"), variant="primary", elem_id="btn_all"),
        }
        stop = gr.Button(tr("btn_stop"), variant="stop", elem_id="btn_dataset_stop")
    status = gr.Textbox(label=tr("status"), value=tr("idle"), lines=STATUS_LINES, max_lines=STATUS_LINES * 2,
                        interactive=False, elem_id="dataset_status")
    inputs = [*common, list_path, wav_dir, hubert, s2g, latin, version]
    events = [button.click(job_stream(gr, tr, callbacks.slots, dataset.SLOT, callbacks.dataset_runner(stages),
                                      describe=_describe("dataset")), inputs, status, **START_EVENT)
              for stages, button in buttons.items()]
    _follow_version(version, {"s2G": s2g}, settings)
    stop.click(stop_notice(gr, tr, callbacks.stop(dataset.SLOT)))
    rejoin(dataset.SLOT, [status])
    with gr.Accordion(tr("report_after"), open=False) as report_box:
        image, text = recordings_tab.report_section(gr, tr, settings, "dataset_report")
    for event in events:
        event.then(lambda *fields: [*recordings_tab.report_after_formatting(settings, *fields, tr=tr),
                                    gr.Accordion(open=True)],
                   [list_path, wav_dir, common[0]], [image, text, report_box])
    return list_path


def _sovits_column(gr, tr, settings: UiSettings, callbacks: Callbacks, common: list, version) -> tuple[Any, list]:
    """The SoVITS training column; returns its start event (the synthesis tab's lists follow it) and
    its view (status, plot, sample), which a page opened during a run fills too."""
    gr.Markdown(f"### {tr('sovits')}")
    ui = SoVITSChoices("")  # the defaults `s2_train.py --exp` uses too
    batch = gr.Number(label=tr("batch_size"), value=ui.batch_size, precision=0, minimum=1, elem_id="s2_batch_size")
    epochs = gr.Number(label=tr("epochs"), value=ui.epochs, precision=0, minimum=1, elem_id="s2_epochs")
    rate = gr.Slider(0.0, 1.0, value=ui.text_low_lr_rate, step=0.05, label=tr("text_low_lr_rate"),
                     elem_id="s2_text_low_lr_rate")
    every = gr.Number(label=tr("save_every_epoch"), value=ui.save_every_epoch, precision=0, minimum=1,
                      elem_id="s2_save_every_epoch")
    latest = gr.Checkbox(label=tr("if_save_latest"), value=ui.if_save_latest, elem_id="s2_if_save_latest")
    weights = gr.Checkbox(label=tr("if_save_every_weights"), value=ui.if_save_every_weights,
                          elem_id="s2_if_save_every_weights")
    s2g = gr.Textbox(label=tr("s2g_path"), value=str(settings.default_pretrained("s2G")), elem_id="s2_pretrained_s2g")
    s2d = gr.Textbox(label=tr("s2d_path"), value=str(settings.default_pretrained("s2D")), elem_id="s2_pretrained_s2d")
    repeat = _repetition_field(gr, tr, settings, training.S2_SLOT, "s2")
    with gr.Row():
        start = gr.Button(tr("btn_train_s2"), variant="primary", elem_id="btn_train_s2")
        stop = gr.Button(tr("btn_stop"), variant="stop", elem_id="btn_stop_s2")
    status = gr.Textbox(label=tr("status"), value=tr("idle"), lines=TRAINING_STATUS_LINES, interactive=False,
                        elem_id="s2_status")
    plot, sample = _training_view(gr, tr, "s2")
    event = start.click(job_stream(gr, tr, callbacks.slots, training.S2_SLOT, _training_outputs(gr, tr, callbacks.train_sovits),
                                   outputs=3, describe=_describe(training.S2_SLOT)),
                        [*common, batch, epochs, rate, every, latest, weights, s2g, s2d, repeat, version],
                        [status, plot, sample],
                        **START_EVENT)
    _follow_version(version, {"s2G": s2g, "s2D": s2d}, settings)
    stop.click(stop_notice(gr, tr, callbacks.stop(training.S2_SLOT)))
    return event, [status, plot, sample]


def _gpt_column(gr, tr, settings: UiSettings, callbacks: Callbacks, common: list, version) -> tuple[Any, list]:
    """The GPT training column; returns its start event and its view (status, plot, sample)."""
    gr.Markdown(f"### {tr('gpt')}")
    ui = GPTChoices("")  # the defaults `s1_train.py --exp` uses too
    batch = gr.Number(label=tr("batch_size"), value=ui.batch_size, precision=0, minimum=1, elem_id="s1_batch_size")
    epochs = gr.Number(label=tr("epochs"), value=ui.epochs, precision=0, minimum=1, elem_id="s1_epochs")
    every = gr.Number(label=tr("save_every_epoch"), value=ui.save_every_n_epoch, precision=0, minimum=1,
                      elem_id="s1_save_every_n_epoch")
    latest = gr.Checkbox(label=tr("if_save_latest"), value=ui.if_save_latest, elem_id="s1_if_save_latest")
    weights = gr.Checkbox(label=tr("if_save_every_weights"), value=ui.if_save_every_weights,
                          elem_id="s1_if_save_every_weights")
    s1 = gr.Textbox(label=tr("s1_path"), value=str(settings.default_pretrained("s1")), elem_id="s1_pretrained")
    workers = gr.Number(label=tr("num_workers"), value=training.default_num_workers(settings), precision=0, minimum=0,
                        elem_id="s1_num_workers")
    repeat = _repetition_field(gr, tr, settings, training.S1_SLOT, "s1")
    with gr.Row():
        start = gr.Button(tr("btn_train_s1"), variant="primary", elem_id="btn_train_s1")
        stop = gr.Button(tr("btn_stop"), variant="stop", elem_id="btn_stop_s1")
    status = gr.Textbox(label=tr("status"), value=tr("idle"), lines=TRAINING_STATUS_LINES, interactive=False,
                        elem_id="s1_status")
    plot, sample = _training_view(gr, tr, "s1")
    event = start.click(job_stream(gr, tr, callbacks.slots, training.S1_SLOT, _training_outputs(gr, tr, callbacks.train_gpt),
                                   outputs=3, describe=_describe(training.S1_SLOT)),
                        [*common, batch, epochs, every, latest, weights, s1, workers, repeat, version],
                        [status, plot, sample],
                        **START_EVENT)
    _follow_version(version, {"s1": s1}, settings)
    stop.click(stop_notice(gr, tr, callbacks.stop(training.S1_SLOT)))
    return event, [status, plot, sample]


def _repetition_field(gr, tr, settings: UiSettings, slot: str, prefix: str):
    """The repetition minimum: a dataset of fewer utterances is repeated to about this many items an epoch."""
    return gr.Number(label=tr("min_epoch_items"), info=tr("min_epoch_items_info"),
                     value=training.default_min_epoch_items(settings, slot), precision=0, minimum=0,
                     elem_id=f"{prefix}_min_epoch_items")


def _training_view(gr, tr, trainer: str):
    """A trainer's live loss plot and its latest sample (filled while a run streams)."""
    plot = gr.LinePlot(x="step", y="value", color="curve", label=tr(f"plot_{trainer}"), x_title=tr("plot_step"),
                       y_title=tr("plot_value"), color_title=tr("plot_curve"), elem_id=f"{trainer}_plot")
    sample = gr.Audio(label=tr(f"sample_{trainer}"), type="numpy", interactive=False, elem_id=f"{trainer}_sample")
    return plot, sample


def refreshed_weight_lists(gr, settings: UiSettings) -> tuple[Any, Any]:
    """The synthesis tab's GPT and SoVITS lists re-read from disk, the newest file of each chosen."""
    gpt_now, sovits_now = weight_choices(settings)
    return (gr.Dropdown(choices=gpt_now, value=gpt_now[-1] if gpt_now else None),
            gr.Dropdown(choices=sovits_now, value=sovits_now[-1] if sovits_now else None))


def weight_labels(tr, settings: UiSettings, version: str) -> tuple[str, str]:
    """The synthesis lists' labels, naming the weight folders of the chosen `version` (the lists
    also hold the other versions' exports: synthesis reads the version from the file)."""
    return (tr("gpt_weights").format(folder=settings.gpt_weights_for(version).name),
            tr("sovits_weights").format(folder=settings.sovits_weights_for(version).name))


LATIN_CHOICES = ["english", "translit"]  # how Russian text reads Latin words (text/russian/latin.py)


def _synthesis_tab(gr, tr, settings: UiSettings, callbacks: Callbacks, languages: list[str]) -> list[Any]:
    """Tab 3; returns its two weight lists (refreshed after each training run)."""
    gpt_paths, sovits_paths = weight_choices(settings)
    with gr.Row():
        gpt_label, sovits_label = weight_labels(tr, settings, DEFAULT_VERSION)
        gpt = gr.Dropdown(gpt_paths, value=gpt_paths[-1] if gpt_paths else None, label=gpt_label,
                          allow_custom_value=True, elem_id="tts_gpt")
        sovits = gr.Dropdown(sovits_paths, value=sovits_paths[-1] if sovits_paths else None,
                             label=sovits_label, allow_custom_value=True, elem_id="tts_sovits")
        refresh = gr.Button(tr("btn_refresh"), elem_id="btn_refresh", scale=0)
    hubert = gr.Textbox(label=tr("hubert_dir"), value=str(settings.default_pretrained("cnhubert")),
                        elem_id="tts_hubert")
    with gr.Row():
        ref_audio = gr.Audio(label=tr("ref_audio"), type="filepath", sources=["upload"], elem_id="tts_ref_audio")
        with gr.Column():
            ref_text = gr.Textbox(label=tr("ref_text"), lines=2, elem_id="tts_ref_text")
            ref_lang = gr.Dropdown(languages, value="ru", label=tr("ref_lang"), elem_id="tts_ref_lang")
    with gr.Row():
        text = gr.Textbox(label=tr("target_text"), lines=4, elem_id="tts_text")
        lang = gr.Dropdown(languages, value="ru", label=tr("target_lang"), elem_id="tts_lang", scale=0)
        latin = gr.Radio([(tr(f"latin_{choice}"), choice) for choice in LATIN_CHOICES], value="english", label=tr("latin"), info=tr("latin_info"),
                         elem_id="tts_latin", scale=0)
    with gr.Row():
        top_k = gr.Slider(1, 100, value=15, step=1, label=tr("top_k"), elem_id="tts_top_k")
        top_p = gr.Slider(0.05, 1.0, value=1.0, step=0.05, label=tr("top_p"), elem_id="tts_top_p")
        temperature = gr.Slider(0.05, 2.0, value=1.0, step=0.05, label=tr("temperature"), elem_id="tts_temperature")
        penalty = gr.Slider(0.5, 3.0, value=1.35, step=0.05, label=tr("repetition_penalty"), elem_id="tts_penalty")
        speed = gr.Slider(0.5, 2.0, value=1.0, step=0.05, label=tr("speed"), elem_id="tts_speed")
        seed = gr.Number(label=tr("seed"), value=-1, precision=0, elem_id="tts_seed")
        max_new = gr.Number(label=tr("max_new_tokens"), value=0, precision=0, minimum=0, elem_id="tts_max_new")
    from GPT_SoVITS.inference.params import DEFAULT_SPLIT_METHOD
    from GPT_SoVITS.inference.text_split import SPLIT_METHOD_HELP

    with gr.Row():
        batch_size = gr.Slider(1, 16, value=1, step=1, label=tr("tts_batch_size"), elem_id="tts_batch_size")
        split = gr.Dropdown([(f"{name}: {text}", name) for name, text in SPLIT_METHOD_HELP.items()],
                            value=DEFAULT_SPLIT_METHOD, label=tr("tts_split"), elem_id="tts_split")
    normalize = gr.Checkbox(label=tr("tts_normalize"), value=False, elem_id="tts_normalize")
    button = gr.Button(tr("btn_synthesize"), variant="primary", elem_id="btn_synthesize")
    output = gr.Audio(label=tr("output_audio"), type="numpy", interactive=False, elem_id="tts_output")
    status = gr.Textbox(label=tr("status"), value=tr("idle"), lines=3, interactive=False, elem_id="tts_status")

    refresh.click(lambda: refreshed_weight_lists(gr, settings), None, [gpt, sovits])
    fields = [gpt, sovits, hubert, ref_audio, ref_text, ref_lang, text, lang, top_k, top_p, temperature, penalty,
              speed, seed, max_new, normalize, latin, batch_size, split]
    button.click(callbacks.synthesize, fields, [output, status])
    return [gpt, sovits]


def build_app(settings: UiSettings, cuda: bool | None = None):
    """The whole `gr.Blocks` app (not launched)."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    from GPT_SoVITS.text.languages import supported_codes

    cuda = cuda_available() if cuda is None else cuda
    tr = translator(settings.lang)
    callbacks = Callbacks(settings, cuda)
    with gr.Blocks(title=tr("title"), analytics_enabled=False) as app:
        gr.Markdown(f"## {tr('title')}")
        notice = gr.Markdown(pretrained_notice(settings), elem_id="pretrained_notice")
        version = _version_choice(gr, tr)
        version.change(lambda name: pretrained_notice(settings, name), version, notice)
        exp_name, gpus, half = _experiment_row(gr, tr, cuda)
        common = [exp_name, gpus, half]

        def rejoin(view: str, outputs: list):
            """A page opened (or reloaded) while `view`'s job runs follows it to its end."""
            return app.load(rejoin_stream(gr, callbacks.slots, view, len(outputs), tr), None,
                            outputs if len(outputs) > 1 else outputs[0], **REJOIN_EVENT)

        # A page opened while a job runs takes that job's version and experiment (and, through the
        # version's change event, its pretrained fields, notice and weight-list labels).
        app.load(running_settings(gr, callbacks.slots), None, [version, exp_name], **REJOIN_EVENT)

        with gr.Tabs():
            with gr.Tab(tr("tab_recordings"), elem_id="tab_recordings"):
                handles = recordings_tab.build(gr, tr, settings, callbacks.slots,
                                              stop_notice(gr, tr, callbacks.stop(recordings.SLOT)), rejoin)
            with gr.Tab(tr("tab_dataset"), elem_id="tab_dataset"):
                list_path = _dataset_tab(gr, tr, settings, callbacks, common, version, rejoin)
            with gr.Tab(tr("tab_train"), elem_id="tab_train"):
                with gr.Row():
                    with gr.Column():
                        trainer_views = {training.S2_SLOT: _sovits_column(gr, tr, settings, callbacks, common, version)}
                    with gr.Column():
                        trainer_views[training.S1_SLOT] = _gpt_column(gr, tr, settings, callbacks, common, version)
                gr.Markdown(tr("tensorboard_note").format(logs=settings.logs_dir), elem_id="tensorboard_note")
            with gr.Tab(tr("tab_tts"), elem_id="tab_tts"):
                weight_lists = _synthesis_tab(gr, tr, settings, callbacks, supported_codes())
        version.change(lambda name: [gr.Dropdown(label=label) for label in weight_labels(tr, settings, name)], version,
                       weight_lists)
        for slot, (event, outputs) in trainer_views.items():
            for finished in (event, rejoin(slot, outputs)):  # a finished run's exports appear without a Refresh
                finished.then(lambda: refreshed_weight_lists(gr, settings), None, weight_lists)
        targets = [*handles.list_fields, list_path]
        handles.asr_event.then(lambda path: recordings_tab.fill_list_fields(gr, settings, path, len(targets)),
                               handles.asr_output, targets)
    app.callbacks = callbacks  # for a clean shutdown (stop running jobs)
    return app


def main(argv: Sequence[str] | None = None) -> int:
    """`python webui.py [--lang ru] [--listen] [--port N] [--root DIR] [--s2-config F] [--s1-config F]`."""
    from GPT_SoVITS.logging_setup import setup_logging

    setup_logging()
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    try:
        settings = parse_settings(argv, os.environ)
    except GptSovitsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    import gradio as gr

    app = build_app(settings)
    if pretrained_notice(settings):
        logger.warning("%s", missing_pretrained_message(missing_for(settings, DEFAULT_VERSION)))
    logger.info("web UI on http://%s:%d (root %s)", settings.host, settings.port, settings.root)
    try:
        app.queue().launch(server_name=settings.host, server_port=settings.port, inbrowser=False, share=False,
                           ssr_mode=False, show_error=True, quiet=False,
                           i18n=gr.I18n(**gradio_translations(settings.lang)))
    finally:
        app.callbacks.slots.stop_all()
    return 0
