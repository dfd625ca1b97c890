"""Train the GPT (s1), run from the repository root like upstream's:

    python GPT_SoVITS/s1_train.py --config_file TEMP/tmp_s1.yaml             # as the web UI starts it
    python GPT_SoVITS/s1_train.py --exp my_voice --epochs 15 --batch-size 8  # without the UI

All logic lives in `GPT_SoVITS.AR.cli` and `GPT_SoVITS.AR.train`; this file only makes the package
importable when run by path and hands the trainer the SoVITS renderer of its samples (above `AR/`).
"""

import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from GPT_SoVITS.AR.cli import main
    from GPT_SoVITS.training_samples import render_gpt_sample

    sys.exit(main(render_sample=render_gpt_sample))
