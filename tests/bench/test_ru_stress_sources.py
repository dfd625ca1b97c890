"""The second-source stress bench (`bench/ru_stress_sources.py`): its data file is read without
running code, letter positions become vowel indices, and the combined reading takes the
dictionary only where it lists one stress."""

from __future__ import annotations

import pickle
from collections import OrderedDict

import pytest

from bench import ru_stress_sources


def _fake_tsnorm(root, forms) -> None:
    """A folder shaped like the tsnorm wheel: the package and its pickled word-form table."""
    package = root / "tsnorm"
    (package / "dictionary").mkdir(parents=True)
    (package / "__init__.py").write_text("raise ImportError('the bench must not import tsnorm')\n")
    (package / "dictionary" / "wordforms.dat").write_bytes(pickle.dumps(forms))


def test_a_class_inside_the_data_file_is_refused(tmp_path, monkeypatch):
    _fake_tsnorm(tmp_path, {"дом": [OrderedDict(word_form="дом", stress_pos=[1])]})
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(pickle.UnpicklingError, match="collections.OrderedDict"):
        ru_stress_sources.tsnorm_stresses()


def test_letter_positions_become_vowel_indices_and_double_stresses_are_left_out(tmp_path, monkeypatch):
    forms = {
        "Собака": [{"word_form": "Собака", "stress_pos": [3]}],
        "дома": [{"word_form": "дома", "stress_pos": [1]}, {"word_form": "дома", "stress_pos": 3}],
        "железобетон": [{"word_form": "железобетон", "stress_pos": [3, 9]}],
    }
    _fake_tsnorm(tmp_path, forms)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert ru_stress_sources.tsnorm_stresses() == {"собака": {1}, "дома": {0, 1}}


def test_the_combined_reading_takes_the_dictionary_only_where_it_lists_one_stress():
    rows = [
        {"word": "собака", "stress_idx": "1", "source": "a"},   # dictionary right, silero right
        {"word": "молоко", "stress_idx": "2", "source": "a"},   # dictionary wrong: it decides
        {"word": "сирота", "stress_idx": "2", "source": "b"},   # two readings listed: silero decides
        {"word": "кот", "stress_idx": "0", "source": "b"},      # one vowel: not scored
    ]
    listed = {"собака": {1}, "молоко": {0}, "сирота": {0, 2}}
    counts = ru_stress_sources.score(rows, listed)
    assert counts["a", "words"] == 2 and counts["b", "words"] == 1
    assert counts["a", "silero"] == 2 and counts["b", "silero"] == 1
    assert counts["a", "single"] == 2 and counts["a", "single_right"] == 1
    assert counts["a", "combined"] == 1
    assert counts["b", "covered"] == 1 and counts["b", "single"] == 0 and counts["b", "combined"] == 1
