"""How much memory a training run will need, estimated before any network is built.

Width, depth, filters, image size and batch can each be in range and together need more memory
than the machine has; TensorFlow would then be killed by the system, or fail deep inside a
step. The estimate counts the parameters of G and D from the resolved net settings (the same
layer plan `mlp.py` and `conv.py` build), times what training keeps per parameter (weights,
gradients, two Adam slots, the generator's EMA), plus the activations one step keeps for the
backward pass. It is meant to be within a factor of about two, enough to refuse a run that
needs several times the memory there is; `tests/unit/test_memory_estimate.py` checks the
parameter count against Keras.
"""

from __future__ import annotations

import math
import os

from ganstudio.config import NetConfig
from ganstudio.core.nets.conv import MAX_FILTER_MULT, plan_resolutions
from ganstudio.errors import ConfigError

__all__ = ["available_memory", "check_training_memory", "estimate_params",
           "estimate_training_bytes"]

FLOAT_BYTES = 4
COPIES_PER_PARAM = 5  # weights, gradients, Adam's two slots, the generator's EMA
KEPT_PER_ACTIVATION = 3  # a layer's output, its normalization and activation, for backward
PASSES = 4  # D on real and on fake, G's forward in D's step and in its own


def _filters(filters: int, level: int) -> int:
    return filters * min(2**level, MAX_FILTER_MULT)


def estimate_params(net: NetConfig, data_shape: tuple[int, ...], cond_dim: int = 0
                    ) -> tuple[int, int, int, int]:
    """Parameters of G and D and their activations per example, from the layer plan.

    Args:
        net: The resolved net settings (`name` is `mlp` or `dcgan`, `latent_dim` set).
        data_shape: One example's shape: `(D,)` points or `(H, W, C)` images.
        cond_dim: Size of a condition code joined to z (0: none).

    Returns:
        `(g_params, d_params, g_activations, d_activations)`, activations in floats per
        example.
    """
    latent = int(net.latent_dim or 0) + cond_dim
    if net.name == "mlp" or len(data_shape) == 1:
        width, depth = net.width, net.depth
        out = math.prod(data_shape)
        hidden = (depth - 1) * (width * width + width)
        g = latent * width + width + hidden + width * out + out
        d = out * net.pack * width + width + hidden + width + 1
        return g, d, depth * width, depth * width
    size, _, channels = data_shape
    start, n = plan_resolutions(size)
    f = net.filters
    g = latent * start * start * _filters(f, n)
    g_act = start * start * _filters(f, n)
    for level in range(n - 1, -1, -1):
        g += 16 * _filters(f, level + 1) * _filters(f, level)
        side = start * 2 ** (n - level)
        g_act += side * side * _filters(f, level)
    g += 9 * _filters(f, 0) * channels + channels
    d, d_act, c_in = 0, 0, channels * net.pack
    for level in range(n):
        d += 16 * c_in * _filters(f, level) + _filters(f, level)
        c_in = _filters(f, level)
        side = size // 2 ** (level + 1)
        d_act += side * side * c_in
    d += 9 * c_in * _filters(f, n) + _filters(f, n) + start * start * _filters(f, n) + 1
    d_act += start * start * _filters(f, n)
    return g, d, g_act, d_act


def estimate_training_bytes(net: NetConfig, data_shape: tuple[int, ...], batch: int,
                            cond_dim: int = 0) -> int:
    """Bytes a training step keeps: parameters with their optimizer state, and activations.

    Args:
        net: The resolved net settings.
        data_shape: One example's shape.
        batch: Examples per update.
        cond_dim: Size of a condition code joined to z (0: none).
    """
    g, d, g_act, d_act = estimate_params(net, data_shape, cond_dim)
    params = (g + d) * COPIES_PER_PARAM
    activations = batch * (g_act + d_act) * KEPT_PER_ACTIVATION * PASSES
    return (params + activations) * FLOAT_BYTES


def available_memory() -> int | None:
    """Bytes the system can give this process now (Linux: MemAvailable), or `None`."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_training_memory(net: NetConfig, data_shape: tuple[int, ...], batch: int,
                          cond_dim: int = 0, available: int | None = None) -> int:
    """Refuses a run that would need more memory than is available, before building it.

    Args:
        net: The resolved net settings.
        data_shape: One example's shape.
        batch: Examples per update.
        cond_dim: Size of a condition code joined to z.
        available: Bytes available (default: `available_memory()`; `None` there: no check).

    Returns:
        The estimate in bytes.

    Raises:
        ConfigError: naming the estimate, what is available, and what to lower.
    """
    need = estimate_training_bytes(net, data_shape, batch, cond_dim)
    have = available_memory() if available is None else available
    if have is not None and need > have:
        g, d, _, _ = estimate_params(net, data_shape, cond_dim)
        size = (f"width {net.width}, depth {net.depth}" if net.name == "mlp"
                else f"{net.filters} filters at {data_shape[0]}x{data_shape[1]}")
        raise ConfigError(
            f"this run would need about {need / 2**30:,.1f} GiB of memory ({(g + d) / 1e6:,.1f}M "
            f"parameters with {size}, batch {batch:,}) but {have / 2**30:,.1f} GiB are free.",
            "Lower the batch size, the net's width or filters, or the image size.")
    return need
