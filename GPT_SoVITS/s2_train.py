"""Thin entry point of the SoVITS trainer, run from the repository root like upstream's:

    python GPT_SoVITS/s2_train.py --config TEMP/tmp_s2.json                  # as the web UI starts it
    python GPT_SoVITS/s2_train.py --exp my_voice --epochs 8 --batch-size 4   # without the UI

All logic lives in `GPT_SoVITS.s2`; this file only makes the package importable when run by path.
"""

import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from GPT_SoVITS.s2.cli import main

    sys.exit(main())
