"""Audio samples of the GPT trainer: its tokens rendered through a SoVITS export.

The GPT package knows no SoVITS loading or synthesis (`AR/` sits below `inference/`), so the
GPT trainer's caller (`s1_train.py`, through `AR.cli.main`) hands it `render_gpt_sample`, which
builds the SoVITS export through the one loader (`model_files`) and decodes with the
reference spectrogram of `inference.reference`. Without it the trainer logs the tokens only.
"""

from __future__ import annotations

from pathlib import Path

import torch

from GPT_SoVITS.AR.data.dataset import Utterance
from GPT_SoVITS.data_files.features import read_wav32k
from GPT_SoVITS.data_files.layout import sv_path
from GPT_SoVITS.data_files.sv_vectors import read_sv_vector
from GPT_SoVITS.errors import CheckpointError
from GPT_SoVITS.inference.reference import reference_spectrogram
from GPT_SoVITS.model_files import load_sovits
from GPT_SoVITS.text.symbols import SymbolTable

SAMPLE_SEED = 0  # SoVITS draws its prior noise from this seed, so samples differ only by the weights
NOISE_SCALE = 0.5  # the synthesis default


@torch.no_grad()
def render_gpt_sample(sovits_path: Path, tokens: torch.Tensor, utterance: Utterance, wav_path: Path,
                      table: SymbolTable, device: torch.device) -> tuple[torch.Tensor, int]:
    """(audio [S], sampling rate): `tokens` decoded by the SoVITS export at `sovits_path` with the
    utterance's phones and its recording (`wav_path`, `5-wav32k/<name>`) as the timbre reference; a
    SoVITS with speaker vectors also takes the utterance's `7-sv_cn/<name>.pt` next to it.

    Raises `GptSovitsError` (file, table or audio problems) for the caller to report.
    """
    sovits = load_sovits(sovits_path, device)
    if sovits.table != table:
        raise CheckpointError(f"{sovits_path}: SoVITS table {sovits.table.name!r} is not the GPT's {table.name!r}")
    data = sovits.config.data
    spec = reference_spectrogram(read_wav32k(wav_path, data.sampling_rate).numpy(), data).to(device)
    phones = torch.tensor(utterance.phone_ids, dtype=torch.long, device=device).unsqueeze(0)
    sv = None
    if sovits.needs_speaker_vector:  # the utterance's own vector from stage 2-get-sv, as the SoVITS trainer's samples
        sv = read_sv_vector(sv_path(wav_path.parent.parent, utterance.name)).to(device).unsqueeze(0)
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(SAMPLE_SEED)
        audio = sovits.model.decode(tokens.to(device).view(1, 1, -1), phones, spec, noise_scale=NOISE_SCALE, sv_emb=sv)
    return audio.reshape(-1).float().cpu(), int(data.sampling_rate)
