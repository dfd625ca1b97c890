"""GPT-SoVITS-RU: the GPT-SoVITS v2 voice-cloning pipeline with Russian end to end.

Importing the package does no work: no environment reads, no model loads.
"""

__version__ = "0.1.0"

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent  # the checkout: configs/, pretrained_models/ defaults
