"""The training configs the UI writes: `TEMP/tmp_s2.json` and `TEMP/tmp_s1.yaml`.

Built by the same functions as the trainers' `--exp` flags (`s2.options.build_s2_config`,
`AR.train_config.build_s1_config`): the base configs (`configs/s2.json`, `configs/s1longer-v2.yaml`)
plus the user's choices, under upstream's key names. Paths are written absolute (under the UI's
root), so the trainers do not depend on their working folder.
"""

from __future__ import annotations

from pathlib import Path

from GPT_SoVITS.AR.train_config import GPTChoices, build_s1_config, s1_config_text
from GPT_SoVITS.atomic import write_text_atomic
from GPT_SoVITS.config_files import read_s1_config, read_s2_config
from GPT_SoVITS.s2.options import SoVITSChoices, build_s2_config, s2_config_text
from GPT_SoVITS.versions import DEFAULT_VERSION, get_version

__all__ = ["GPTChoices", "SoVITSChoices", "TMP_S1", "TMP_S2", "write_s1_config", "write_s2_config"]

TMP_S2 = "tmp_s2.json"
TMP_S1 = "tmp_s1.yaml"


def write_s2_config(base_path: Path, choices: SoVITSChoices, root: Path, cuda: bool, version: str = DEFAULT_VERSION) -> Path:
    """Write `<root>/TEMP/tmp_s2.json` atomically and return its path; `base_path` is the version's base config."""
    config = build_s2_config(read_s2_config(base_path), choices, root / "logs", root / get_version(version).sovits_weights_dir,
                             cuda, version)
    path = root / "TEMP" / TMP_S2
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, s2_config_text(config))
    return path


def write_s1_config(base_path: Path, choices: GPTChoices, root: Path, cuda: bool, version: str = DEFAULT_VERSION) -> Path:
    """Write `<root>/TEMP/tmp_s1.yaml` atomically and return its path (the GPT is the same model in every version)."""
    config = build_s1_config(read_s1_config(base_path), choices, root / "logs", root / get_version(version).gpt_weights_dir,
                             cuda, version)
    path = root / "TEMP" / TMP_S1
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, s1_config_text(config))
    return path
