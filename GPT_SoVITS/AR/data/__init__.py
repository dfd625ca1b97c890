"""GPT training data: the name2text/name2semantic pairing, filters, bucketing and collate."""
