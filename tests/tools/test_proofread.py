"""The proofreading library: edits, merges, saves with backups, and two editors of one file."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile

from GPT_SoVITS.errors import DataError
from tests.lock_fixtures import hold_lock
from tools.proofread import ListConflictError, ListDocument, frontend_reading, merged_clip_name

SR = 32000


def _tone(path, seconds: float, frequency: float = 220.0):
    t = np.arange(round(seconds * SR)) / SR
    soundfile.write(path, 0.3 * np.sin(2 * np.pi * frequency * t), SR, subtype="PCM_16")


@pytest.fixture
def listed(tmp_path):
    (tmp_path / "clips").mkdir()
    for name, seconds in (("a.wav", 1.0), ("b.wav", 0.5), ("c.wav", 0.75)):
        _tone(tmp_path / "clips" / name, seconds)
    path = tmp_path / "voice.list"
    path.write_text("clips/a.wav|anna|ru|Первая строка.\nclips/b.wav|anna|ru|Вторая\nnot a line\n"
                    "clips/c.wav|anna|ru|Третья строка.\n", encoding="utf-8")
    return path


def _text(path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_open_keeps_bad_lines_verbatim(listed):
    doc = ListDocument.open(listed)
    assert [line.name for line in doc.lines] == ["a.wav", "b.wav", "raw:not a line", "c.wav"]
    assert doc.lines[2].problem == "line 3: expected 4 fields wav|speaker|lang|text, got 1"
    with pytest.raises(DataError, match="fix this line in a text editor or delete it"):
        doc.edit(2, "text")


def test_edit_save_and_backup(listed):
    original = listed.read_bytes()
    doc = ListDocument.open(listed)
    doc.edit(1, "Вторая | строка,\nисправлена")
    assert doc.dirty
    result = doc.save()
    assert _text(listed)[1] == "clips/b.wav|anna|ru|Вторая строка, исправлена"
    assert _text(listed)[2] == "not a line"  # kept as it was
    assert result.backup.read_bytes() == original and result.backup.name.startswith("voice.list.")
    assert not doc.dirty and not result.replayed
    assert doc.save().backup is None  # nothing to save: no new backup


def test_empty_text_is_refused(listed):
    with pytest.raises(DataError, match="b.wav: the text cannot be empty; delete the line instead"):
        ListDocument.open(listed).edit(1, "  ")


def test_delete_and_merge(listed, tmp_path):
    doc = ListDocument.open(listed)
    doc.delete([2])
    merged = doc.merge(0)
    assert merged.wav_path == "clips/a+b.wav" and merged.text == "Первая строка. Вторая"
    assert soundfile.info(str(tmp_path / "clips" / "a+b.wav")).frames == round(1.5 * SR)
    doc.save()
    assert _text(listed) == ["clips/a+b.wav|anna|ru|Первая строка. Вторая", "clips/c.wav|anna|ru|Третья строка."]
    with pytest.raises(DataError, match="c.wav is the last line"):
        doc.merge(1)


def test_merged_names_continue_the_slicer_names():
    assert merged_clip_name("talk.mp3_0000000100_0000032100.wav", "talk.mp3_0000040000_0000090000.wav") == \
        "talk.mp3_0000000100_0000090000.wav"
    assert merged_clip_name("a.wav", "b.wav") == "a+b.wav"


def test_edits_are_replayed_onto_a_file_changed_elsewhere(listed):
    mine, theirs = ListDocument.open(listed), ListDocument.open(listed)
    mine.edit(0, "Моя правка.")
    theirs.edit(3, "Их правка.")
    theirs.delete([1])
    theirs.save()
    result = mine.save()
    assert result.replayed
    assert _text(listed) == ["clips/a.wav|anna|ru|Моя правка.", "not a line", "clips/c.wav|anna|ru|Их правка."]
    assert len(list(listed.parent.glob("voice.list.*.bak"))) == 2


def test_a_save_waits_for_another_programs_save_of_the_same_file(listed):
    """Another UI (or the ASR tool) holds the file's lock while it rewrites it: our save waits,
    then replays our edit onto their version instead of overwriting it (or being overwritten)."""
    mine = ListDocument.open(listed)
    mine.edit(0, "Моя правка.")
    theirs = listed.read_text(encoding="utf-8").replace("Третья строка.", "Их правка.")
    other = hold_lock(listed, 1.0, then=theirs)
    result = mine.save()
    assert other.wait(30) == 0
    assert result.replayed
    assert _text(listed) == ["clips/a.wav|anna|ru|Моя правка.", "clips/b.wav|anna|ru|Вторая", "not a line",
                             "clips/c.wav|anna|ru|Их правка."]


@pytest.mark.parametrize("their_change", ["edit", "delete"])
def test_a_clash_on_the_same_line_is_refused_and_nothing_is_lost(listed, their_change):
    mine, theirs = ListDocument.open(listed), ListDocument.open(listed)
    mine.edit(1, "Моя версия.")
    if their_change == "edit":
        theirs.edit(1, "Их версия.")
    else:
        theirs.delete([1])
    theirs.save()
    saved_by_them = listed.read_bytes()
    with pytest.raises(ListConflictError, match="b.wav: "):
        mine.save()
    assert listed.read_bytes() == saved_by_them


def test_a_merge_clashes_with_an_edit_of_either_line(listed):
    mine, theirs = ListDocument.open(listed), ListDocument.open(listed)
    mine.merge(0)
    theirs.edit(1, "Их версия.")
    theirs.save()
    with pytest.raises(ListConflictError, match="a.wav \\+ b.wav: you merged these lines"):
        mine.save()


def test_missing_and_foreign_files(tmp_path):
    with pytest.raises(DataError, match="nope.list: .list file not found"):
        ListDocument.open(tmp_path / "nope.list")
    (tmp_path / "latin1.list").write_bytes("a.wav|s|ru|\xe9t\xe9\n".encode("latin-1"))
    with pytest.raises(DataError, match="not UTF-8 text"):
        ListDocument.open(tmp_path / "latin1.list")


def test_frontend_reading_follows_user_stress_marks():
    reading = frontend_reading("Он открыл з+амок.", "ru")
    assert "за\u0301мок" in reading.accented and reading.phones.startswith("ru_")
    moved = frontend_reading("Он открыл зам+ок.", "ru")
    assert "замо\u0301к" in moved.accented and moved.phones != reading.phones
    assert "unsupported language 'zh'" in frontend_reading("Hello", "zh").error


def test_the_preview_shows_english_words_with_their_phones():
    from GPT_SoVITS.i18n import translator
    from GPT_SoVITS.webui.recordings import reading_markdown

    reading = frontend_reading("Я купил iPhone и USB-кабель.", "ru")
    assert "iPhone" in reading.accented and "ка\u0301бель" in reading.accented
    assert reading.english == "iPhone AY1 F OW2 N; USB Y UW1 EH1 S B IY1"
    assert "**English words:** `iPhone AY1 F OW2 N; USB Y UW1 EH1 S B IY1`" in reading_markdown(
        "Я купил iPhone и USB-кабель.", "ru", None, translator("en"))
    translit = frontend_reading("Я купил iPhone.", "ru", "translit")
    assert translit.english == "" and "iPhone" not in translit.accented
    english = frontend_reading("Hello, world!", "en")
    assert english.accented == "Hello, world!" and english.phones.startswith("HH AH0 L OW1")
