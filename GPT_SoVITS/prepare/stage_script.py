"""The body shared by the stage scripts in `GPT_SoVITS/prepare_datasets/`.

Each script only names its stage; this reads the UI's environment, applies the GPU choice
before torch can initialise CUDA, runs the stage, prints its summary line and turns our
errors into one logged line and exit code 1 (no traceback for a user mistake).
"""

from __future__ import annotations

import importlib
import logging


def run_stage_script(key: str) -> int:
    """Run the stage `key` ("text", "ssl", "sv" or "semantic" of `prepare.stages.STAGES`) as its script does."""
    from GPT_SoVITS.errors import GptSovitsError
    from GPT_SoVITS.logging_setup import setup_logging
    from GPT_SoVITS.prepare.stage_env import StageEnv
    from GPT_SoVITS.prepare.stages import get_stage

    setup_logging()
    stage = get_stage(key)
    try:
        env = StageEnv.from_environ()
        env.apply_cuda_devices()  # before the stage module imports torch
        module_name, _, function_name = stage.runner.partition(":")
        summary = getattr(importlib.import_module(module_name), function_name)(env)
    except GptSovitsError as error:
        logging.getLogger(stage.name).error("%s", error)
        return 1
    print(summary.line())
    return 0
