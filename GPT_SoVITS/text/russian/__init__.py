"""Russian text frontend: normalisation, stress, rule-based G2P and the `ru_*` phone inventory.

`frontend.clean` is what `clean_text(text, "ru")` calls; `accentuate` marks stress.
"""

from GPT_SoVITS.text.russian.stress import accentuate

__all__ = ["accentuate"]
