"""Start-up settings of the web UI: command-line flags and environment, parsed once.

The working folders (`logs/`, `TEMP/`, `SoVITS_weights_<version>/`, `GPT_weights_<version>/`) live
under `root` (default: the repository root; `--root` / `GPT_SOVITS_ROOT`), so tests run in tmp.
The base training configs can be swapped (`--s2-config` / `--s1-config`, `--s2<version>-config`
for each version with speaker vectors, or the variables `GPT_SOVITS_S2_CONFIG`, `GPT_SOVITS_S1_CONFIG`,
`GPT_SOVITS_S2<VERSION>_CONFIG`) so tests train tiny models. Every weights folder is a version's
(`sovits_weights_for`, `gpt_weights_for`): there is no version-less one.

Every path a field or an endpoint of the UI accepts must resolve inside `UiSettings.folders`
(`GPT_SoVITS.confinement`): the root, the repository's pretrained-models folder and the folders
given with `--allow-dir` (or `GPT_SOVITS_ALLOW_DIRS`, separated by `os.pathsep`) at start-up.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from GPT_SoVITS.confinement import AllowedFolders
from GPT_SoVITS.errors import ConfigError
from GPT_SoVITS.pretrained import PRETRAINED_DIR, REPO_ROOT, pretrained_path
from GPT_SoVITS.versions import DEFAULT_VERSION, get_version, pro_versions
from GPT_SoVITS.i18n import resolve_lang

DEFAULT_PORT = 9874


@dataclass(frozen=True)
class UiSettings:
    """Where the UI works and how it is served."""

    root: Path
    s2_config: Path
    s1_config: Path
    lang: str = "en"
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    repo_root: Path = REPO_ROOT
    pro_s2_configs: tuple[tuple[str, Path], ...] = ()  # (version, base SoVITS config) given at start-up
    tts_max_pairs: int = 2  # synthesis: GPT + SoVITS pairs kept loaded (inference.ModelPool)
    cpu_precision: str = "fp32"  # synthesis: the GPT's format on the CPU (inference.precision)
    allowed_dirs: tuple[Path, ...] = ()  # --allow-dir: further folders the user lets the UI read and write

    @property
    def folders(self) -> AllowedFolders:
        """Where the UI's path fields may point: the root (first: relative paths start there), the
        repository's pretrained models (the default fields point there) and the `--allow-dir` folders."""
        return AllowedFolders.of([self.root, self.repo_root / PRETRAINED_DIR, *self.allowed_dirs], "the UI's folders")

    def s2_config_for(self, version: str) -> Path:
        """The base SoVITS config of `version`: `s2_config` for v2, the given or shipped configs/s2<version>.json else."""
        if version == DEFAULT_VERSION:
            return self.s2_config
        return dict(self.pro_s2_configs).get(version) or get_version(version).s2_config_path(self.repo_root)

    def sovits_weights_for(self, version: str) -> Path:
        return self.root / get_version(version).sovits_weights_dir

    def gpt_weights_for(self, version: str) -> Path:
        return self.root / get_version(version).gpt_weights_dir

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def temp_dir(self) -> Path:
        return self.root / "TEMP"

    def exp_dir(self, exp_name: str) -> Path:
        return self.logs_dir / exp_name

    def default_pretrained(self, key: str) -> Path:
        """A pretrained item under `root` when present there, else the repository's location."""
        under_root = pretrained_path(key, self.root)
        return under_root if under_root.exists() else pretrained_path(key, self.repo_root)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="GPT-SoVITS-RU web UI")
    parser.add_argument("--lang", choices=("en", "ru"), help="interface language (env GPT_SOVITS_UI_LANG)")
    parser.add_argument("--listen", action="store_true", help="bind 0.0.0.0 (the local network) instead of 127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--root", help="working folder for logs/, TEMP/ and weights (env GPT_SOVITS_ROOT)")
    parser.add_argument("--allow-dir", action="append", default=[], metavar="DIR",
                        help="a further folder the UI's path fields may use (repeatable; env GPT_SOVITS_ALLOW_DIRS, "
                             f"separated by {os.pathsep!r}); everything else outside --root is refused")
    parser.add_argument("--s2-config", help="base SoVITS config (env GPT_SOVITS_S2_CONFIG; default configs/s2.json)")
    parser.add_argument("--s1-config", help="base GPT config (env GPT_SOVITS_S1_CONFIG; default configs/s1longer-v2.yaml)")
    parser.add_argument("--tts-voices", type=int, default=2,
                        help="synthesis: GPT + SoVITS pairs kept loaded, least recently used dropped (default 2)")
    parser.add_argument("--cpu-precision", choices=("fp32", "bf16", "int8"), default="fp32",
                        help="synthesis on the CPU: the GPT's format (default fp32; see docs/benchmarks.md)")
    for version in pro_versions():
        parser.add_argument(f"--s2{version}-config", dest=f"s2_{version}",
                            help=f"base SoVITS config of {version} (env {_pro_env(version)}; default configs/s2{version}.json)")
    return parser


def _pro_env(version: str) -> str:
    return f"GPT_SOVITS_S2{version.upper()}_CONFIG"


def _existing_file(value: str, what: str) -> Path:
    path = Path(value).expanduser().resolve()
    if not path.is_file():
        raise ConfigError(f"{what}: file {path} not found")
    return path


def parse_settings(argv: Sequence[str] | None, environ: Mapping[str, str]) -> UiSettings:
    """Flags first, then the environment, then the defaults."""
    args = _parser().parse_args(argv)
    root = Path(args.root or environ.get("GPT_SOVITS_ROOT") or REPO_ROOT).expanduser().resolve()
    if root.exists() and not root.is_dir():
        raise ConfigError(f"--root {root}: not a folder")
    if not 0 < args.port < 65536:
        raise ConfigError(f"--port {args.port}: expected 1-65535")
    if args.tts_voices < 1:
        raise ConfigError(f"--tts-voices {args.tts_voices}: expected 1 or more")
    s2 = args.s2_config or environ.get("GPT_SOVITS_S2_CONFIG") or str(REPO_ROOT / "configs" / "s2.json")
    s1 = args.s1_config or environ.get("GPT_SOVITS_S1_CONFIG") or str(REPO_ROOT / "configs" / "s1longer-v2.yaml")
    return UiSettings(
        root=root,
        s2_config=_existing_file(s2, "--s2-config"),
        s1_config=_existing_file(s1, "--s1-config"),
        pro_s2_configs=_pro_configs(args, environ),
        allowed_dirs=_allowed_dirs(args.allow_dir, environ),
        lang=resolve_lang(args.lang, environ),
        host="0.0.0.0" if args.listen else "127.0.0.1",
        port=args.port,
        tts_max_pairs=args.tts_voices,
        cpu_precision=args.cpu_precision,
    )


def _allowed_dirs(flags: Sequence[str], environ: Mapping[str, str]) -> tuple[Path, ...]:
    """`--allow-dir` folders, then those of `GPT_SOVITS_ALLOW_DIRS`; each must be an existing folder."""
    values = [*flags, *(part for part in environ.get("GPT_SOVITS_ALLOW_DIRS", "").split(os.pathsep) if part.strip())]
    folders = []
    for value in values:
        folder = Path(value.strip()).expanduser().resolve()
        if not folder.is_dir():
            raise ConfigError(f"--allow-dir {value}: not an existing folder")
        if folder == Path(folder.anchor):
            raise ConfigError(f"--allow-dir {value}: the whole disk cannot be allowed; name a folder")
        folders.append(folder)
    return tuple(folders)


def _pro_configs(args: argparse.Namespace, environ: Mapping[str, str]) -> tuple[tuple[str, Path], ...]:
    found = []
    for version in pro_versions():
        value = getattr(args, f"s2_{version}") or environ.get(_pro_env(version))
        if value:
            found.append((version, _existing_file(value, f"--s2{version}-config")))
    return tuple(found)


def cuda_available() -> bool:
    """Whether torch sees a CUDA device (the UI then offers GPUs and half precision)."""
    import torch

    return torch.cuda.is_available()


def environ_copy() -> dict[str, str]:
    """The UI's environment for a child process, with unbuffered output for live status."""
    return {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8"}
