"""Russian text frontend: normalisation, stress, rule-based G2P and the `ru_*` phone inventory.

`frontend.clean` is what `clean_text(text, "ru")` calls; `stress.accentuate` marks stress.
"""
