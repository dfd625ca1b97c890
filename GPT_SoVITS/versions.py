"""The model versions this project prepares, trains and synthesises: v2, v2Pro and v2ProPlus.

Per version: its base SoVITS config, its pretrained files (keys of `pretrained.PRETRAINED`),
its export folders, and whether it needs speaker vectors (stage 2-get-sv). The `--version`
flags, the dataset pipeline and the web UI's version choice read this table; the models only
ask `is_pro_version`. It loads nothing and imports no model code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from GPT_SoVITS.errors import ConfigError
from GPT_SoVITS.pretrained import REPO_ROOT

PRO_VERSIONS = ("v2Pro", "v2ProPlus")  # v2 plus a speaker-verification vector in the style
DEFAULT_VERSION = "v2"
# Upstream families with another architecture (v3/v4: a different decoder) or table (v1): named in errors.
OTHER_FAMILIES = ("v1", "v3", "v4")


def is_pro_version(version: str | None) -> bool:
    """Whether `version` names a v2Pro-family model (speaker vector in the style, stage 2-get-sv)."""
    return version in PRO_VERSIONS


@dataclass(frozen=True)
class ModelVersion:
    """One version: `s2_config` is relative to the repository root, the rest are PRETRAINED keys."""

    name: str
    s2_config: str
    s2G: str
    s2D: str
    s1: str

    @property
    def speaker_vectors(self) -> bool:
        """Whether its SoVITS model takes a speaker vector (7-sv_cn in training, sv encoder at synthesis)."""
        return is_pro_version(self.name)

    @property
    def sovits_weights_dir(self) -> str:
        return f"SoVITS_weights_{self.name}"

    @property
    def gpt_weights_dir(self) -> str:
        return f"GPT_weights_{self.name}"

    def s2_config_path(self, root: str | Path | None = None) -> Path:
        return Path(root or REPO_ROOT) / self.s2_config

    @property
    def pretrained_keys(self) -> tuple[str, ...]:
        """Every pretrained item a whole run (stages, both trainers, synthesis) of this version uses."""
        return ("cnhubert", self.s2G, self.s2D, self.s1, *(("sv",) if self.speaker_vectors else ()))


VERSIONS: dict[str, ModelVersion] = {
    version.name: version
    for version in (
        ModelVersion("v2", "configs/s2.json", "s2G", "s2D", "s1"),
        # Upstream's GPT for both Pro versions is s1v3.ckpt (v2's GPT layout, trained with s1longer-v2.yaml).
        ModelVersion("v2Pro", "configs/s2v2Pro.json", "s2G_v2Pro", "s2D_v2Pro", "s1v3"),
        ModelVersion("v2ProPlus", "configs/s2v2ProPlus.json", "s2G_v2ProPlus", "s2D_v2ProPlus", "s1v3"),
    )
}


def get_version(name: str | None) -> ModelVersion:
    """The version named `name` (None: the default, v2); `ConfigError` naming the choices otherwise."""
    name = (name or DEFAULT_VERSION).strip()
    if name in VERSIONS:
        return VERSIONS[name]
    choices = ", ".join(VERSIONS)
    if name in OTHER_FAMILIES:
        raise ConfigError(f"version {name!r} is not supported: GPT-SoVITS-RU trains and synthesises {choices} "
                          f"(v1 predates the v2 symbol table; upstream's v3/v4 are another architecture)")
    raise ConfigError(f"unknown version {name!r}; choose one of {choices}")
