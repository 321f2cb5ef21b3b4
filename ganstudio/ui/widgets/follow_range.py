"""Keeping moving points in a plot's view without repainting its axes at every frame."""

from __future__ import annotations

import numpy as np

Range = tuple[float, float, float, float]


def follow_range(plot, current: Range | None, points: np.ndarray, percentile: float,
                 pad: float) -> Range | None:
    """Moves a plot's range to hold most of `points`, only when they leave it or use far less
    of it (so the axes rarely repaint).

    Args:
        plot: A pyqtgraph `PlotWidget`.
        current: The range set last time, `(xmin, xmax, ymin, ymax)`, or `None`.
        points: [N, 2] points to keep in view.
        percentile: The share (in percent) of points allowed outside on each side.
        pad: Padding around them, as a share of their larger span.

    Returns:
        The range now set (`current` when unchanged; `None` when there are no points and no
        range yet).
    """
    if len(points) == 0:
        return current
    lo = np.percentile(points, percentile, axis=0)
    hi = np.percentile(points, 100 - percentile, axis=0)
    span = float(max(hi[0] - lo[0], hi[1] - lo[1], 1e-6))
    if current is not None:
        inside = (current[0] <= lo[0] and hi[0] <= current[1] and current[2] <= lo[1]
                  and hi[1] <= current[3])
        if inside and span >= 0.5 * max(current[1] - current[0], current[3] - current[2]):
            return current
    margin = pad * span
    new = (float(lo[0]) - margin, float(hi[0]) + margin, float(lo[1]) - margin,
           float(hi[1]) + margin)
    plot.getPlotItem().setRange(xRange=new[:2], yRange=new[2:], padding=0)
    return new
