"""The GPU check's steps (`bench/gpu_check.py`): inputs, stages, training, torchrun, synthesis and
the stage benchmarks on a CUDA device, each isolated and recorded in one report. Not a library.
"""
