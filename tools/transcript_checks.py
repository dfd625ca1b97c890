"""Checks that flag a transcript as likely wrong: empty, wrong script, impossible speech rate, hallucination.

One set of rules shared by the ASR summary, the proofreading page and the dataset report, so a
line flagged after recognition is flagged the same way when it is proofread.
"""

from __future__ import annotations

import re
from typing import Any, Callable

# Letters (of the normalised text) per second of clip outside which a transcript cannot match the audio:
# Russian read speech runs at about 10-15 letters/s; pauses and slow speech bring it lower.
MIN_LETTERS_PER_S = 3.0
MAX_LETTERS_PER_S = 25.0
MIN_RATE_SECONDS = 0.5  # rates of shorter clips say little
# Lines Whisper writes for silence or music, learnt from subtitled video (Russian and English).
HALLUCINATIONS = ("субтитры", "субтитров", "продолжение следует", "dimatorzok", "подписывайтесь на канал",
                  "thanks for watching", "subtitles by")
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


def spoken_text(text: str, language: str | None) -> str:
    """`text` as it is spoken: for Russian the frontend's normalised text ("12 км" -> "двенадцать
    километров"), so numbers, units and abbreviations count with the letters they are read as;
    other languages (and text the normaliser refuses) as written."""
    if (language or "").lower() != "ru":
        return text
    from GPT_SoVITS.errors import GptSovitsError
    from GPT_SoVITS.text.russian.normalizer import normalize

    try:
        return normalize(text).text
    except GptSovitsError:
        return text


def spoken_length(text: str, language: str | None = None) -> int:
    """Letters in `text` as spoken (`spoken_text`; spaces, punctuation and `+` marks do not count)."""
    return sum(1 for char in spoken_text(text, language) if char.isalnum())


def letters_per_second(text: str, seconds: float, language: str | None = None) -> float:
    """Speech rate in letters of the spoken (for Russian: normalised) text per second of clip."""
    return spoken_length(text, language) / seconds if seconds > 0 else 0.0


class Reason(str):
    """A finding as English text (what the tools print), with the key and parameters of the web UI's
    text table (`GPT_SoVITS.ui_messages`), so the UI shows it in its own language (`render`)."""

    key: str
    params: dict[str, Any]

    def __new__(cls, key: str, **params: Any) -> "Reason":
        from GPT_SoVITS.i18n import ENGLISH

        reason = super().__new__(cls, ENGLISH(key).format(**params))
        reason.key, reason.params = key, params
        return reason

    def render(self, tr: Callable[[str], str]) -> str:
        return tr(self.key).format(**self.params)


def render_reason(reason: str, tr: Callable[[str], str] | None) -> str:
    """`reason` in the language of `tr` when it is a `Reason`, else as written."""
    return reason.render(tr) if tr is not None and isinstance(reason, Reason) else str(reason)


def suspicious_reasons(text: str, seconds: float | None, language: str) -> list[Reason]:
    """Why `text` is unlikely to be what a `seconds`-long clip says in `language` ([] when plausible)."""
    stripped = text.strip()
    if not stripped:
        return [Reason("tc_empty")]
    reasons = []
    if language.lower() == "ru" and not _CYRILLIC.search(stripped):
        reasons.append(Reason("tc_no_cyrillic"))
    lowered = stripped.lower()
    reasons.extend(Reason("tc_hallucination", phrase=phrase) for phrase in HALLUCINATIONS if phrase in lowered)
    if seconds is not None and seconds >= MIN_RATE_SECONDS:
        rate = letters_per_second(stripped, seconds, language)
        if rate < MIN_LETTERS_PER_S:
            reasons.append(Reason("tc_too_slow", rate=rate, seconds=seconds))
        elif rate > MAX_LETTERS_PER_S:
            reasons.append(Reason("tc_too_fast", rate=rate, seconds=seconds))
    return reasons
