"""Latent-space tools: interpolation, truncation, principal directions, grids and files.

Plain numpy (and Pillow for the files): no TensorFlow, no Qt. The studio's latent explorer and
the CLI's `sample` command build latent batches with these functions, hand them to a generator
somewhere else (off the GUI thread), and tile or save what comes back.

Conventions: a latent vector is a float array `[d]`, a batch `[n, d]`; images are float NHWC in
[0, 1] (the dataset's own units, as exports return them).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

__all__ = [
    "lerp",
    "slerp",
    "truncate",
    "truncated_normal",
    "principal_directions",
    "seeded_latent",
    "image_grid",
    "to_uint8",
    "save_png",
    "save_gif",
]

# Below this norm a vector has no direction: slerp falls back to lerp.
_NEAR_ZERO = 1e-8
# |cos(theta)| above this means (anti)parallel: the slerp weights are ill-conditioned.
_PARALLEL_COS = 1.0 - 1e-7


def _as_vector(z: np.ndarray, name: str) -> np.ndarray:
    v = np.asarray(z, dtype=np.float64)
    if v.ndim != 1:
        raise ValueError(f"`{name}` must be a 1-D latent vector, got shape {v.shape}.")
    return v


def _steps(n: int) -> np.ndarray:
    if n < 1:
        raise ValueError(f"The number of interpolation steps must be at least 1, got {n}.")
    if n == 1:
        return np.zeros(1)
    return np.linspace(0.0, 1.0, n)


def lerp(z0: np.ndarray, z1: np.ndarray, n: int) -> np.ndarray:
    """Linear interpolation between two latent vectors, endpoints included.

    `z(t) = (1 - t) z0 + t z1` for `n` evenly spaced `t` in [0, 1].

    For Gaussian latents the midpoints have a smaller norm than the endpoints (for two
    independent draws the midpoint norm is about `1/sqrt(2)` of theirs), so they sit in a
    region the generator rarely saw in training; compare with `slerp`.

    Args:
        z0: First endpoint, shape `[d]`.
        z1: Second endpoint, shape `[d]`.
        n: Number of points (>= 1). With `n == 1` the result is `z0` alone.

    Returns:
        Array `[n, d]` (float64); row 0 is `z0` and row `n - 1` is `z1` exactly.

    Example:
        >>> lerp(np.zeros(2), np.ones(2), 3)[1]
        array([0.5, 0.5])
    """
    a, b = _as_vector(z0, "z0"), _as_vector(z1, "z1")
    if a.shape != b.shape:
        raise ValueError(f"Endpoints differ in shape: {a.shape} and {b.shape}.")
    t = _steps(n)[:, None]
    out = (1.0 - t) * a + t * b
    out[0] = a
    if n > 1:
        out[-1] = b
    return out


def slerp(z0: np.ndarray, z1: np.ndarray, n: int) -> np.ndarray:
    """Spherical linear interpolation between two latent vectors, endpoints included.

    With `theta` the angle between `z0` and `z1`:

    `z(t) = sin((1 - t) theta) / sin(theta) * z0 + sin(t theta) / sin(theta) * z1`

    Between two vectors of equal norm the path stays on that sphere (the great-circle arc);
    with unequal norms the norm changes smoothly between them. This keeps the midpoints of a
    Gaussian latent at a typical norm (White, "Sampling Generative Networks", 2016).

    When the vectors are parallel or antiparallel (the arc is undefined or not unique) or one
    of them is (near) zero, the function falls back to `lerp`.

    Args:
        z0: First endpoint, shape `[d]`.
        z1: Second endpoint, shape `[d]`.
        n: Number of points (>= 1).

    Returns:
        Array `[n, d]` (float64); row 0 is `z0` and row `n - 1` is `z1` exactly.
    """
    a, b = _as_vector(z0, "z0"), _as_vector(z1, "z1")
    if a.shape != b.shape:
        raise ValueError(f"Endpoints differ in shape: {a.shape} and {b.shape}.")
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na < _NEAR_ZERO or nb < _NEAR_ZERO:
        return lerp(a, b, n)
    cos = float(np.clip(np.dot(a, b) / (na * nb), -1.0, 1.0))
    if abs(cos) > _PARALLEL_COS:
        return lerp(a, b, n)
    theta = np.arccos(cos)
    sin = np.sin(theta)
    t = _steps(n)[:, None]
    out = (np.sin((1.0 - t) * theta) / sin) * a + (np.sin(t * theta) / sin) * b
    out[0] = a
    if n > 1:
        out[-1] = b
    return out


def truncate(z: np.ndarray, psi: float, mean: np.ndarray | None = None) -> np.ndarray:
    """The truncation trick: pull latents towards a mean to trade variety for fidelity.

    `z' = mean + psi * (z - mean)`

    `psi = 1` returns `z` unchanged, `psi = 0` returns the mean (one "average" sample),
    `0 < psi < 1` gives more typical, cleaner samples with less variety, `psi > 1` exaggerates.
    This is the StyleGAN form (Karras et al. 2019, applied there in the intermediate W space);
    `mean` defaults to 0, the mean of the Gaussian prior. For the BigGAN form, which resamples
    instead of shrinking, see `truncated_normal`.

    Args:
        z: Latents, shape `[d]` or `[n, d]`.
        psi: Truncation factor (>= 0).
        mean: Centre to shrink towards, broadcastable to `z`; `None` means 0.

    Returns:
        Array of the shape of `z` (float64).
    """
    if psi < 0:
        raise ValueError(f"The truncation factor psi must be >= 0, got {psi}.")
    z = np.asarray(z, dtype=np.float64)
    if mean is None:
        return psi * z
    m = np.asarray(mean, dtype=np.float64)
    return m + psi * (z - m)


def truncated_normal(
    rng: np.random.Generator, n: int, d: int, threshold: float = 2.0
) -> np.ndarray:
    """Standard normal latents with every |component| at most `threshold` (BigGAN truncation).

    Each component drawn with `|z_i| > threshold` is redrawn until it falls inside
    `[-threshold, threshold]` (Brock et al. 2019). Unlike `truncate`, the marginal stays a
    (truncated) standard normal rather than a shrunk one; smaller thresholds give more typical
    samples with less variety.

    Args:
        rng: A `numpy.random.Generator` (e.g. `np.random.default_rng(seed)`).
        n: Number of latents.
        d: Latent dimension.
        threshold: Largest allowed absolute value (> 0).

    Returns:
        Array `[n, d]` (float64) with all entries in `[-threshold, threshold]`.
    """
    if threshold <= 0:
        raise ValueError(f"The truncation threshold must be > 0, got {threshold}.")
    z = rng.standard_normal((n, d))
    outside = np.abs(z) > threshold
    while outside.any():
        z[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(z) > threshold
    return z


def principal_directions(
    z_samples: np.ndarray, outputs: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Latent directions that move the generator's output the most.

    PCA of the latents themselves is pointless: a Gaussian prior is isotropic, so every
    direction has the same variance and the components are noise. What matters is how the
    *generator* maps the latent space, so, in the spirit of GANSpace (Härkönen et al. 2020,
    which does PCA on intermediate features), this works on the outputs:

    1. Flatten the outputs to `X [n, m]`, centre them, and take their top-`k` principal
       components; the scores `S = X_c V_k` are `[n, k]`.
    2. Regress each score onto the centred latents by least squares: `Z_c B ~= S`, `B [d, k]`.
       Column `j` of `B` is the latent direction along which component `j` grows fastest
       (exact for a linear generator).
    3. Normalise each direction to unit length.

    The sign of each direction is chosen so that its largest-magnitude entry is positive
    (PCA signs are arbitrary; this makes results reproducible).

    Args:
        z_samples: Latents `[n, d]` the outputs were generated from (`n` of a few hundred).
        outputs: Generator outputs `[n, ...]` (images NHWC, points `[n, 2]`, ...).
        k: Number of directions wanted; at most `min(n - 1, m, d)` come back.

    Returns:
        `(directions, explained)`: unit directions `[k', d]` (float64) sorted by how much
        output variance their component explains, and the explained-variance ratios `[k']`
        of those output components (fractions of the total output variance).

    Raises:
        ValueError: If the shapes do not match or fewer than 2 samples are given.
    """
    z = np.asarray(z_samples, dtype=np.float64)
    if z.ndim != 2:
        raise ValueError(f"`z_samples` must be [n, d], got shape {z.shape}.")
    n, d = z.shape
    x = np.asarray(outputs, dtype=np.float64).reshape(len(outputs), -1)
    if x.shape[0] != n:
        raise ValueError(f"{n} latents but {x.shape[0]} outputs: they must pair up.")
    if n < 2:
        raise ValueError("Principal directions need at least 2 samples.")
    m = x.shape[1]
    k = int(max(0, min(k, n - 1, m, d)))

    xc = x - x.mean(axis=0)
    zc = z - z.mean(axis=0)
    # Top components through the smaller Gram matrix: cheap when m >> n (images).
    if m > n:
        gram = xc @ xc.T
        evals, evecs = np.linalg.eigh(gram)
        order = np.argsort(evals)[::-1]
        evals = np.clip(evals[order], 0.0, None)
        scores = evecs[:, order[:k]] * np.sqrt(evals[:k])
    else:
        cov = xc.T @ xc
        evals, evecs = np.linalg.eigh(cov)
        order = np.argsort(evals)[::-1]
        evals = np.clip(evals[order], 0.0, None)
        scores = xc @ evecs[:, order[:k]]
    total = float(evals.sum())
    explained = evals[:k] / total if total > 0 else np.zeros(k)

    coef, *_ = np.linalg.lstsq(zc, scores, rcond=None)  # [d, k]
    directions = coef.T
    norms = np.linalg.norm(directions, axis=1, keepdims=True)
    directions = np.divide(directions, norms, out=np.zeros_like(directions), where=norms > 0)
    if k:
        peak = directions[np.arange(k), np.argmax(np.abs(directions), axis=1)]
        directions *= np.where(peak < 0, -1.0, 1.0)[:, None]
    return directions, explained


def seeded_latent(seed: int, d: int) -> np.ndarray:
    """The standard normal latent vector for a seed: the same seed always gives the same `z`.

    Args:
        seed: Any non-negative integer.
        d: Latent dimension.

    Returns:
        `np.random.default_rng(seed).standard_normal(d)`, shape `[d]` (float64).
    """
    return np.random.default_rng(seed).standard_normal(d)


def image_grid(images: np.ndarray, ncols: int | None = None, pad: int = 1) -> np.ndarray:
    """Tile a batch of images into one image.

    Args:
        images: Float images NHWC in [0, 1] (NHW is read as one channel).
        ncols: Images per row; `None` picks `ceil(sqrt(N))`.
        pad: Pixels of padding between and around tiles (filled with 1.0, white).

    Returns:
        Float array `[rows * (H + pad) + pad, ncols * (W + pad) + pad, C]` in [0, 1].
    """
    x = np.asarray(images, dtype=np.float32)
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4:
        raise ValueError(f"`images` must be NHWC, got shape {x.shape}.")
    n, h, w, c = x.shape
    if n == 0:
        raise ValueError("`images` is empty: nothing to tile.")
    ncols = int(np.ceil(np.sqrt(n))) if ncols is None else max(1, min(int(ncols), n))
    nrows = int(np.ceil(n / ncols))
    grid = np.ones((nrows * (h + pad) + pad, ncols * (w + pad) + pad, c), dtype=np.float32)
    for i in range(n):
        r, col = divmod(i, ncols)
        y0, x0 = pad + r * (h + pad), pad + col * (w + pad)
        grid[y0 : y0 + h, x0 : x0 + w] = x[i]
    return np.clip(grid, 0.0, 1.0)


def to_uint8(image: np.ndarray) -> np.ndarray:
    """An image as uint8 `HxW` (grayscale) or `HxWxC` (C = 3 or 4) for Pillow.

    Args:
        image: `HxW`, `HxWx1`, `HxWx3` or `HxWx4`; float in [0, 1] or already uint8.

    Returns:
        uint8 array; a single channel is squeezed to `HxW`.
    """
    x = np.asarray(image)
    if x.dtype != np.uint8:
        x = np.round(np.clip(x.astype(np.float64), 0.0, 1.0) * 255.0).astype(np.uint8)
    if x.ndim == 3 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim not in (2, 3) or (x.ndim == 3 and x.shape[-1] not in (3, 4)):
        raise ValueError(f"Cannot save an image of shape {x.shape}: expected HxW or HxWxC.")
    return x


def save_png(image: np.ndarray, path: str | os.PathLike) -> None:
    """Save one image as PNG.

    Args:
        image: `HxWxC` (C = 1, 3 or 4) or `HxW`, float in [0, 1] or uint8.
        path: Destination file.
    """
    from PIL import Image

    Image.fromarray(to_uint8(image)).save(os.fspath(path), format="PNG")


def save_gif(
    frames: Sequence[np.ndarray],
    path: str | os.PathLike,
    duration_ms: int = 80,
    loop: int = 0,
    ping_pong: bool = False,
) -> None:
    """Save frames as an animated GIF.

    Args:
        frames: Images of one shape, each `HxWxC` (C = 1, 3 or 4) or `HxW`, float [0, 1] or
            uint8.
        path: Destination file.
        duration_ms: Display time of each frame in milliseconds.
        loop: Times to loop; 0 loops forever.
        ping_pong: Play forwards then backwards (`0 1 .. n-1 n-2 .. 1`), so a loop has no jump.

    Raises:
        ValueError: If `frames` is empty.
    """
    from PIL import Image

    arrays = [to_uint8(f) for f in frames]
    if not arrays:
        raise ValueError("No frames to save.")
    if ping_pong and len(arrays) > 2:
        arrays = arrays + arrays[-2:0:-1]
    images = [Image.fromarray(a) for a in arrays]
    if images[0].mode == "RGBA":
        images = [im.convert("RGB") for im in images]
    images[0].save(
        os.fspath(path),
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=int(duration_ms),
        loop=int(loop),
        disposal=1,
        optimize=False,
    )
