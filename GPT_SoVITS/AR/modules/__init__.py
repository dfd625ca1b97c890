"""Building blocks of the GPT: token/position embeddings and the transformer stack."""
