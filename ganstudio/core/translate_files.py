"""The files of `ganstudio translate`: a user's images (or points) in, their translations out.

Images are read from a folder (recursively, as a dataset folder is read: `data.files`), each
decoded the same way (EXIF-oriented, greyscale or RGB, centre-cropped to a square) and resized
to the model's source domain; a file that is not a usable image is skipped and reported. Each
translation is written as a PNG under the output folder with the input's relative path (its
suffix `.png`). Points come from one .csv/.npy/.npz file and go to one .csv.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ganstudio.core.data.base import LoadReport, SkippedFile
from ganstudio.errors import ConfigError, DataError

IMAGE_HINT = "Give a folder of .png/.jpg/.bmp/.gif/.webp/.tiff images."


def read_images(folder: str | Path, shape: tuple[int, ...]
                ) -> tuple[list[str], np.ndarray, LoadReport]:
    """Reads every image under a folder, shaped for a model's source domain.

    Args:
        folder: The folder of images (subfolders are read too).
        shape: The source domain's (H, W, C); each image is made greyscale (C = 1) or RGB
            (C = 3) and resized to H×W after a centre crop to a square.

    Returns:
        (each image's path relative to `folder`, the images [N, H, W, C] in [0, 1], the report
        of what was read and skipped).

    Raises:
        DataError: the folder is missing or not a folder, holds no image files, or none of
            them could be read (the message counts the reasons).
    """
    from ganstudio.core.data.files.common import Skip
    from ganstudio.core.data.files.decoding import RESAMPLE, decode
    from ganstudio.core.data.files.sources import folder_entries

    path = Path(folder)
    if not path.exists():
        raise DataError(f"--in: there is no folder {str(folder)!r}.", IMAGE_HINT)
    if not path.is_dir():
        raise DataError(f"--in: {str(folder)!r} is not a folder.", IMAGE_HINT)
    side, channels = int(shape[0]), int(shape[-1])
    mode = "RGB" if channels == 3 else "L"
    entries, skipped = folder_entries(path)
    report = LoadReport(source=str(folder), skipped=list(skipped))
    if not entries and not skipped:
        raise DataError(f"--in: {str(folder)!r} holds no image files.", IMAGE_HINT)
    names: list[str] = []
    images = []
    for entry in entries:
        try:
            item = decode(entry, side)
        except Skip as skip:
            report.skipped.append(SkippedFile(entry.display, skip.reason))
            continue
        img = item.image if item.image.mode == mode else item.image.convert(mode)
        if img.size != (side, side):
            img = img.resize((side, side), RESAMPLE)
        names.append(entry.display)
        images.append(np.asarray(img, np.float32).reshape(side, side, channels) / 255.0)
    report.files_read = len(images)
    if not images:
        first = report.skipped[0]
        raise DataError(f"--in: none of the {len(report.skipped)} files in {str(folder)!r} is "
                        f"a usable image (first: {first.path}: {first.reason}).", IMAGE_HINT)
    return names, np.stack(images).astype(np.float32), report


def write_images(folder: str | Path, names: list[str], images: np.ndarray) -> list[Path]:
    """Writes each image as a PNG under `folder`, at its name's relative path with `.png`.

    Args:
        folder: The output folder (made if missing).
        names: Relative paths, one per image (as `read_images` gives them).
        images: [N, H, W, C] in [0, 1].

    Returns:
        The paths written.

    Raises:
        ConfigError: when `folder` is a file.
    """
    from ganstudio.core.latent import save_png

    out = Path(folder)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out: {str(folder)!r} is a file.", "Give a folder for the images.")
    written = []
    for name, image in zip(names, images, strict=True):
        target = (out / name).with_suffix(".png")
        target.parent.mkdir(parents=True, exist_ok=True)
        save_png(np.clip(image, 0.0, 1.0), target)
        written.append(target)
    return written


def read_points(path: str | Path, dims: int) -> tuple[np.ndarray, LoadReport | None]:
    """Reads points to translate from a .csv/.npy/.npz file (see `files.load_points`).

    Args:
        path: The file.
        dims: The source domain's coordinates per point.

    Returns:
        (the points [N, dims] in the source domain's units, the load report).

    Raises:
        DataError: an unreadable file, or points with another number of coordinates.
    """
    from ganstudio.core.data.files.points import load_points

    data = load_points(path)
    if data.x.shape[1] != dims:
        raise DataError(f"--in: the points in {str(path)!r} have {data.x.shape[1]} "
                        f"coordinates; the model's source domain has {dims}.",
                        "Give points of the direction's source domain (see --direction).")
    return data.x.astype(np.float32), data.report


def write_points(path: str | Path, points: np.ndarray, source: str | Path) -> Path:
    """Writes translated points as a .csv (header `x,y` for 2D, else `v0,v1,...`).

    Args:
        path: A .csv file, or a folder (the file is then `<source stem>.csv` in it).
        points: [N, D].
        source: The input file (names the output inside a folder).

    Returns:
        The file written.
    """
    from ganstudio.core.render import points_csv

    out = Path(path)
    if out.suffix.lower() != ".csv":
        out.mkdir(parents=True, exist_ok=True)
        out = out / f"{Path(source).stem}.csv"
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
    return points_csv(points, out)
