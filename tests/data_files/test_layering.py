"""One home per job, and dependencies that point one way.

The whole tree (GPT_SoVITS/, tools/, bench/, webui.py) is checked against the intended layers:
shared core modules at the bottom; text, data_files, weights_compat; module, sv, AR (the
networks); the one model-file loader; prepare, s2, inference; the entry scripts; webui, tools and
bench on top. A unit imports only its own layer or lower ones, even inside a function, and no two
units import each other, directly or round a longer cycle. The trainers and models also share one
sampler and report.
"""

from __future__ import annotations

import ast
from pathlib import Path

from GPT_SoVITS.data_files.layout import STAGE_KEYS
from GPT_SoVITS.prepare.stages import STAGES, stage_keys
from tests.conftest import REPO_ROOT

#: Each unit (a package of GPT_SoVITS, a top-level module of it, tools/, bench/) and its layer.
LAYERS = {
    # core: small shared modules every layer may use (errors, atomic writes, the version table, ...)
    **dict.fromkeys(("GPT_SoVITS", "errors", "atomic", "logging_setup", "versions", "pretrained", "confinement",
                     "config_files", "audio", "distributed", "training_log", "trainer_cli", "manifest",
                     "progress_bars", "i18n", "ui_messages"), 0),
    **dict.fromkeys(("text", "data_files", "weights_compat"), 1),
    **dict.fromkeys(("module", "sv", "AR", "feature_extractor"), 2),
    "model_files": 3,  # the one loader of model files: builds module/ and AR/ networks for the layer above
    **dict.fromkeys(("prepare", "s2", "inference"), 4),
    "training_samples": 5,  # the GPT trainer's samples: AR's tokens through inference's SoVITS
    **dict.fromkeys(("s1_train", "s2_train", "synthesize", "prepare_datasets"), 6),  # entry scripts
    **dict.fromkeys(("webui", "tools", "bench", "webui.py", "server", "api_v2.py"), 7),
}


def _imports(path: Path) -> list[str]:
    """Every module name `path` imports, at the top or inside a function (`from A import b` gives A and A.b)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return names


def _unit_of_file(path: Path) -> str:
    parts = path.relative_to(REPO_ROOT).parts
    if parts[0] == "GPT_SoVITS":
        return "GPT_SoVITS" if parts[1] == "__init__.py" else parts[1].removesuffix(".py")
    return parts[0]


def _unit_of_import(name: str, units: set[str]) -> str | None:
    """The unit an imported name belongs to; None outside the project (`GPT_SoVITS.X` for a name
    X of the package itself, such as REPO_ROOT, is the package's core unit)."""
    parts = name.split(".")
    if parts[0] == "GPT_SoVITS":
        return parts[1] if len(parts) > 1 and parts[1] in units else "GPT_SoVITS"
    return parts[0] if parts[0] in ("tools", "bench") else None


def _unit_graph() -> dict[str, set[str]]:
    files = [*(REPO_ROOT / "GPT_SoVITS").rglob("*.py"), *(REPO_ROOT / "tools").rglob("*.py"),
             *(REPO_ROOT / "bench").rglob("*.py"), REPO_ROOT / "webui.py"]
    units = {_unit_of_file(path) for path in files}
    graph: dict[str, set[str]] = {unit: set() for unit in units}
    for path in files:
        unit = _unit_of_file(path)
        for name in _imports(path):
            target = _unit_of_import(name, units)
            if target is not None and target != unit:
                graph[unit].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one unit (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(unit: str) -> None:
        index[unit] = low[unit] = len(index)
        stack.append(unit)
        for target in sorted(graph.get(unit, ())):
            if target not in index:
                visit(target)
                low[unit] = min(low[unit], low[target])
            elif target in stack:
                low[unit] = min(low[unit], index[target])
        if low[unit] == index[unit]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == unit:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for unit in sorted(graph):
        if unit not in index:
            visit(unit)
    return found


def test_every_unit_has_a_layer():
    assert sorted(set(_unit_graph()) - set(LAYERS)) == []


def test_imports_point_down_the_layers_across_the_whole_tree():
    graph = _unit_graph()
    upward = [f"{unit} (layer {LAYERS[unit]}) imports {target} (layer {LAYERS[target]})"
              for unit, targets in sorted(graph.items()) for target in sorted(targets)
              if LAYERS[target] > LAYERS[unit]]
    assert upward == []


def test_no_cycle_between_units():
    assert _cycles(_unit_graph()) == []


def test_the_checks_find_an_upward_import_and_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
    assert _unit_of_import("GPT_SoVITS.inference.loading", {"inference", "AR"}) == "inference"
    assert _unit_of_import("GPT_SoVITS.REPO_ROOT", {"inference"}) == "GPT_SoVITS"
    assert _unit_of_import("torch.nn", {"inference"}) is None


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
