"""The stage table: the dataset stages, their scripts, runners and outputs, in run order.

Stages 1, 2 and 3 run for every version; 2-get-sv (speaker vectors) only for the Pro versions,
between stages 2 and 3 as upstream runs it. The pipeline (CLI and web UI), the stage scripts
and the summaries all name stages from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from GPT_SoVITS.data_files.layout import NAME2SEMANTIC, NAME2TEXT, SSL_DIR, SV_DIR, WAV_DIR
from GPT_SoVITS.errors import ConfigError
from GPT_SoVITS.versions import get_version

SCRIPTS_DIR = Path("GPT_SoVITS/prepare_datasets")  # relative to the repository root


@dataclass(frozen=True)
class Stage:
    """One stage: `key` names its part files, `name` its lines in logs and failed.txt."""

    key: str
    number: int
    name: str
    runner: str  # "module:function" taking a StageEnv and returning a StageSummary
    output: str  # what it writes, for messages
    button: str  # the web UI's button label
    speaker_vectors: bool = False  # runs only for versions with speaker vectors (`versions.pro_versions`)

    @property
    def script(self) -> str:
        """The script's file name under `SCRIPTS_DIR` (upstream's)."""
        return f"{self.name}.py"


STAGES: dict[str, Stage] = {
    stage.key: stage
    for stage in (
        Stage("text", 1, "1-get-text", "GPT_SoVITS.prepare.text_stage:run_text_stage", NAME2TEXT, "1a"),
        Stage("ssl", 2, "2-get-hubert-wav32k", "GPT_SoVITS.prepare.ssl_stage:run_ssl_stage",
              f"{SSL_DIR}/ and {WAV_DIR}/", "1b"),
        Stage("sv", 2, "2-get-sv", "GPT_SoVITS.prepare.sv_stage:run_sv_stage", f"{SV_DIR}/", "1b", speaker_vectors=True),
        Stage("semantic", 3, "3-get-semantic", "GPT_SoVITS.prepare.semantic:run_semantic_stage", NAME2SEMANTIC, "1c"),
    )
}


def stage_keys(version: str | None = None) -> tuple[str, ...]:
    """The stages a `version` experiment runs, in order (v2: text, ssl, semantic; Pro: with sv after ssl)."""
    pro = get_version(version).speaker_vectors
    return tuple(key for key, stage in STAGES.items() if pro or not stage.speaker_vectors)


def get_stage(key: str) -> Stage:
    """The stage named `key` ("text", "ssl", "sv" or "semantic")."""
    try:
        return STAGES[key]
    except KeyError:
        raise ConfigError(f"unknown stage {key!r}; the stages are {', '.join(STAGES)}") from None
