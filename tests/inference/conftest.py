"""Session-wide tiny synthesis files (built once: models and HuBERT are the slow part)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.inference.fixtures import save_tiny_gpt, save_tiny_hubert, save_tiny_sovits, write_reference


@dataclass(frozen=True)
class TinyVoice:
    gpt: Path
    sovits: Path
    hubert: Path
    reference: Path


@pytest.fixture(scope="session")
def tiny_voice(tmp_path_factory) -> TinyVoice:
    root = tmp_path_factory.mktemp("voice")
    return TinyVoice(
        gpt=save_tiny_gpt(root / "GPT_weights_v2" / "tiny-e1.ckpt"),
        sovits=save_tiny_sovits(root / "SoVITS_weights_v2" / "tiny_e1_s10.pth"),
        hubert=save_tiny_hubert(root / "chinese-hubert-base"),
        reference=write_reference(root / "ref.wav"),
    )


@pytest.fixture(scope="session")
def tiny_tts(tiny_voice):
    from GPT_SoVITS.inference import TTS

    return TTS.from_files(tiny_voice.gpt, tiny_voice.sovits, tiny_voice.hubert, device="cpu")
