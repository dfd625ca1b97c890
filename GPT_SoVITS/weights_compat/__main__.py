"""`python -m GPT_SoVITS.weights_compat inspect|convert ...` (see `cli`)."""

import sys

from GPT_SoVITS.weights_compat.cli import main

sys.exit(main())
