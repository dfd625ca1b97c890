"""Thin entry point of the SoVITS trainer, run by the web UI from the repository root:

    python GPT_SoVITS/s2_train.py --config TEMP/tmp_s2.json

All logic lives in `GPT_SoVITS.s2`; this file only makes the package importable when run by path.
"""

import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from GPT_SoVITS.s2.cli import main

    sys.exit(main())
