"""Synthesis honours the Russian frontend's user lexicon and goes on past an unreadable emoji."""

from __future__ import annotations

import logging

from GPT_SoVITS.text.cleaner import clean_text
from GPT_SoVITS.text.russian import user_lexicon


def test_synthesis_reads_the_user_lexicon(tiny_tts, tmp_path, monkeypatch):
    path = tmp_path / "lexicon.tsv"
    path.write_text("замок\tзам+ок\n", encoding="utf-8")
    monkeypatch.setenv(user_lexicon.ENV_VAR, str(path))
    phones, ids = tiny_tts.phone_ids("Старинный замок.", "ru")
    assert phones == clean_text("Старинный зам+ок.", "ru").phones
    assert ids == tiny_tts.table.to_ids(phones)


def test_synthesis_skips_an_emoji_with_a_warning(tiny_tts, caplog):
    with caplog.at_level(logging.WARNING):
        phones, _ = tiny_tts.phone_ids("Привет 😊 мир", "ru")
    assert phones == clean_text("Привет мир", "ru").phones
    assert "'😊'" in caplog.text
