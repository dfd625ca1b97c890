"""The synthesis tab's calls into `GPT_SoVITS.inference`: list exported weights, synthesise.

Inference is imported lazily so the UI starts (and the other tabs work) even before any
weights exist; the models stay cached in `inference.service` while the same files are chosen.
The form's batch size and split method reach `SynthesisParams` (`batch_size`,
`text_split_method`); the audio goes to the player as int16 at the model's level, the samples the CLI writes
(`inference.output`); Gradio would peak-normalise float audio.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from GPT_SoVITS.confinement import AllowedFolders
from GPT_SoVITS.webui import checks
from GPT_SoVITS.i18n import UiError, translator
from GPT_SoVITS.webui.settings import UiSettings


@dataclass(frozen=True)
class SynthesisForm:
    """The synthesis tab's fields, as Gradio hands them over."""

    gpt_path: str
    sovits_path: str
    hubert_dir: str
    ref_audio: str | None
    ref_text: str
    ref_lang: str
    text: str
    lang: str
    top_k: float
    top_p: float
    temperature: float
    repetition_penalty: float
    speed: float
    seed: float
    max_new_tokens: float = 0  # 0: the GPT's own limit
    normalize: bool = False  # peak at -1 dBFS, as `synthesize --normalize`
    latin: str = "english"  # Latin words in Russian text: English phones or "translit", as `synthesize --latin`
    batch_size: float = 1  # pieces per GPT batch
    split_method: str = "cut3"  # cut0..cut5 (inference.params.DEFAULT_SPLIT_METHOD, not imported: lazy inference)


def weight_choices(settings: UiSettings) -> tuple[list[str], list[str]]:
    """Exported GPT and SoVITS weights under the UI's root, newest last (as listed)."""
    from GPT_SoVITS.inference import list_weights

    gpt, sovits = list_weights(settings.root)
    return [str(path) for path in gpt], [str(path) for path in sovits]


def reference_folders(settings: UiSettings) -> AllowedFolders:
    """The UI's folders plus Gradio's upload folder, where the reference player puts an uploaded clip."""
    from gradio.utils import get_upload_folder

    return AllowedFolders.of([*settings.folders.roots, get_upload_folder()], settings.folders.label)


def synthesize_form(settings: UiSettings, form: SynthesisForm) -> tuple[tuple[int, np.ndarray], str]:
    """Check the form, synthesise, and return ((rate, int16 audio), status line)."""
    from GPT_SoVITS.inference import SynthesisParams, get_tts
    from GPT_SoVITS.inference.output import output_pcm16

    root = settings.folders
    gpt = checks.check_file(form.gpt_path, "f_gpt_weights", root)
    sovits = checks.check_file(form.sovits_path, "f_sovits_weights", root)
    hubert = checks.check_dir(form.hubert_dir, "f_hubert_dir", root)
    if not form.ref_audio:
        raise UiError("err_no_reference")
    ref = checks.check_file(form.ref_audio, "f_reference", reference_folders(settings))
    seed = None if form.seed is None or int(form.seed) < 0 else int(form.seed)
    max_new = int(form.max_new_tokens or 0)
    params = SynthesisParams(
        top_k=checks.check_positive_int(form.top_k, "top_k"), top_p=float(form.top_p),
        temperature=float(form.temperature), repetition_penalty=float(form.repetition_penalty),
        speed=float(form.speed), seed=seed, max_new_tokens=max_new if max_new > 0 else None,
        latin=form.latin or "english",
        batch_size=checks.check_positive_int(form.batch_size, "batch_size"), text_split_method=form.split_method,
    )
    tts = get_tts(gpt, sovits, hubert, sv_path=settings.default_pretrained("sv"),  # used by Pro files
                  cpu_precision=settings.cpu_precision, max_pairs=settings.tts_max_pairs)
    result = tts.synthesize(ref, form.ref_text, form.text, language=form.lang, ref_language=form.ref_lang,
                            params=params)
    status = translator(settings.lang)("tts_done").format(
        duration=result.duration, pieces=len(result.pieces), tokens=result.tokens, seed=result.seed,
        rtf=result.real_time_factor, gpt=Path(gpt).name, sovits=Path(sovits).name)
    return (result.sample_rate, output_pcm16(result.audio, bool(form.normalize))), status
