"""Stage 2-get-sv (Pro versions) as the web UI runs it: `python GPT_SoVITS/prepare_datasets/2-get-sv.py` with
the stage environment variables (see GPT_SoVITS/prepare/stage_env.py; `sv_path` names the speaker encoder).
Logic: prepare/sv_stage.py."""

import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run by path from the repo root
    from GPT_SoVITS.prepare.stage_script import run_stage_script

    sys.exit(run_stage_script("sv"))
