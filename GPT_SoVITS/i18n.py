"""Interface text of the web UI and of the tools it shows (reports, proofreading checks) in English
and Russian: one dict per language, same keys. Below both, so tools/ never import the UI.

Chosen with `--lang ru|en` or the environment variable `GPT_SOVITS_UI_LANG`; a missing key
falls back to English so a new label never crashes the other language. Labels live here, status
and error messages in `ui_messages.py`; `Message` / `UiError` carry a key until the UI renders them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from GPT_SoVITS.errors import ConfigError
from GPT_SoVITS import ui_messages as messages

ENV_VAR = "GPT_SOVITS_UI_LANG"
DEFAULT_LANG = "en"

EN = {
    "title": "GPT-SoVITS-RU: voice cloning with Russian",
    "experiment": "Experiment",
    "exp_name": "Experiment name (letters, digits, - _ .)",
    "gpu_numbers": "GPU numbers, e.g. 0-1 (one process per entry; empty = one process on the CPU)",
    "half": "Half precision (CUDA only)",
    "model_version": "Model version",
    "model_version_info": "v2: the classic model. v2Pro / v2ProPlus: a speaker encoder adds the voice's timbre "
                          "(button 1b also runs 2-get-sv); each version has its own configs, pretrained files and "
                          "weight folders.",
    "tab_dataset": "1. Dataset formatting",
    "tab_train": "2. Fine-tuning",
    "tab_tts": "3. Synthesis",
    "list_path": ".list file (wav_path|speaker|language|text)",
    "wav_dir": "Audio folder (empty: use the paths in the .list as written)",
    "hubert_dir": "Pretrained HuBERT folder (chinese-hubert-base)",
    "s2g_path": "Pretrained SoVITS generator s2G",
    "s2d_path": "Pretrained SoVITS discriminator s2D",
    "s1_path": "Pretrained GPT s1 (empty: train from scratch)",
    "btn_text": "1a. Text to phones",
    "btn_ssl": "1b. SSL features + 32 kHz audio",
    "btn_semantic": "1c. Semantic tokens",
    "btn_all": "One click: 1a + 1b + 1c",
    "btn_stop": "Stop",
    "status": "Status",
    "sovits": "SoVITS (s2) training",
    "gpt": "GPT (s1) training",
    "batch_size": "Batch size",
    "epochs": "Epochs",
    "text_low_lr_rate": "Text learning-rate ratio (text_low_lr_rate)",
    "save_every_epoch": "Save every N epochs",
    "if_save_latest": "Keep only the latest export",
    "if_save_every_weights": "Export inference weights at each save",
    "num_workers": "Data loader processes (0: load in the training process)",
    "min_epoch_items": "Minimum items per epoch",
    "min_epoch_items_info": "A dataset with fewer clips is repeated to about this many items per epoch (as "
                            "upstream: 100). 0: never repeat (short epochs; raise the epoch count instead).",
    "btn_train_s2": "Start SoVITS training",
    "btn_train_s1": "Start GPT training",
    "gpt_weights": "GPT weights ({folder}/ and the other versions' folders)",
    "sovits_weights": "SoVITS weights ({folder}/ and the other versions' folders)",
    "btn_refresh": "Refresh weight lists",
    "ref_audio": "Reference clip (3-10 s)",
    "ref_text": "Text spoken in the reference clip",
    "ref_lang": "Reference language",
    "target_text": "Text to synthesise",
    "target_lang": "Target language",
    "latin": "Latin words in Russian text",
    "latin_english": "english",
    "latin_translit": "translit",
    "latin_info": "english: English phones (Google, USB); translit: Russian sounds, for models fine-tuned without English",
    "top_k": "top_k",
    "top_p": "top_p",
    "temperature": "Temperature",
    "repetition_penalty": "Repetition penalty",
    "speed": "Speed",
    "seed": "Seed (-1: random)",
    "max_new_tokens": "Max new tokens per piece (0: automatic)",
    "btn_synthesize": "Synthesise",
    "output_audio": "Result",
    "idle": "idle",
    "pretrained_missing": "Pretrained weights are missing; the buttons that need them will say so.",
    "ds_experiment": "experiment {exp}: {opt_dir} ({total} utterances, {parts} part(s))",
    "ds_starting": "starting",
    "ds_progress": "{done}/{total} utterance(s)",
    "ds_progress_skipped": " ({skipped} already done)",
    "ds_loading_frontend_ru": "loading the Russian frontend…",
    "ds_loading_frontend": "loading the {language} frontend…",
    "ds_loading_hubert": "loading HuBERT…",
    "ds_loading_sovits": "loading the SoVITS model…",
    "ds_loading_model": "loading {model}…",
    "ds_loading_sv": "loading the speaker encoder…",
    "ds_running": "running {script}: {progress}, {elapsed:.1f} s",
    "ds_skipped": "{script}: skipped, {output} already exists and covers the list",
    "ds_skipped_held": " ({count} line(s) still fail as before: fix them and run again)",
    "ds_done": "done {script}: {ready}/{total} utterances ready, {elapsed:.1f} s",
    "ds_redone": "; {count} line(s) changed since they were prepared, redone",
    "ds_stopped": "stopped {script} (by the stop button)",
    "ds_failed": "failed {script}: {detail}",
    "ds_finished": "finished; {ready} of {total} utterances ready for training, {failed} failed (see {path})",
    "ds_first_failed": "; first failed in: {breakdown}",
    "ds_output": "--- output ---",
    "tab_recordings": "0. Recordings → .list",
    "rec_intro": "From long recordings to a checked `.list`: **0a** slice them into clips, **0b** transcribe the clips, "
                 "**0c** listen to each line and correct its text and stress, **0d** look at the dataset. The .list "
                 "made in 0b is filled into tab 1.",
    "sub_slice": "0a. Slicing",
    "sub_asr": "0b. Speech recognition",
    "sub_proofread": "0c. Proofreading",
    "sub_report": "0d. Dataset report",
    "slice_input": "Recording: an audio file or a folder of them (any format librosa reads)",
    "slice_output": "Clips folder (slicing a recording again replaces its earlier clips there)",
    "slice_mode": "Slicing mode",
    "mode_vad": "Speech-aware: cut at pauses between phrases (silero-vad; recommended for Russian)",
    "mode_silence": "Silence-based: upstream's slicer",
    "min_clip": "Shortest clip, s",
    "min_clip_info": "A phrase shorter than this is joined with its neighbour. A short sentence lasts 1-3 s: "
                     "a higher value merges sentences into one clip.",
    "max_clip": "Longest clip, s",
    "slice_params": "Silence-mode and level parameters (upstream's names and defaults)",
    "p_threshold": "threshold, dB",
    "p_min_length": "min_length, ms",
    "p_min_interval": "min_interval, ms",
    "p_hop_size": "hop_size, ms",
    "p_max_sil_kept": "max_sil_kept, ms",
    "max_peak": "max (peak after normalisation)",
    "alpha": "alpha (share of the normalised clip)",
    "btn_slice": "Slice",
    "asr_input": "Clips folder",
    "asr_output": "Output .list (empty: output/asr_opt/<folder>.list)",
    "asr_model": "Whisper model: a size (GPT_SoVITS/pretrained_models/faster-whisper-<size>) or a folder",
    "asr_language": "Language",
    "asr_speaker": "Speaker (empty: the folder's name)",
    "btn_asr": "Transcribe",
    "pr_list": ".list to proofread",
    "btn_open": "Open / reload",
    "pr_hint": "Listen to each clip and correct its text; mark stress with `+` before the vowel (`з+амок`). "
               "The reading below each line (stress, phones) follows as you type. Edits stay in this page until "
               "**Save**, which keeps the previous file as a `.bak`.",
    "pr_no_list": "No .list open: type its path and press Open.",
    "pr_page_info": "Page {page} of {pages}, {lines} lines ({path})",
    "pr_unsaved": "**unsaved changes**",
    "pr_select": "select",
    "pr_stress": "stress",
    "pr_phones": "phones",
    "pr_english": "English words",
    "pr_frontend_error": "frontend",
    "pr_page": "Page",
    "btn_prev": "◀ Previous",
    "btn_next": "Next ▶",
    "btn_delete": "Delete selected",
    "btn_merge": "Merge 2 selected",
    "btn_save": "Save",
    "report_list": ".list for the report",
    "btn_report": "Build report",
    "report_image": "Clip durations and speech rate (outliers in red)",
    "report_text": "Report",
    "report_after": "Dataset report (made after formatting; also in tab 0d)",
    "plot_s2": "SoVITS loss curves (live)",
    "plot_s1": "GPT loss per token and top-3 accuracy (live)",
    "plot_step": "step",
    "plot_value": "value",
    "plot_value_log": "value, log scale: sign × log10(1 + |value|)",
    "plot_curve": "curve",
    "curve_loss/mel": "mel spectrogram loss",
    "curve_loss/kl": "KL divergence",
    "curve_loss/feature_matching": "feature matching",
    "curve_loss/adversarial": "adversarial (generator)",
    "curve_loss/discriminator": "discriminator",
    "curve_loss/per_token": "loss per token",
    "curve_accuracy/top3": "top-3 accuracy",
    "sample_s2": "SoVITS sample from the latest save",
    "sample_s1": "GPT sample from the latest save (through the newest SoVITS export)",
    "tensorboard_note": ("All curves, mel images and samples are also in TensorBoard: "
                         "`tensorboard --logdir {logs}/<experiment name>` (then open http://localhost:6006). "
                         "docs/training.md says what each curve means and what a healthy run looks like."),
    "tv_starting": "starting: reading the data and building the models",
    "tv_first_step": "epoch -/{epochs}: preparing the first step (the curves start after it)",
    "tv_progress": "epoch {epoch}/{epochs}, step {step}/{total} ({percent} %)",
    "tv_eta": ", {per_step:.2f} s/step, about {eta} left",
    "tv_steps_planned": "; {per_epoch} steps per epoch, {total} in this run",
    "tv_finishing": "; every step done, then: saving, exports and the sample (log lines below)",
    "tv_seconds": "{s} s",
    "tv_minutes": "{m} min {s:02d} s",
    "tv_hours": "{h} h {m:02d} min",
}

RU = {
    "title": "GPT-SoVITS-RU: клонирование голоса с русским языком",
    "experiment": "Эксперимент",
    "exp_name": "Имя эксперимента (буквы, цифры, - _ .)",
    "gpu_numbers": "Номера GPU, например 0-1 (по процессу на номер; пусто = один процесс на CPU)",
    "half": "Половинная точность (только CUDA)",
    "model_version": "Версия модели",
    "model_version_info": "v2 — классическая модель. v2Pro / v2ProPlus — энкодер голоса добавляет тембр диктора "
                          "(кнопка 1b запускает и этап 2-get-sv); у каждой версии свои конфигурации, предобученные "
                          "файлы и папки весов.",
    "tab_dataset": "1. Подготовка данных",
    "tab_train": "2. Дообучение",
    "tab_tts": "3. Синтез",
    "list_path": "Файл .list (путь_к_записи|диктор|язык|текст)",
    "wav_dir": "Папка с аудио (пусто: пути из .list как есть)",
    "hubert_dir": "Папка предобученного HuBERT (chinese-hubert-base)",
    "s2g_path": "Предобученный генератор SoVITS s2G",
    "s2d_path": "Предобученный дискриминатор SoVITS s2D",
    "s1_path": "Предобученный GPT s1 (пусто: обучение с нуля)",
    "btn_text": "1a. Текст в фонемы",
    "btn_ssl": "1b. SSL-признаки + аудио 32 кГц",
    "btn_semantic": "1c. Семантические токены",
    "btn_all": "Всё сразу: 1a + 1b + 1c",
    "btn_stop": "Остановить",
    "status": "Состояние",
    "sovits": "Обучение SoVITS (s2)",
    "gpt": "Обучение GPT (s1)",
    "batch_size": "Размер батча",
    "epochs": "Эпохи",
    "text_low_lr_rate": "Доля скорости обучения для текста (text_low_lr_rate)",
    "save_every_epoch": "Сохранять через столько эпох",
    "if_save_latest": "Хранить только последний экспорт",
    "if_save_every_weights": "Экспортировать веса при каждом сохранении",
    "num_workers": "Процессы загрузки данных (0: загружать в процессе обучения)",
    "min_epoch_items": "Минимум записей за эпоху",
    "min_epoch_items_info": "Набор с меньшим числом записей повторяется примерно до этого числа за эпоху (как в "
                            "оригинале: 100). 0: не повторять (короткие эпохи; тогда увеличьте их число).",
    "btn_train_s2": "Запустить обучение SoVITS",
    "btn_train_s1": "Запустить обучение GPT",
    "gpt_weights": "Веса GPT ({folder}/ и папки других версий)",
    "sovits_weights": "Веса SoVITS ({folder}/ и папки других версий)",
    "btn_refresh": "Обновить списки весов",
    "ref_audio": "Опорная запись (3-10 с)",
    "ref_text": "Текст опорной записи",
    "ref_lang": "Язык опорной записи",
    "target_text": "Текст для синтеза",
    "target_lang": "Язык синтеза",
    "latin": "Латиница в русском тексте",
    "latin_info": "по-английски: английские фонемы (Google, USB); транслитом: русские звуки, для моделей, дообученных без английского",
    "latin_english": "по-английски",
    "latin_translit": "транслитом",
    "top_k": "top_k",
    "top_p": "top_p",
    "temperature": "Температура",
    "repetition_penalty": "Штраф за повторы",
    "speed": "Скорость",
    "seed": "Зерно (-1: случайное)",
    "max_new_tokens": "Макс. новых токенов на фрагмент (0: авто)",
    "btn_synthesize": "Синтезировать",
    "output_audio": "Результат",
    "idle": "ожидание",
    "pretrained_missing": "Нет предобученных весов; кнопки, которым они нужны, сообщат об этом.",
    "ds_experiment": "эксперимент {exp}: {opt_dir} (записей: {total}, частей: {parts})",
    "ds_starting": "запуск",
    "ds_progress": "{done}/{total} записей",
    "ds_progress_skipped": " (ещё {skipped} готовы раньше)",
    "ds_loading_frontend_ru": "загрузка русского фронтенда…",
    "ds_loading_frontend": "загрузка фронтенда языка {language}…",
    "ds_loading_hubert": "загрузка HuBERT…",
    "ds_loading_sovits": "загрузка модели SoVITS…",
    "ds_loading_model": "загрузка {model}…",
    "ds_loading_sv": "загрузка энкодера голоса (speaker encoder)…",
    "ds_running": "выполняется {script}: {progress}, {elapsed:.1f} с",
    "ds_skipped": "{script}: пропущен, весь список уже есть в {output}",
    "ds_skipped_held": " (строк с прежними ошибками: {count}; исправьте их и запустите снова)",
    "ds_done": "готово {script}: {ready}/{total} записей готовы, {elapsed:.1f} с",
    "ds_redone": "; строк, изменённых после подготовки и сделанных заново: {count}",
    "ds_stopped": "остановлен {script} (кнопкой «Остановить»)",
    "ds_failed": "ошибка {script}: {detail}",
    "ds_finished": "завершено; к обучению готовы {ready} из {total} записей, с ошибками {failed} (см. {path})",
    "ds_first_failed": "; первая ошибка на этапе: {breakdown}",
    "ds_output": "--- вывод ---",
    "tab_recordings": "0. Записи → .list",
    "rec_intro": "От длинных записей к проверенному `.list`: **0a** нарезать их на фрагменты, **0b** распознать "
                 "фрагменты, **0c** прослушать каждую строку и исправить текст и ударения, **0d** посмотреть на набор. "
                 "Файл .list из шага 0b подставляется во вкладку 1.",
    "sub_slice": "0a. Нарезка",
    "sub_asr": "0b. Распознавание речи",
    "sub_proofread": "0c. Вычитка",
    "sub_report": "0d. Отчёт о наборе",
    "slice_input": "Запись: аудиофайл или папка с ними (любой формат, который читает librosa)",
    "slice_output": "Папка для фрагментов (повторная нарезка записи заменяет её прежние фрагменты)",
    "slice_mode": "Способ нарезки",
    "mode_vad": "По речи: резать в паузах между фразами (silero-vad; рекомендуется для русского)",
    "mode_silence": "По тишине: нарезчик из оригинального проекта",
    "min_clip": "Самый короткий фрагмент, с",
    "min_clip_info": "Фраза короче этого присоединяется к соседней. Короткое предложение длится 1-3 с: "
                     "большее значение сливает предложения в один фрагмент.",
    "max_clip": "Самый длинный фрагмент, с",
    "slice_params": "Параметры нарезки по тишине и громкости (имена и значения как в оригинале)",
    "p_threshold": "threshold (порог тишины), дБ",
    "p_min_length": "min_length (мин. длина), мс",
    "p_min_interval": "min_interval (мин. пауза для разреза), мс",
    "p_hop_size": "hop_size (шаг), мс",
    "p_max_sil_kept": "max_sil_kept (макс. тишина по краям), мс",
    "max_peak": "max (пик после нормализации)",
    "alpha": "alpha (доля нормализованного сигнала)",
    "btn_slice": "Нарезать",
    "asr_input": "Папка с фрагментами",
    "asr_output": "Итоговый .list (пусто: output/asr_opt/<папка>.list)",
    "asr_model": "Модель Whisper: размер (GPT_SoVITS/pretrained_models/faster-whisper-<размер>) или папка",
    "asr_language": "Язык",
    "asr_speaker": "Диктор (пусто: имя папки)",
    "btn_asr": "Распознать",
    "pr_list": "Файл .list для вычитки",
    "btn_open": "Открыть / перечитать",
    "pr_hint": "Прослушайте каждый фрагмент и исправьте текст; ударение ставится знаком `+` перед гласной "
               "(`з+амок`). Под каждой строкой видно, как её прочтёт фронтенд (ударения, фонемы), и это "
               "обновляется по мере ввода. Правки хранятся на странице до нажатия **Сохранить**; прежний файл "
               "остаётся копией `.bak`.",
    "pr_no_list": "Файл .list не открыт: укажите путь и нажмите «Открыть».",
    "pr_page_info": "Страница {page} из {pages}, строк: {lines} ({path})",
    "pr_unsaved": "**есть несохранённые правки**",
    "pr_select": "выбрать",
    "pr_stress": "ударения",
    "pr_phones": "фонемы",
    "pr_english": "английские слова",
    "pr_frontend_error": "фронтенд",
    "pr_page": "Страница",
    "btn_prev": "◀ Назад",
    "btn_next": "Вперёд ▶",
    "btn_delete": "Удалить выбранные",
    "btn_merge": "Объединить 2 выбранные",
    "btn_save": "Сохранить",
    "report_list": "Файл .list для отчёта",
    "btn_report": "Построить отчёт",
    "report_image": "Длительность фрагментов и темп речи (выбросы красным)",
    "report_text": "Отчёт",
    "report_after": "Отчёт о наборе (строится после подготовки; также во вкладке 0d)",
    "plot_s2": "Кривые потерь SoVITS (обновляются)",
    "plot_s1": "Потери GPT на токен и точность по трём лучшим (обновляются)",
    "plot_step": "шаг",
    "plot_value": "значение",
    "plot_value_log": "значение, логарифмическая шкала: знак × log10(1 + |значение|)",
    "plot_curve": "кривая",
    "curve_loss/mel": "потери мел-спектрограммы",
    "curve_loss/kl": "расхождение Кульбака-Лейблера",
    "curve_loss/feature_matching": "совпадение признаков",
    "curve_loss/adversarial": "состязательные (генератор)",
    "curve_loss/discriminator": "дискриминатор",
    "curve_loss/per_token": "потери на токен",
    "curve_accuracy/top3": "точность по трём лучшим",
    "sample_s2": "Пример SoVITS с последнего сохранения",
    "sample_s1": "Пример GPT с последнего сохранения (через новейшие веса SoVITS)",
    "tensorboard_note": ("Все кривые, мел-спектрограммы и примеры есть и в TensorBoard: "
                         "`tensorboard --logdir {logs}/<имя эксперимента>` (затем откройте http://localhost:6006). "
                         "В docs/training.md сказано, что значит каждая кривая и как выглядит здоровое обучение."),
    "tv_starting": "запуск: чтение данных и построение моделей",
    "tv_first_step": "эпоха -/{epochs}: подготовка первого шага (кривые начнутся после него)",
    "tv_progress": "эпоха {epoch}/{epochs}, шаг {step}/{total} ({percent} %)",
    "tv_eta": ", {per_step:.2f} с/шаг, осталось около {eta}",
    "tv_steps_planned": "; шагов за эпоху: {per_epoch}, за весь запуск: {total}",
    "tv_finishing": "; все шаги сделаны, затем: сохранение, экспорт и пробный звук (строки журнала ниже)",
    "tv_seconds": "{s} с",
    "tv_minutes": "{m} мин {s:02d} с",
    "tv_hours": "{h} ч {m:02d} мин",
}

TEXTS: Mapping[str, Mapping[str, str]] = {"en": {**EN, **messages.EN}, "ru": {**RU, **messages.RU}}


def resolve_lang(flag: str | None, environ: Mapping[str, str]) -> str:
    """The interface language: the flag, else the environment variable, else English."""
    lang = (flag or environ.get(ENV_VAR, "") or DEFAULT_LANG).strip().lower()
    if lang not in TEXTS:
        raise ConfigError(f"interface language {lang!r} is not one of {sorted(TEXTS)} (--lang or {ENV_VAR})")
    return lang


Translate = Callable[[str], str]


def translator(lang: str) -> Translate:
    """A function key -> text in `lang` (English when the key is missing there)."""
    table, english = TEXTS[lang], TEXTS["en"]

    def tr(key: str) -> str:
        return table.get(key) or english[key]

    return tr


ENGLISH = translator("en")


@dataclass(frozen=True)
class Message:
    """A text of the table and its `str.format` parameters, rendered in the UI's language when shown.

    Parameters that are `Message`s render too (a field name inside an error message).
    """

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, tr: Translate) -> str:
        values = {name: value.render(tr) if isinstance(value, Message) else value for name, value in self.params.items()}
        return tr(self.key).format(**values)


def field_name(what: str) -> Message | str:
    """A field's name for a message: translated when `what` is a field key (`f_list`), else as given."""
    return Message(what) if what.startswith("f_") and what in TEXTS["en"] else what


class UiError(ConfigError):
    """A refusal of the UI (bad field, busy slot) whose message is shown in the interface language.

    `str()` is the English text, as for every `ConfigError`; the status boxes render `message`.
    """

    def __init__(self, key: str, **params: Any):
        self.message = Message(key, params)
        super().__init__(self.message.render(ENGLISH))


def error_text(tr: Translate, error: Exception) -> str:
    """The status line of an error: `error: ...` in the UI's language (library messages stay as written)."""
    detail = error.message.render(tr) if isinstance(error, UiError) else str(error)
    return tr("error_prefix") + detail


def gradio_translations(lang: str) -> dict[str, dict[str, str]]:
    """Gradio's own texts (the upload prompt...) in `lang`, for `launch(i18n=gr.I18n(**...))`.

    Gradio picks its texts by the browser's language; the same overrides are given for every
    language Gradio ships, so the chosen interface language wins whatever the browser says.
    """
    texts = messages.GRADIO_TEXTS[lang]
    return {locale: dict(texts) for locale in messages.GRADIO_LOCALES}
