"""The GPT (s1) stage: a text-to-semantic autoregressive transformer, its data and trainer.

Importing the package does no work; import the submodules you need.
"""
