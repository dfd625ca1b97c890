"""Interface text of the web UI in English and Russian: one dict per language, same keys.

Chosen with `--lang ru|en` or the environment variable `GPT_SOVITS_UI_LANG`; a missing key
falls back to English so a new label never crashes the other language.
"""

from __future__ import annotations

from typing import Mapping

from GPT_SoVITS.errors import ConfigError

ENV_VAR = "GPT_SOVITS_UI_LANG"
DEFAULT_LANG = "en"

EN = {
    "title": "GPT-SoVITS-RU: voice cloning with Russian",
    "experiment": "Experiment",
    "exp_name": "Experiment name (letters, digits, - _ .)",
    "gpu_numbers": "GPU numbers, e.g. 0-1 (one process per entry; empty = one process on the CPU)",
    "half": "Half precision (CUDA only)",
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
    "btn_train_s2": "Start SoVITS training",
    "btn_train_s1": "Start GPT training",
    "gpt_weights": "GPT weights (GPT_weights_v2/)",
    "sovits_weights": "SoVITS weights (SoVITS_weights_v2/)",
    "btn_refresh": "Refresh weight lists",
    "ref_audio": "Reference clip (3-10 s)",
    "ref_text": "Text spoken in the reference clip",
    "ref_lang": "Reference language",
    "target_text": "Text to synthesise",
    "target_lang": "Target language",
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
    "ds_running": "running {script}: {progress}, {elapsed:.1f} s",
    "ds_skipped": "{script}: skipped, {output} already exists and covers the list",
    "ds_skipped_held": " ({count} line(s) still fail as before: fix them and run again)",
    "ds_done": "done {script}: {ready}/{total} utterances ready, {elapsed:.1f} s",
    "ds_stopped": "stopped {script} (by the stop button)",
    "ds_failed": "failed {script}: {detail}",
    "ds_finished": "finished; {ready} of {total} utterances ready for training, {failed} failed (see {path})",
    "ds_first_failed": "; first failed in: {breakdown}",
    "ds_output": "--- output ---",
}

RU = {
    "title": "GPT-SoVITS-RU: клонирование голоса с русским языком",
    "experiment": "Эксперимент",
    "exp_name": "Имя эксперимента (буквы, цифры, - _ .)",
    "gpu_numbers": "Номера GPU, например 0-1 (по процессу на номер; пусто = один процесс на CPU)",
    "half": "Половинная точность (только CUDA)",
    "tab_dataset": "1. Подготовка данных",
    "tab_train": "2. Дообучение",
    "tab_tts": "3. Синтез",
    "list_path": "Файл .list (путь_wav|диктор|язык|текст)",
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
    "save_every_epoch": "Сохранять каждые N эпох",
    "if_save_latest": "Хранить только последний экспорт",
    "if_save_every_weights": "Экспортировать веса при каждом сохранении",
    "num_workers": "Процессы загрузки данных (0: загружать в процессе обучения)",
    "btn_train_s2": "Запустить обучение SoVITS",
    "btn_train_s1": "Запустить обучение GPT",
    "gpt_weights": "Веса GPT (GPT_weights_v2/)",
    "sovits_weights": "Веса SoVITS (SoVITS_weights_v2/)",
    "btn_refresh": "Обновить списки весов",
    "ref_audio": "Опорная запись (3-10 с)",
    "ref_text": "Текст опорной записи",
    "ref_lang": "Язык опорной записи",
    "target_text": "Текст для синтеза",
    "target_lang": "Язык синтеза",
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
    "ds_running": "выполняется {script}: {progress}, {elapsed:.1f} с",
    "ds_skipped": "{script}: пропущен, {output} уже есть и покрывает весь список",
    "ds_skipped_held": " (строк с прежними ошибками: {count}; исправьте их и запустите снова)",
    "ds_done": "готово {script}: {ready}/{total} записей готовы, {elapsed:.1f} с",
    "ds_stopped": "остановлен {script} (кнопкой «Остановить»)",
    "ds_failed": "ошибка {script}: {detail}",
    "ds_finished": "завершено; к обучению готовы {ready} из {total} записей, с ошибками {failed} (см. {path})",
    "ds_first_failed": "; первая ошибка на этапе: {breakdown}",
    "ds_output": "--- вывод ---",
}

TEXTS: Mapping[str, Mapping[str, str]] = {"en": EN, "ru": RU}


def resolve_lang(flag: str | None, environ: Mapping[str, str]) -> str:
    """The interface language: the flag, else the environment variable, else English."""
    lang = (flag or environ.get(ENV_VAR, "") or DEFAULT_LANG).strip().lower()
    if lang not in TEXTS:
        raise ConfigError(f"interface language {lang!r} is not one of {sorted(TEXTS)} (--lang or {ENV_VAR})")
    return lang


def translator(lang: str):
    """A function key -> text in `lang` (English when the key is missing there)."""
    table = TEXTS[lang]

    def tr(key: str) -> str:
        return table.get(key) or EN[key]

    return tr
