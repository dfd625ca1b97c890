"""The model versions this project prepares, trains and synthesises, in one table: `VERSIONS`.

"Pro versions" (in texts across the project) are the rows with `speaker_vectors`: their SoVITS
takes a speaker vector from the sv encoder (stage 2-get-sv in training).

Every fact that differs between versions is a field of its row: the base SoVITS config, the
pretrained files (keys and places of `pretrained.PRETRAINED`, which is built from these rows),
the export folders, whether it needs speaker vectors (stage 2-get-sv), the version bytes upstream
writes over its exports' `PK`, what in a generator's weights tells it apart, and the
discriminator's periods. The `--version` flags, the dataset pipeline, the web UI's choice,
weights_compat's identification and every error that lists versions read this table at call
time, so a new version is one row here plus its config and manifests. It loads nothing and
imports no model code; it sits below every package.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from GPT_SoVITS import REPO_ROOT
from GPT_SoVITS.errors import ConfigError

DEFAULT_VERSION = "v2"
# Upstream families with another architecture (v3/v4: a different decoder) or table (v1): named in errors.
OTHER_FAMILIES = ("v1", "v3", "v4")
# Families whose files are read (identified, converted, used by stage 3 and synthesis) but never trained here.
READ_ONLY_FAMILIES = ("v1",)
# Upstream's version bytes of the families that are no row here (V2PRO_NOTES §5); rows add their own.
OTHER_MARKERS = {b"00": "v1", b"01": "v2", b"02": "v3", b"03": "v3", b"04": "v4"}
V2_PERIODS = (2, 3, 5, 7, 11)  # the multi-period discriminator's periods of v2 (after its scale one)


@dataclass(frozen=True)
class ModelVersion:
    """One version. `s2G`, `s2D`, `s1` are PRETRAINED keys; `hub_files` maps each of them to its path
    in upstream's Hugging Face repository (and under pretrained_models/)."""

    name: str
    s2_config: str  # relative to the repository root
    s2G: str
    s2D: str
    s1: str
    hub_files: tuple[tuple[str, str], ...]
    speaker_vectors: bool = False  # its SoVITS takes a speaker vector (7-sv_cn in training, sv encoder at synthesis)
    marker: bytes | None = None  # the two bytes upstream's export writes over the zip's `PK` (None: plain zip)
    # (first upsampling kernel, decoder input channels) when its generator's decoder differs from
    # the others of its kind (with or without speaker vectors); None: the common decoder.
    decoder: tuple[int, int] | None = None
    disc_periods: tuple[int, ...] = V2_PERIODS

    @property
    def sovits_weights_dir(self) -> str:
        return f"SoVITS_weights_{self.name}"

    @property
    def gpt_weights_dir(self) -> str:
        return f"GPT_weights_{self.name}"

    @property
    def sovits_logs_dir(self) -> str:
        """The SoVITS trainer's state folder in the experiment (upstream's name)."""
        return f"logs_s2_{self.name}"

    @property
    def gpt_logs_dir(self) -> str:
        """The GPT trainer's log and state folder in the experiment (upstream's name)."""
        return f"logs_s1_{self.name}"

    def s2_config_path(self, root: str | Path | None = None) -> Path:
        return Path(root or REPO_ROOT) / self.s2_config

    @property
    def pretrained_keys(self) -> tuple[str, ...]:
        """Every pretrained item a whole run (stages, both trainers, synthesis) of this version uses."""
        return ("cnhubert", self.s2G, self.s2D, self.s1, *(("sv",) if self.speaker_vectors else ()))


_PRO_PERIODS = (*V2_PERIODS, 17, 23)
_PRO_GPT = ("s1v3", "s1v3.ckpt")  # upstream's GPT of both Pro versions (v2's layout, trained with s1longer-v2.yaml)

VERSIONS: dict[str, ModelVersion] = {
    version.name: version
    for version in (
        ModelVersion("v2", "configs/s2.json", "s2G", "s2D", "s1", (
            ("s2G", "gsv-v2final-pretrained/s2G2333k.pth"), ("s2D", "gsv-v2final-pretrained/s2D2333k.pth"),
            ("s1", "gsv-v2final-pretrained/s1bert25hz-5kh-longer-epoch=12-step=369668.ckpt"))),
        ModelVersion("v2Pro", "configs/s2v2Pro.json", "s2G_v2Pro", "s2D_v2Pro", "s1v3", (
            ("s2G_v2Pro", "v2Pro/s2Gv2Pro.pth"), ("s2D_v2Pro", "v2Pro/s2Dv2Pro.pth"), _PRO_GPT),
            speaker_vectors=True, marker=b"05", disc_periods=_PRO_PERIODS),
        ModelVersion("v2ProPlus", "configs/s2v2ProPlus.json", "s2G_v2ProPlus", "s2D_v2ProPlus", "s1v3", (
            ("s2G_v2ProPlus", "v2Pro/s2Gv2ProPlus.pth"), ("s2D_v2ProPlus", "v2Pro/s2Dv2ProPlus.pth"), _PRO_GPT),
            speaker_vectors=True, marker=b"06", decoder=(20, 768), disc_periods=_PRO_PERIODS),
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


def is_pro_version(version: str | None) -> bool:
    """Whether `version` names a version whose SoVITS takes a speaker vector (stage 2-get-sv)."""
    row = VERSIONS.get(version or "")
    return row is not None and row.speaker_vectors


def pro_versions() -> tuple[str, ...]:
    """The versions with speaker vectors, in table order."""
    return tuple(name for name, row in VERSIONS.items() if row.speaker_vectors)


def loadable_families() -> tuple[str, ...]:
    """Every family whose SoVITS files load here: the read-only ones, then the table's versions."""
    return (*READ_ONLY_FAMILIES, *VERSIONS)


def version_markers() -> dict[bytes, str]:
    """Upstream's lookup of the two bytes over a zip's `PK`: every family it has written there."""
    return {**OTHER_MARKERS, **{row.marker: name for name, row in VERSIONS.items() if row.marker}}


def written_markers() -> dict[str, bytes]:
    """Version -> the bytes upstream's export writes for it (only versions whose exports are marked)."""
    return {name: row.marker for name, row in VERSIONS.items() if row.marker}


def discriminator_periods(version: str | None) -> tuple[int, ...]:
    """The periods of `version`'s multi-period discriminator (the default version's for read-only families)."""
    return VERSIONS.get(version or "", VERSIONS[DEFAULT_VERSION]).disc_periods


def listed(names: tuple[str, ...] | list[str], last: str = "or") -> str:
    """Names for a sentence: "v2, v2Pro or v2ProPlus"."""
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {last} {names[-1]}"


def versions_text(last: str = "or") -> str:
    """The table's versions for an error or help text: "v2, v2Pro or v2ProPlus"."""
    return listed(list(VERSIONS), last)


def pro_text() -> str:
    """The speaker-vector versions for a text: "v2Pro/v2ProPlus"."""
    return "/".join(pro_versions())
