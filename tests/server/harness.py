"""A project root with tiny seeded weights, references and a config, and the server started on it
as docs/api.md says: `python api_v2.py -a 127.0.0.1 -p PORT -c CONFIG` from the repository root.

Two weight pairs (seeds 0 and 1) so that concurrency across pairs is real. The tiny GPT's
`data.max_sec` is 1.2 s: random weights rarely emit EOS, so every piece stops at 30 tokens and
a request takes well under a second.
"""

from __future__ import annotations

import copy
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import torch
import yaml

from GPT_SoVITS import weights_compat as wc
from GPT_SoVITS.AR.models.t2s_model import build_text2semantic
from GPT_SoVITS.text.symbols import get_table
from tests.conftest import REPO_ROOT
from tests.inference.fixtures import RU_TABLE, save_tiny_hubert, save_tiny_sovits, tiny_gpt_config, write_reference

REF_TEXT = "Это тестовая запись голоса."
TEXT = "Привет! Как дела? Сегодня хорошая погода."
MAX_SEC = 1.2


def save_short_gpt(path: Path, seed: int) -> Path:
    """A tiny random GPT whose pieces end after MAX_SEC * 25 tokens."""
    table = get_table(RU_TABLE)
    torch.manual_seed(seed)
    config = copy.deepcopy(tiny_gpt_config(table))
    config["data"]["max_sec"] = MAX_SEC
    model = build_text2semantic(config, table)
    path.parent.mkdir(parents=True, exist_ok=True)
    wc.save_checkpoint(path, {f"model.{k}": v for k, v in model.state_dict().items()}, config=config,
                       info="GPT-e1", table=table)
    return path


@dataclass(frozen=True)
class Project:
    root: Path
    config: Path
    pairs: tuple[tuple[Path, Path], ...]
    hubert: Path
    reference: Path  # references/ref.wav
    outside: Path  # a real clip outside the allowed folders


def make_project(root: Path, **server) -> Project:
    """Weights, HuBERT, references and tts_infer.yaml under `root`; `server` adds to the server: section."""
    pairs = []
    for seed in (0, 1):
        gpt = save_short_gpt(root / "GPT_weights_v2" / f"voice{seed}-e1.ckpt", seed)
        sovits = root / "SoVITS_weights_v2" / f"voice{seed}_e1_s10.pth"
        sovits.parent.mkdir(parents=True, exist_ok=True)
        pairs.append((gpt, save_tiny_sovits(sovits, seed=seed)))
    hubert = save_tiny_hubert(root / "pretrained" / "chinese-hubert-base")
    (root / "references").mkdir(exist_ok=True)
    reference = write_reference(root / "references" / "ref.wav")
    write_reference(root / "references" / "aux.wav", seconds=3.5, seed=1)
    (root / "references" / "notes.wav").write_text("secret-content: not audio at all\n" * 50, encoding="utf-8")
    (root / "outside").mkdir(exist_ok=True)
    outside = write_reference(root / "outside" / "private.wav", seed=2)
    (root / "references" / "link.wav").symlink_to(outside)
    config = {
        "custom": {"t2s_weights_path": str(pairs[0][0]), "vits_weights_path": str(pairs[0][1]),
                   "cnhuhbert_base_path": str(hubert), "bert_base_path": "unused", "device": "cpu",
                   "is_half": False, "version": "v2"},
        "voices": {
            "anna": {"ref_audio_path": str(reference), "prompt_text": REF_TEXT, "prompt_lang": "ru", "top_k": 1,
                     "seed": 0, "text_lang": "ru"},
            "boris": {"ref_audio_path": str(reference), "prompt_text": REF_TEXT, "prompt_lang": "ru", "top_k": 1,
                      "seed": 0, "t2s_weights_path": str(pairs[1][0]), "vits_weights_path": str(pairs[1][1])},
        },
        "server": {"allowed_folders": [str(root / "references"), str(root / "GPT_weights_v2"),
                                       str(root / "SoVITS_weights_v2")], "max_text_chars": 2000, **server},
    }
    path = root / "tts_infer.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return Project(root, path, tuple(pairs), hubert, reference, outside)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`python api_v2.py -a 127.0.0.1 -p PORT -c CONFIG`, run from the repository root; log in a file."""

    def __init__(self, config: Path, log: Path, env: dict | None = None, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.command = [sys.executable, "api_v2.py", "-a", "127.0.0.1", "-p", str(self.port), "-c", str(config)]
        self._log_file = open(log, "wb")
        self.process = subprocess.Popen(self.command, cwd=REPO_ROOT, stdout=self._log_file, stderr=subprocess.STDOUT,
                                        env={**os.environ, "OMP_NUM_THREADS": "1", **(env or {})})

    def wait_ready(self, headers: dict | None = None, timeout: float = 120.0) -> "Server":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.log_text()}")
            try:
                if httpx.get(f"{self.url}/v1/models", headers=headers, timeout=2).status_code in (200, 401):
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the server did not answer within {timeout} s:\n{self.log_text()}")

    def log_text(self) -> str:
        self._log_file.flush()
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log_file.close()
