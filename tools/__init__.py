"""User tools kept here as upstream keeps them: pretrained download, slicing, ASR, proofreading, reports.

Each tool is an importable module with a command line (`python -m tools.<name>`); the web UI's
first tab calls the same functions. `tools/download_pretrained.py` also runs by path.
"""
