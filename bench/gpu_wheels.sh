#!/usr/bin/env bash
# Fetch, on this machine, the wheels the GPU check needs on the lent GPU machine (Python 3.12,
# x86-64, no network there; its image has torch, transformers, numpy, scipy, numba, scikit-learn,
# PyYAML, tqdm, safetensors, tensorboard but not the audio stack). They go to .whl/ (git-ignored),
# which a `run` call names in `carry`; bench/gpu_check.sh installs them there.
#   bash bench/gpu_wheels.sh             # audio decoding only (~2.3 MB): everything runs; the Russian
#                                        # frontend then uses its fallback stress rule, no number expansion
#   bash bench/gpu_wheels.sh --frontend  # also silero-stress, pymorphy3, ru-normalizr (~50 MB of the 64 MiB carry limit)
set -euo pipefail
cd "$(dirname "$0")/.."
AUDIO=(librosa==0.11.0 soundfile==0.14.0 soxr==1.1.0 audioread==3.1.0 decorator==5.3.1 cffi==2.1.1 pycparser==3.12
       pooch==1.9.0 platformdirs==4.14.9)
FRONTEND=(silero-stress==1.5 pymorphy3==2.0.6 pymorphy3-dicts-ru==2.4.417150.4580142 dawg2-python==0.9.0
          ru-normalizr==1.3.0 num2words==0.5.14 roman==5.2 phonenumberslite==9.0.42)
wanted=("${AUDIO[@]}")
if [ "${1:-}" = "--frontend" ]; then wanted+=("${FRONTEND[@]}"); fi
mkdir -p .whl
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 --platform manylinux1_x86_64 -d .whl "${wanted[@]}"
du -sh .whl
