"""Text-to-semantic models (upstream path `AR/models/t2s_model.py` kept for familiarity)."""
