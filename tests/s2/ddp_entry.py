"""`s2_train.py` for the torchrun test, with a one-period discriminator to keep CPU steps short.

Everything else (option parsing, process group, DDP wrapping, sampler split, saving) is the real
entry point's code path.
"""

import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from GPT_SoVITS.module.discriminators import MultiPeriodDiscriminator
    from GPT_SoVITS.s2 import trainer
    from GPT_SoVITS.s2.cli import main

    trainer.build_discriminator = lambda config: MultiPeriodDiscriminator(periods=(2,))
    sys.exit(main())
