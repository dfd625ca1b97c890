"""Request parsing: upstream's names and defaults, streaming_mode spellings, languages from the registry."""

from __future__ import annotations

import logging

import pytest

from GPT_SoVITS.errors import UnsupportedLanguageError
from GPT_SoVITS.server.languages import resolve_language
from GPT_SoVITS.server.requests import RequestError, SpeechRequest, TTSRequest, parse_request, require
from GPT_SoVITS.text.languages import Language, _LANGUAGES, register_language


def parse(**values) -> TTSRequest:
    return parse_request(TTSRequest, values, where="POST /tts")


def test_upstream_defaults():
    request = parse(text="x")
    assert (request.top_k, request.top_p, request.temperature, request.text_split_method, request.batch_size,
            request.batch_threshold, request.split_bucket, request.speed_factor, request.fragment_interval,
            request.seed, request.media_type, request.streaming_mode, request.parallel_infer,
            request.repetition_penalty, request.overlap_length, request.min_chunk_length) == \
        (15, 1.0, 1.0, "cut5", 1, 0.75, True, 1.0, 0.3, -1, "wav", 0, True, 1.35, 2, 16)


@pytest.mark.parametrize("value, mode", [(True, 1), (False, 0), ("true", 1), ("True", 1), ("false", 0), ("0", 0),
                                         (0, 0), (1, 1), (2, 2), (3, 3), ("3", 3)])
def test_streaming_mode_spellings(value, mode):
    assert parse(streaming_mode=value).streaming_mode == mode


@pytest.mark.parametrize("value", [4, -1, "fast", 2.5])
def test_bad_streaming_mode_names_the_parameter(value):
    with pytest.raises(RequestError, match=r"POST /tts: streaming_mode: expected true/false or 0-3"):
        parse(streaming_mode=value)


def test_query_string_values_are_converted():
    request = parse_request(TTSRequest, {"text": "x", "top_k": "5", "split_bucket": "false", "seed": "42",
                                         "aux_ref_audio_paths": "a.wav, b.wav"}, where="GET /tts")
    assert (request.top_k, request.split_bucket, request.seed) == (5, False, 42)
    assert request.aux_ref_audio_paths == ["a.wav", "b.wav"]


def test_extras_are_ignored_with_a_log_line_and_aliases_are_read(caplog):
    with caplog.at_level(logging.INFO):
        request = parse(text="x", text_language="ru", streaming="yes", sample_steps=8)
    assert request.text_lang == "ru"  # pyvideotrans' name
    assert "ignoring parameters this server does not use: streaming" in caplog.text
    assert "sample_steps only apply to v3/v4 models" in caplog.text


def test_wrong_types_and_missing_fields():
    with pytest.raises(RequestError, match=r"top_k: Input should be a valid integer"):
        parse(text="x", top_k="many")
    with pytest.raises(RequestError, match=r"expected a JSON object"):
        parse_request(TTSRequest, ["text"], where="POST /tts")
    with pytest.raises(RequestError, match=r"^text_lang is required$"):
        require(parse(text="x"), "text", "text_lang")
    with pytest.raises(RequestError, match=r"text is empty"):
        require(parse(text="  "), "text")
    assert parse_request(SpeechRequest, {"input": "x", "voice": "anna"}, where="s").response_format == "mp3"


@pytest.mark.parametrize("spelling", ["ru", "RU", "Ru", "all_ru", "russian"])
def test_russian_spellings(spelling):
    assert resolve_language(spelling) == "ru"


def test_auto_picks_the_registered_language_of_the_script():
    assert resolve_language("auto", "Привет, world!") == "ru"
    with pytest.raises(UnsupportedLanguageError, match=r"no letters of a supported language"):
        resolve_language("auto", "12345")


def test_unsupported_language_names_the_supported_ones():
    with pytest.raises(UnsupportedLanguageError, match=r"unsupported language 'zh'.*; supported: .*ru.*auto"):
        resolve_language("zh")


def test_languages_come_from_the_registry():
    """A language registered later (English, by its own package) is served without a change here."""
    saved = dict(_LANGUAGES)
    try:
        if "en" not in _LANGUAGES:
            register_language(Language("en", ("EN",), "GPT_SoVITS.text.russian.frontend:clean", None))
        assert resolve_language("EN") == resolve_language("all_en") == resolve_language("en") == "en"
        assert resolve_language("auto", "Hello, мир and the world") == "en"
    finally:
        _LANGUAGES.clear()
        _LANGUAGES.update(saved)
