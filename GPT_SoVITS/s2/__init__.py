"""The SoVITS (s2) trainer: experiment-folder data, the GAN training loop, resume and export.

The model itself lives in `GPT_SoVITS.module`; this package only trains it.
"""
