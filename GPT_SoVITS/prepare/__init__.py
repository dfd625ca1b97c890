"""Dataset preparation: the importable logic behind the three stage scripts and the pipeline."""
