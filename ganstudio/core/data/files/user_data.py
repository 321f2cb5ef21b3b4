"""Telling a user's data from a dataset name, and choosing its loader from what it is."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from ganstudio.core.data.base import Dataset
from ganstudio.core.data.files.arrays import holds_points, read_arrays
from ganstudio.core.data.files.common import (
    ARRAY_SUFFIXES,
    POINTS_SUFFIXES,
    PathLike,
    check_color,
    check_image_size,
    check_limit,
    existing_path,
    is_path_list,
)
from ganstudio.core.data.files.images import images_from_arrays, load_images
from ganstudio.core.data.files.points import load_points, points_from_arrays


def looks_like_user_data(name: PathLike | Sequence[PathLike]) -> bool:
    """Tells a user's data apart from a dataset name.

    Args:
        name: What the user asked for: a dataset name, a path, or a list of paths.

    Returns:
        `True` if `name` is an existing file or folder, or a non-empty list or tuple of paths;
        `False` otherwise (for example a registry name such as `"mnist"`).
    """
    if isinstance(name, (str, os.PathLike)):
        text = os.fspath(name)
        if not text or not str(text).strip():
            return False
        try:
            return Path(text).expanduser().exists()
        except (OSError, ValueError):
            return False
    return is_path_list(name)


def load_user_data(
    source: PathLike | Sequence[PathLike],
    image_size: int | None = None,
    color: str = "auto",
    limit: int | None = None,
    follow_links: bool = False,
) -> Dataset:
    """Loads whatever the user pointed at, choosing the loader from what it is.

    Folders, .zip archives, image files and lists of files are read with `load_images`;
    .csv/.tsv/.txt/.dat tables with `load_points`. A .npz (array `x`, optional `y`) or .npy is
    read once and becomes points when `x` is [N, D] (or [N]), and images when it is
    [N, H, W] or [N, H, W, C]; a 2-D `x` whose width is a square of 8 or more (784 = 28 x 28)
    is taken as flattened grayscale images.

    Args:
        source: A path, or a list of image file paths.
        image_size: Side of the square images; `None` picks it from the data. Ignored for points.
        color: `"auto"`, `"grayscale"` or `"rgb"`. Ignored for points.
        limit: Keep at most this many examples (the first ones, in sorted path order).
        follow_links: In a folder, follow links that lead outside it too (see `load_images`).

    Returns:
        The `Dataset`, kind `"images"` or `"points"`, with its `LoadReport`.

    Raises:
        DataError: The source does not exist, cannot be read, or holds nothing usable.
        ConfigError: `image_size`, `color` or `limit` has a value that is not allowed.
    """
    if is_path_list(source):
        return load_images(source, image_size=image_size, color=color, limit=limit)
    path = existing_path(source)
    suffix = path.suffix.lower()
    if not path.is_dir() and suffix in POINTS_SUFFIXES:
        return load_points(path, limit=limit)
    if not path.is_dir() and suffix in ARRAY_SUFFIXES:
        image_size = check_image_size(image_size)
        color = check_color(color)
        limit = check_limit(limit)
        arrays = read_arrays(path)
        if holds_points(arrays["x"]):
            return points_from_arrays(path, arrays, limit)
        return images_from_arrays(path, arrays, image_size, color, limit)
    return load_images(
        path, image_size=image_size, color=color, limit=limit, follow_links=follow_links
    )
