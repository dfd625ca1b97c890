"""The rules that flag a transcript: each reason on a real-looking line, and plausible lines left alone."""

from __future__ import annotations

from tools.transcript_checks import letters_per_second, spoken_length, suspicious_reasons


def test_plausible_russian_is_not_flagged():
    assert suspicious_reasons("Сегодня хорошая погода, и мы пойдём гулять.", 3.0, "ru") == []


def test_empty_transcript():
    assert suspicious_reasons("  ", 2.0, "ru") == ["empty transcript"]


def test_no_cyrillic_for_russian_only():
    assert suspicious_reasons("Hello, how are you today?", 2.0, "ru") == ["no Cyrillic letters"]
    assert suspicious_reasons("Hello, how are you today?", 2.0, "en") == []


def test_speech_rate_out_of_range():
    slow, fast = suspicious_reasons("Да.", 5.0, "ru"), suspicious_reasons("раз два три " * 10, 2.0, "ru")
    assert len(slow) == 1 and slow[0].startswith("0.4 letters/s: too few for 5.0 s")
    assert len(fast) == 1 and fast[0].startswith("45.0 letters/s: too many for 2.0 s")
    assert suspicious_reasons("Да.", 0.3, "ru") == []  # too short to judge a rate


def test_known_hallucinations():
    reasons = suspicious_reasons("Субтитры сделал DimaTorzok", 3.0, "ru")
    assert reasons == ["typical ASR hallucination ('субтитры')", "typical ASR hallucination ('dimatorzok')"]


def test_stress_marks_and_punctuation_do_not_count():
    assert spoken_length("з+амок, 2 раза!") == 10
    assert letters_per_second("мама", 2.0) == 2.0 and letters_per_second("мама", 0.0) == 0.0


def test_numbers_count_with_the_letters_they_are_read_as():
    """ "В 2024 году" is read "в две тысячи двадцать четвёртом году": the rate counts those letters."""
    assert spoken_length("12 км", "ru") == len("двенадцатькилометров")
    assert spoken_length("12 км") == 4  # other languages: as written
    # 1.2 s of "В 2024 году" is a normal pace, not "too few letters"
    assert suspicious_reasons("В 2024 году", 1.6, "ru") == []
    assert letters_per_second("В 2024 году", 2.0, "ru") > 14
