"""Start the GPT-SoVITS-RU web UI: `python webui.py [--lang ru|en] [--listen] [--port 9874] [--root DIR]`.

Layout and callbacks live in `GPT_SoVITS/webui/`; this file only hands over the command line.
"""

import sys

if __name__ == "__main__":
    from GPT_SoVITS.webui.app import main

    sys.exit(main())
