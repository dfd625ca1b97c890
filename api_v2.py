"""HTTP API, started as upstream's: `python api_v2.py -a 127.0.0.1 -p 9880 -c GPT_SoVITS/configs/tts_infer.yaml`.

Routes, config and options: docs/api.md; the code: GPT_SoVITS/server/.
"""

import sys

from GPT_SoVITS.server.cli import main

if __name__ == "__main__":
    sys.exit(main())
