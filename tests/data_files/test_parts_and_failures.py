"""The part merges (as the UI does them) and the failure-file contract."""

from __future__ import annotations

import pytest

from GPT_SoVITS.errors import DataError
from GPT_SoVITS.data_files import failures, layout
from GPT_SoVITS.data_files.name2semantic import merge_name2semantic
from GPT_SoVITS.data_files.name2text import merge_name2text
from GPT_SoVITS.prepare.summary import StageSummary


def test_name2text_merge_keeps_part_order_and_deletes_parts(tmp_path):
    layout.name2text_part(tmp_path, 0).write_text("a\tp\tNone\tx\nc\tp\tNone\tz\n\n\n", encoding="utf-8")
    layout.name2text_part(tmp_path, 1).write_text("", encoding="utf-8")
    layout.name2text_part(tmp_path, 2).write_text("b\tp\t[1]\ty", encoding="utf-8")
    output = merge_name2text(tmp_path, 3)
    assert output.read_text(encoding="utf-8") == "a\tp\tNone\tx\nc\tp\tNone\tz\nb\tp\t[1]\ty\n"
    assert not list(tmp_path.glob("2-name2text-*.txt"))


def test_empty_or_missing_parts_are_errors(tmp_path):
    layout.name2text_part(tmp_path, 0).write_text("\n", encoding="utf-8")
    with pytest.raises(DataError, match="stage 1 produced no text for any utterance"):
        merge_name2text(tmp_path, 1)
    assert layout.name2text_part(tmp_path, 0).exists() and not (tmp_path / layout.NAME2TEXT).exists()
    with pytest.raises(DataError, match=r"2-name2text-1.txt is missing: stage 1 .* did not finish"):
        merge_name2text(tmp_path, 2)
    with pytest.raises(DataError, match="stage 3 produced no semantic tokens"):
        layout.name2semantic_part(tmp_path, 0).write_text("", encoding="utf-8")
        merge_name2semantic(tmp_path, 1)


def test_name2semantic_merge_adds_the_header(tmp_path):
    layout.name2semantic_part(tmp_path, 0).write_text("a\t1 2 3", encoding="utf-8")
    layout.name2semantic_part(tmp_path, 1).write_text("b\t4 5\n", encoding="utf-8")
    output = merge_name2semantic(tmp_path, 2)
    assert output.read_text(encoding="utf-8") == "item_name\tsemantic_audio\na\t1 2 3\nb\t4 5\n"
    assert not list(tmp_path.glob("6-name2semantic-*.tsv"))


def test_failure_files_are_collected_in_stage_and_part_order(tmp_path):
    for stage, part, item in [("semantic", 0, "s0"), ("text", 10, "t10"), ("text", 2, "t2"), ("ssl", 0, "w0"),
                              ("sv", 0, "v0")]:
        summary = StageSummary(f"stage-{stage}")
        summary.fail(item, "bad\nreason")
        failures.write_part_failures(tmp_path, stage, part, summary)
    failures.write_part_failures(tmp_path, "ssl", 1, StageSummary("stage-ssl"))
    collected = failures.collect_failures(tmp_path)
    assert collected == {
        "text": ["stage-text\tt2\tbad reason", "stage-text\tt10\tbad reason"],
        "ssl": ["stage-ssl\tw0\tbad reason"],
        "sv": ["stage-sv\tv0\tbad reason"],
        "semantic": ["stage-semantic\ts0\tbad reason"],
    }
    path = failures.write_failed_txt(tmp_path, collected)
    assert path.read_text(encoding="utf-8").splitlines() == [
        "stage\titem\treason", *collected["text"], *collected["ssl"], *collected["sv"], *collected["semantic"]
    ]
    failures.clear_part_failures(tmp_path, "text")
    assert failures.collect_failures(tmp_path)["text"] == [] and failures.collect_failures(tmp_path)["ssl"]
    with pytest.raises(ValueError, match="not one of"):
        failures.failures_path(tmp_path, "bert", 0)
