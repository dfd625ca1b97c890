"""Tests of GPT_SoVITS.prepare (stages, merge, pipeline)."""
