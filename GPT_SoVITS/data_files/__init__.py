"""The experiment-folder formats: readers and writers of every file the stages and trainers share.

Below both `GPT_SoVITS.prepare` (which writes them) and the trainers (which read them); it
imports neither. `layout` names the files, one module per format, plus the one batch sampler
and data report the two trainers use.
"""
