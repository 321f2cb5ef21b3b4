"""Pictures of samples for files: image grids and 2D scatter plots (numpy + Pillow)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from ganstudio.core.data.base import points_on_plane
from ganstudio.core.latent import image_grid, save_png

REAL_COLOR = (40, 90, 200)
FAKE_COLOR = (240, 140, 40)


def scatter_png(fake: np.ndarray, path: str | Path, real: np.ndarray | None = None,
                modes: np.ndarray | None = None, size: int = 640) -> Path:
    """Draws 2D points (generated in orange, real in blue on top, mode centers as crosses).

    Args:
        fake: Generated points [N, 2].
        path: Output PNG path.
        real: Real points [M, 2] drawn underneath (optional).
        modes: Mode centers [K, 2] (optional).
        size: Side of the square picture in pixels.

    Returns:
        The path written.
    """
    groups = [g for g in (real, fake, modes) if g is not None and len(g)]
    allpts = np.concatenate(groups, axis=0)
    lo, hi = allpts.min(axis=0), allpts.max(axis=0)
    span = float((hi - lo).max()) or 1.0
    center = (lo + hi) / 2
    lo = center - 0.55 * span
    margin = 16

    def to_px(p: np.ndarray) -> np.ndarray:
        q = (p - lo) / (1.1 * span) * (size - 2 * margin) + margin
        q[:, 1] = size - q[:, 1]  # y up
        return q

    img = Image.new("RGB", (size, size), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    for pts, color, r in ((fake, FAKE_COLOR, 1.8), (real, REAL_COLOR, 1.0)):
        if pts is None:
            continue
        for x, y in to_px(np.asarray(pts, np.float64)):
            draw.ellipse([x - r, y - r, x + r, y + r], fill=color)
    if modes is not None:
        for x, y in to_px(np.asarray(modes, np.float64)):
            draw.line([x - 5, y, x + 5, y], fill=(0, 0, 0), width=1)
            draw.line([x, y - 5, x, y + 5], fill=(0, 0, 0), width=1)
    legend = [("generated", FAKE_COLOR)] + ([("real", REAL_COLOR)] if real is not None else [])
    for i, (label, color) in enumerate(legend):
        y = 10 + 16 * i
        draw.ellipse([10, y + 3, 18, y + 11], fill=color)
        draw.text((24, y), label, fill=(30, 30, 30))
    path = Path(path)
    img.save(path)
    return path


def samples_png(samples: np.ndarray, kind: str, path: str | Path, real: np.ndarray | None = None,
                modes: np.ndarray | None = None, columns: int | None = None) -> Path:
    """Writes samples as a picture: a grid for images (`columns` per row, default square-ish;
    a conditional grid has one condition per row), a scatter plot for points (their first two
    coordinates; 1-D points along the x axis)."""
    if kind == "images":
        cols = columns or int(np.ceil(np.sqrt(len(samples))))
        scale = max(1, 256 // max(1, samples.shape[1] * cols))
        grid = image_grid(np.clip(samples, 0.0, 1.0), ncols=cols)
        if scale > 1:
            grid = np.repeat(np.repeat(grid, scale, axis=0), scale, axis=1)
        save_png(grid, path)
        return Path(path)
    return scatter_png(points_on_plane(samples), path, real=points_on_plane(real),
                       modes=points_on_plane(modes))



def points_csv(points: np.ndarray, path: str | Path) -> Path:
    """Writes points (or any examples, flattened) as a .csv: header `x,y` for 2D, else
    `v0,v1,...`; six significant digits.

    Returns:
        The path written.
    """
    flat = np.asarray(points).reshape(len(points), -1)
    header = "x,y" if flat.shape[1] == 2 else ",".join(f"v{i}" for i in range(flat.shape[1]))
    np.savetxt(path, flat, delimiter=",", header=header, comments="", fmt="%.6g")
    return Path(path)
