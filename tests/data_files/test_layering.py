"""One home per job: the trainers and models import no stage or UI code, and share one sampler and report."""

from __future__ import annotations

import ast

from GPT_SoVITS.data_files.layout import STAGE_KEYS
from GPT_SoVITS.prepare.stages import STAGES, stage_keys
from tests.conftest import REPO_ROOT

FORBIDDEN = ("GPT_SoVITS.prepare", "GPT_SoVITS.webui")


def _imports(path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return names


def test_models_and_trainers_do_not_import_stages_or_ui():
    offenders = []
    for package in ("AR", "s2", "module", "data_files"):
        for path in sorted((REPO_ROOT / "GPT_SoVITS" / package).rglob("*.py")):
            offenders += [f"{path.relative_to(REPO_ROOT)}: {name}" for name in _imports(path)
                          if name.startswith(FORBIDDEN)]
    assert offenders == []


def test_both_trainers_use_the_one_sampler_and_report():
    from GPT_SoVITS.AR.data import dataset as gpt_data
    from GPT_SoVITS.data_files.report import DataReport
    from GPT_SoVITS.data_files.sampler import BucketBatchSampler
    from GPT_SoVITS.s2 import data as sovits_data

    assert gpt_data.BucketBatchSampler is BucketBatchSampler and sovits_data.BucketBatchSampler is BucketBatchSampler
    assert gpt_data.DataReport is DataReport and sovits_data.DataReport is DataReport


def test_the_stage_table_follows_the_file_layout():
    assert tuple(STAGES) == STAGE_KEYS
    assert [stage.script for stage in STAGES.values()] == [
        "1-get-text.py", "2-get-hubert-wav32k.py", "2-get-sv.py", "3-get-semantic.py"]
    assert stage_keys("v2") == ("text", "ssl", "semantic")  # 2-get-sv only for the Pro family, after stage 2
    assert stage_keys("v2Pro") == stage_keys("v2ProPlus") == ("text", "ssl", "sv", "semantic")
    for stage in STAGES.values():
        assert (REPO_ROOT / "GPT_SoVITS" / "prepare_datasets" / stage.script).is_file()
