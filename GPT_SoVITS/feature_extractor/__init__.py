"""Self-supervised speech feature extractors (chinese-hubert-base) shared by stage 2 and synthesis."""
