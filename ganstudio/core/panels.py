"""The panels a snapshot carries: small plain-numpy dataclasses, one per kind of view.

A recipe's `views()` returns a dict of panels by key (`samples`, `d_hist`, ...); the studio's
panel registry draws each by its type. No TensorFlow and no Qt here, so both sides share them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Histograms:
    """Groups of D outputs drawn on the same axes (for example real against fake).

    Args:
        groups: Group name to values, in drawing order (`real`, `fake`, `real, wrong c`, ...).
        critic: True when the values are unbounded critic scores, not probabilities in [0, 1].
        title: What the values are, for the axis (`D(x)`, `match head`).
    """

    groups: dict[str, np.ndarray]
    critic: bool = False
    title: str = "D(x)"


@dataclass(frozen=True)
class Line:
    """For 1D points: the densities and D over the line, all on one grid in data units.

    Args:
        x: The line's points [R], evenly spaced.
        d: D's output at each point [R]: a probability, or a critic's score.
        p_data: The data's density [R]: exact for the built-in 1D data (`exact`), else a
            kernel density estimate of the data.
        p_g: G's density [R]: a kernel density estimate of the samples.
        d_star: The optimal discriminator p_data / (p_data + p_g) [R] against this G (NaN
            where both densities are negligible); `None` for a critic, which has no such
            optimum.
        exact: Whether `p_data` is the data's exact density.
    """

    x: np.ndarray
    d: np.ndarray
    p_data: np.ndarray
    p_g: np.ndarray
    d_star: np.ndarray | None = None
    exact: bool = False


@dataclass(frozen=True)
class Samples:
    """Samples from fixed inputs, in the dataset's own units.

    Args:
        samples: Images [N, H, W, C] in [0, 1], or points [N, D] in data coordinates.
        kind: `images` or `points`.
        row_labels: For a conditional grid: one label per row (the condition), the columns
            sharing one fixed z each; `None` for a plain grid.
        columns: Samples per row of a conditional grid (`None`: a square-ish grid).
        real_points: For 2D points: fixed real points drawn under the samples.
        surface: For 2D points: D's output over a grid, [R, R] row-major (y rows, x columns).
        extent: (xmin, xmax, ymin, ymax) of the surface in data units.
        push: For 2D points: −∂L_G/∂x at each sample: where G's gradient moves it.
        condition: For 2D points of a conditional model: which condition the field shows.
        line: For 1D points: the densities, D(x) and D*(x) over the line (`Line`).
        title: What the grid shows, for its view's title (`None`: the view's own title).
    """

    samples: np.ndarray
    kind: str
    row_labels: list[str] | None = None
    columns: int | None = None
    real_points: np.ndarray | None = None
    surface: np.ndarray | None = None
    extent: tuple[float, float, float, float] | None = None
    push: np.ndarray | None = None
    condition: str | None = None
    line: Line | None = None
    title: str | None = None


@dataclass(frozen=True)
class LatentCodes:
    """Codes of a fixed batch of examples in the latent space, for the encoder families.

    Args:
        codes: [N, 2] positions to draw: the codes themselves when the latent space is 2D,
            else their projection on the codes' first two principal directions.
        labels: [N] integer labels of the examples (for colour), or `None`.
        class_names: The label names, index = label.
        method: How `codes` were made: `"codes"` (2D latent) or `"pca"` (projection).
        explained: For `"pca"`: the share of the codes' variance the two directions hold.
        prior: [M, 2] samples of the prior seen the same way (drawn faintly under the codes,
            so holes in the prior's coverage show), or `None`.
    """

    codes: np.ndarray
    labels: np.ndarray | None = None
    class_names: list[str] | None = None
    method: str = "codes"
    explained: float | None = None
    prior: np.ndarray | None = None


@dataclass(frozen=True)
class TranslationField:
    """For two domains of 2D points: where each direction sends fixed probes (arrows).

    Args:
        cloud_a: [N, 2] real points of domain A, in A's data units.
        cloud_b: [M, 2] real points of domain B, in B's data units.
        probes_a: [P, 2] fixed points of domain A.
        a_to_b: [P, 2] each probe's translation G(probe) into domain B.
        probes_b: [Q, 2] fixed points of domain B.
        b_to_a: [Q, 2] each probe's translation F(probe) into domain A.
        names: The domains' names (A, B), for the legend.
    """

    cloud_a: np.ndarray
    cloud_b: np.ndarray
    probes_a: np.ndarray
    a_to_b: np.ndarray
    probes_b: np.ndarray
    b_to_a: np.ndarray
    names: tuple[str, str] = ("A", "B")
