"""English text frontend: normalisation, CMU dictionary + unknown-word model G2P into v2's ARPAbet.

`frontend.clean` is what `clean_text(text, "en")` calls; `g2p.word_phones` reads one word and
is also used for the Latin runs of Russian text (`text/mixed.py`).
"""
