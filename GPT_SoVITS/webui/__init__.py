"""The web UI's library: settings, input checks, config writing, subprocess jobs and the Gradio app.

`webui.py` at the repository root only parses the command line and calls `app.main`.
"""
