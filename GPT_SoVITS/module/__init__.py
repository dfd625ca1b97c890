"""The SoVITS (s2) model: generator, discriminator, quantizer, spectrograms, losses, config."""
