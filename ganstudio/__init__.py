"""GAN Studio: train, watch and understand generative adversarial networks."""

__version__ = "0.1.0"
