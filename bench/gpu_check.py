"""One prepared GPU check: every CUDA path of the project and the GPU benchmarks in one run.

    python3 bench/gpu_check.py OUT_DIR                        # on a GPU machine, under 8 minutes
    python3 bench/gpu_check.py OUT_DIR --device cpu --tiny    # dry run of every step on a CPU
    python3 bench/gpu_check.py OUT_DIR --steps stages,synthesis --budget-s 300

Without a GPU (and without --device cpu) it says so in one line and exits 0. It exits 1 only for
a correctness failure (a check that does not hold, or a step that crashed), never for a slow
figure. docs/benchmarks.md ("GPU check") says how to run it on a lent machine; the steps live in
`bench/gpucheck/`.
"""

import sys
from pathlib import Path

# Run by path: import GPT_SoVITS and bench from the repository root, not from bench/.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench.gpucheck.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
