"""A user's own data: image folders, .zip archives, .npz/.npy arrays and point tables.

Every loader returns a `Dataset` in its own units (images float32 NHWC in [0, 1]; points
float32 [N, D] in their original coordinates) with a `LoadReport` saying what was read and
what was skipped, and why. A bad file never stops a load: it is skipped with a reason. Only
"nothing usable at all" (or a source that cannot be opened) raises a `DataError`, whose message
names the source and says what was wrong.

Only regular files are read: a pipe, device or socket (which could make a read wait forever) is
refused as the source (a `DataError`) and skipped inside a folder, the caption file included.

The limits named below (`MAX_*`) are constants of this package; every loader reads them here
when it runs, so setting one (`files.MAX_FOLDER_DEPTH = 64`) changes it for all of them.

Folders and .zip archives (a zip is read where it lies, never extracted) follow the same rules:

- The search is recursive, down to `MAX_FOLDER_DEPTH` (32) levels of folders; deeper folders
  are left out with one line in the report saying so. A tree of more than `MAX_FOLDER_ENTRIES`
  (2,000,000) files and folders is refused. Hidden entries (a name starting with ".",
  `__MACOSX`) are ignored.
- Links (to files or folders) are followed when their target lies inside the dataset folder;
  a folder is searched once, however many links lead to it (so a loop of links ends). A link
  leading outside the dataset folder is skipped with the reason "link leads outside the dataset
  folder" unless `follow_links=True`; a link leading nowhere is skipped as "dangling link".
- A zip member declaring more than `MAX_MEMBER_BYTES` (256 MiB) is skipped unread; the others
  are unpacked a bounded piece at a time, and one that unpacks to more than its header declares
  is skipped as soon as it does ("unpacks to more than its declared size").
- Files whose suffix is not in `SUPPORTED_IMAGE_SUFFIXES` are skipped with the reason
  "not an image file type" (so `Thumbs.db` or a stray `notes.txt` shows up in the report).
- If every image lies under one single top-level folder (as when a folder is zipped), that
  folder is looked through: `faces.zip` holding `faces/cats/...` and `faces/dogs/...` has the
  classes `cats` and `dogs`.
- The first-level subfolders are the classes, sorted by name; a label is the index in that list.
  When there are subfolders, images lying directly in the root get the class `"(root)"`; when
  there are none, the data is unlabeled (`y` is `None`). Whether there are classes is decided
  by the layout of image-type files; the class names are those that gave at least one usable
  image (a stray corrupt file does not make an empty class; with `limit`, among those kept).
- Examples are taken in sorted relative-path order; `limit` keeps the first `limit` usable ones.
  A list of files is read in the order given and is unlabeled.

Two domains (for the translation families): a folder whose subfolders are exactly `A/` and `B/`
(or CycleGAN's `trainA/` and `trainB/`, with `testA/` and `testB/` left unread) holds two
datasets, one per folder; `find_pair_folders` finds the layout, and the registry's `load_dataset`
loads each folder as above (see `pair_folders`).

Captions: a `captions.csv` or `captions.txt` in the root (or in the single top folder that holds
every image) captions the images (formats in `ganstudio.core.data.captions`). The dataset then
holds only captioned images, in `Dataset.captions`, aligned with `x`; an image without a
caption, or with an empty one, is skipped with that reason. Problems with the caption file
(not UTF-8, a line naming a file that is not an image here, a file captioned twice) are listed
in the report's `caption_issues`; a caption file that cannot be used leaves the data uncaptioned.
A .npz may hold a `captions` array of strings (one per example, dtype `<U..`); an example with an
empty caption is skipped, and a length that differs from `x` is a `DataError`.

Images are center-cropped to a square and resized to `image_size` (default: the shorter side of
the most common original size, capped at 64 and at least 8). Alpha is composited on white;
palette, 1-bit, 16-bit, 32-bit integer and float, CMYK, YCbCr and HSV images are converted; EXIF
orientation is applied. Other modes (LAB, ...) are skipped as unsupported.

NumPy files (.npy, .npz with `x` and optional `y`, `class_names`, `captions`) are checked from
each array's header before its data is read: arrays of Python objects (dtype=object) are
refused, and so are arrays that together would need more than `MAX_ARRAY_BYTES` (half this
machine's memory; the message names the size), a file shorter than its header says, and a
header longer than `MAX_NPY_HEADER_BYTES`. A .npz is read like a zip (see above).

Point tables (.csv, .tsv, .txt, .dat) hold one example per line, comma-, semicolon- or
whitespace-separated, with an optional header row (detected when the first line is not all
numbers) and `#` comment lines. A column is used as labels only when the header names it
`label`, `labels`, `class` or `target` (not `y`: a header `x,y` names two coordinates).
Rows with a wrong number of columns, a non-number or a non-finite value are skipped and
summarized in the report with their line numbers. A table is UTF-8 text (a byte-order mark is
fine) or UTF-16/UTF-32 with a byte-order mark; other text (Latin-1) or binary data is a
`DataError` that says to save it as UTF-8. It is read a line at a time into float32, within
bounds: `MAX_TABLE_BYTES` (1 GiB) a file, `MAX_LINE_LENGTH` (1,000,000) characters a line,
`MAX_POINT_COLUMNS` (4,096) columns and `MAX_POINT_ROWS` (10,000,000) rows; past one, the load
stops with a `DataError` saying which.
"""

from ganstudio.core.data.files.common import (
    ARRAY_SUFFIXES,
    COLOR_TOLERANCE,
    DEFAULT_MAX_SIZE,
    DEFAULT_MIN_SIZE,
    LABEL_COLUMNS,
    MAX_ARRAY_BYTES,
    MAX_FOLDER_DEPTH,
    MAX_FOLDER_ENTRIES,
    MAX_IMAGE_PIXELS,
    MAX_LINE_LENGTH,
    MAX_MEMBER_BYTES,
    MAX_NPY_HEADER_BYTES,
    MAX_POINT_COLUMNS,
    MAX_POINT_ROWS,
    MAX_TABLE_BYTES,
    POINTS_SUFFIXES,
    ROOT_CLASS,
    SUPPORTED_IMAGE_SUFFIXES,
    PathLike,
)
from ganstudio.core.data.files.decoding import resize_images
from ganstudio.core.data.files.images import load_images
from ganstudio.core.data.files.pair_folders import PairFolders, find_pair_folders
from ganstudio.core.data.files.points import load_points
from ganstudio.core.data.files.user_data import load_user_data, looks_like_user_data

__all__ = [
    "ARRAY_SUFFIXES",
    "COLOR_TOLERANCE",
    "DEFAULT_MAX_SIZE",
    "DEFAULT_MIN_SIZE",
    "LABEL_COLUMNS",
    "MAX_ARRAY_BYTES",
    "MAX_FOLDER_DEPTH",
    "MAX_FOLDER_ENTRIES",
    "MAX_IMAGE_PIXELS",
    "MAX_LINE_LENGTH",
    "MAX_MEMBER_BYTES",
    "MAX_NPY_HEADER_BYTES",
    "MAX_POINT_COLUMNS",
    "MAX_POINT_ROWS",
    "MAX_TABLE_BYTES",
    "POINTS_SUFFIXES",
    "PairFolders",
    "ROOT_CLASS",
    "SUPPORTED_IMAGE_SUFFIXES",
    "PathLike",
    "find_pair_folders",
    "load_images",
    "load_points",
    "load_user_data",
    "looks_like_user_data",
    "resize_images",
]
