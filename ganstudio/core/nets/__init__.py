"""Generator and discriminator architectures, sized from the data shape."""

from ganstudio.core.nets.registry import (
    NetPair,
    build_discriminator,
    build_generator,
    build_nets,
    resolve_net_config,
)

__all__ = ["NetPair", "build_discriminator", "build_generator", "build_nets",
           "resolve_net_config"]
