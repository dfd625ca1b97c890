"""Where the user-supplied pretrained weights live, and the message shown when they are missing.

The pipeline, the stages, the trainers and the web UI check these paths before any work and
print `missing_pretrained_message()`; `tools/download_pretrained.py` fetches them when online.
This module never downloads anything.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from GPT_SoVITS import REPO_ROOT
from GPT_SoVITS.versions import VERSIONS, pro_text

PRETRAINED_DIR = Path("GPT_SoVITS/pretrained_models")
HF_REPO = "lj1995/GPT-SoVITS"


@dataclass(frozen=True)
class PretrainedItem:
    """One pretrained file or folder: its key, its path (relative to the repo root), its files."""

    key: str
    path: Path
    hub_files: tuple[str, ...]  # paths inside HF_REPO; folder items list each needed file
    description: str
    is_folder: bool = False


_ROLES = {  # what each of a version's pretrained files is, and what uses it
    "s2G": "SoVITS {} generator (stage 3, SoVITS training)",
    "s2D": "SoVITS {} discriminator (SoVITS training)",
    "s1": "GPT of {} (GPT training)",
}


def _version_items() -> list[PretrainedItem]:
    """Each version's s2G, s2D and s1 files from the version table; a file several versions share
    (upstream's s1v3.ckpt) is one item naming all of them."""
    users: dict[str, list[str]] = {}
    places: dict[str, tuple[str, str]] = {}
    for version in VERSIONS.values():
        roles = {version.s2G: "s2G", version.s2D: "s2D", version.s1: "s1"}
        for key, hub_file in version.hub_files:
            users.setdefault(key, []).append(version.name)
            places[key] = (hub_file, roles[key])
    return [PretrainedItem(key, PRETRAINED_DIR / hub_file, (hub_file,), _ROLES[role].format("/".join(users[key])))
            for key, (hub_file, role) in places.items()]


PRETRAINED = {
    item.key: item
    for item in (
        PretrainedItem(
            "cnhubert",
            PRETRAINED_DIR / "chinese-hubert-base",
            ("chinese-hubert-base/config.json", "chinese-hubert-base/pytorch_model.bin"),
            "HuBERT SSL model (stage 2 and synthesis)",
            is_folder=True,
        ),
        *_version_items(),
        PretrainedItem(
            "sv",
            PRETRAINED_DIR / "sv" / "pretrained_eres2netv2w24s4ep4.ckpt",
            ("sv/pretrained_eres2netv2w24s4ep4.ckpt",),
            f"speaker encoder of {pro_text()} (stage 2-get-sv, synthesis)",
        ),
    )
}


def pretrained_path(key: str, root: str | os.PathLike | None = None) -> Path:
    """Absolute default path of a pretrained item (`cnhubert`, `s2G`, `s2D`, `s1`, `sv`, ...: keys of PRETRAINED)."""
    return Path(root or REPO_ROOT) / PRETRAINED[key].path


def is_present(key: str, path: str | os.PathLike | None = None) -> bool:
    """Whether the item exists at `path` (default location if None); folders need their files."""
    item = PRETRAINED[key]
    path = Path(path) if path else pretrained_path(key)
    if not item.is_folder:
        return path.is_file()
    has_weights = (path / "pytorch_model.bin").is_file() or (path / "model.safetensors").is_file()
    return (path / "config.json").is_file() and has_weights


def missing_pretrained(paths: dict[str, str | os.PathLike | None]) -> dict[str, Path]:
    """The items of `paths` (key -> path, None for the default) that are not present."""
    missing = {}
    for key, path in paths.items():
        if not is_present(key, path):
            missing[key] = Path(path) if path else pretrained_path(key)
    return missing


def missing_pretrained_message(missing: dict[str, Path] | None = None) -> str:
    """A multi-line message naming each missing item, where it goes and how to fetch it.

    With `missing=None` it describes every item (for help texts).
    """
    if missing is None:
        missing = {key: pretrained_path(key) for key in PRETRAINED}
    lines = ["Pretrained weights are missing:"]
    for key, path in missing.items():
        item = PRETRAINED[key]
        kind = "folder" if item.is_folder else "file"
        lines.append(f"  - {item.description}: {kind} {path}")
        if Path(path).resolve() != pretrained_path(key).resolve():
            lines.append(f"      (default location: {item.path})")
    only = " --only " + " ".join(missing) if set(missing) != set(PRETRAINED) else ""
    lines.append(
        f"Fetch them once while online with `python tools/download_pretrained.py{only}` (from the Hugging Face "
        f"repository {HF_REPO}), or copy them there by hand; see docs/dataset.md."
    )
    return "\n".join(lines)
