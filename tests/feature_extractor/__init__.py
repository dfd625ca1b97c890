"""Tests of GPT_SoVITS.feature_extractor."""
