"""Where the training data comes from: built-in names, files, folders and drops.

`classify_drop` decides what dropped or chosen paths are (data, a run folder, an exported
model, or something unsupported, with a message that says why); `load_source` loads data in
the job thread; `DataSources` is the window's side: the File menu's dialogs, drag and drop,
and loading a dataset without losing the current one when the new one fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog

from ganstudio.config import DataConfig
from ganstudio.core.data.base import Dataset
from ganstudio.core.data.registry import dataset_names
from ganstudio.ui.widgets.sample_view import view_kind

__all__ = [
    "DATA_SUFFIXES",
    "DataSource",
    "DataSources",
    "classify_drop",
    "image_suffixes",
    "load_source",
    "source_name",
]

DATA_SUFFIXES = (".zip", ".npz", ".csv", ".tsv", ".txt", ".npy")

DataSource = str | list[str]


def image_suffixes() -> tuple[str, ...]:
    """Image file suffixes the data loader reads."""
    try:
        from ganstudio.core.data.files import SUPPORTED_IMAGE_SUFFIXES
    except ImportError:  # pragma: no cover - the loader is part of the core
        return (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
    return tuple(SUPPORTED_IMAGE_SUFFIXES)


def classify_drop(paths: list[str]) -> tuple[str, DataSource | None, str]:
    """Decides what dropped paths are.

    Args:
        paths: Local file or folder paths.

    Returns:
        `(what, source, message)`: what is "data", "run", "model" or "unsupported"; source is
        the path (or list of image paths) to open; message explains an unsupported drop.
    """
    if not paths:
        return "unsupported", None, "Only local files and folders can be dropped here."
    images = image_suffixes()
    if len(paths) == 1:
        p = Path(paths[0])
        if p.is_dir():
            if (p / "run.json").is_file() or (p / "checkpoints").is_dir():
                return "run", str(p), ""
            if (p / "saved_model.pb").is_file():
                return "model", str(p), ""
            return "data", str(p), ""
        if not p.exists():
            return "unsupported", None, f"{p.name}: no such file."
        suffix = p.suffix.lower()
        if suffix in DATA_SUFFIXES or suffix in images:
            return "data", str(p), ""
        return "unsupported", None, (
            f"Can't use {p.name}: {suffix or 'files without a suffix'} is not a dataset format. "
            "Drop a folder of images, a .zip, a .npz, image files, or a .csv/.npy of 2D points.")
    if all(Path(p).is_file() and Path(p).suffix.lower() in images for p in paths):
        return "data", [str(p) for p in paths], ""
    names = ", ".join(Path(p).name for p in paths[:3]) + (" …" if len(paths) > 3 else "")
    return "unsupported", None, (
        f"Can't use {names} together: drop one folder, .zip, .npz, .csv or .npy, or only "
        "image files.")


def load_source(source: DataSource, options: dict[str, Any], seed: int = 0,
                n_points: int = 100_000) -> Dataset:
    """Loads a built-in dataset, a path, or a list of image files (call it off the GUI thread).

    Args:
        source: A dataset name, a path, or a list of image paths.
        options: `image_size`, `color`, `limit` (as in `DataConfig`).
        seed: Seed for synthetic data.
        n_points: Points drawn for synthetic 2D data.

    Raises:
        DataError: when nothing usable is found (the message says why).
    """
    from ganstudio.core.data.registry import load_dataset

    if isinstance(source, list):
        from ganstudio.core.data.files import load_user_data

        return load_user_data(source, image_size=options.get("image_size"),
                              color=options.get("color", "auto"), limit=options.get("limit"),
                              follow_links=bool(options.get("follow_links", False)))
    cfg = DataConfig(name=source, n_points=n_points, **options)
    return load_dataset(cfg, seed=seed)


def source_name(source: DataSource) -> str:
    """The name a source is shown and remembered by.

    Args:
        source: A dataset name, a path, or a list of image paths.

    Returns:
        The name or path itself; for a list of image files, their folder.
    """
    if isinstance(source, list):
        parents = {str(Path(p).parent) for p in source}
        return parents.pop() if len(parents) == 1 else str(Path(source[0]).parent)
    return source


class DataSources:
    """Loading data into `MainWindow`: dialogs, drag and drop, the job (a mixin).

    It sets the window's `dataset`, `data_source` and `_loading`, shows the data in `setup`
    and `samples`, and runs `_pending_after_load` (e.g. an opened run) once the data is in.
    """

    def load_data(self, source: DataSource, quiet_fallback: bool = False) -> bool:
        """Loads a dataset (built-in name, path, or list of image files) in the job thread.

        The current dataset stays until the new one has loaded; an error shows in the banner.

        Args:
            source: What to load.
            quiet_fallback: On failure, load ring8 instead (used for the remembered dataset).

        Returns:
            False when training runs (the data cannot change now).
        """
        if self.worker.busy:
            self.show_message("Stop training before changing the dataset.", "warning")
            if self.data_source is not None and not isinstance(self.data_source, list):
                self.setup.select_source(self.data_source)
            return False
        options = self.setup.data_options()
        seed = self.setup.seed.value()
        self._loading = source
        label = source if isinstance(source, str) else f"{len(source)} image files"
        self.set_status(f"loading {label}…")
        self._update_actions()

        def done(dataset: Dataset) -> None:
            self._loading = None
            self._data_loaded(source, dataset)

        def failed(message: str, kind: str) -> None:
            self._loading = None
            if quiet_fallback and source != "ring8":
                self.load_data("ring8")
                return
            self.show_message(message, "error")
            self.set_status("the dataset could not be loaded; the previous one is kept")
            if isinstance(self.data_source, str):
                self.setup.select_source(self.data_source)
            self._update_actions()

        self.jobs.submit(lambda: load_source(source, options, seed), done, failed)
        return True

    def _data_loaded(self, source: DataSource, dataset: Dataset) -> None:
        self.dataset = dataset
        self.data_source = source
        name = source_name(source)
        self.setup.show_dataset(dataset, name if name in dataset_names() else name)
        if name not in dataset_names():
            self._remember_recent(name)
        self.samples.set_kind(view_kind(dataset.kind, dataset.shape))
        report_text = dataset.report_summary()  # each domain's, for two
        if report_text is not None:
            level = "warning" if dataset.reports_skipped() else "info"
            self.show_message("Loaded " + report_text, level)
        elif self.banner.level != "error":
            self.banner.dismiss()
        self.set_status(f"{Path(name).name or name}: {len(dataset):,} {dataset.kind}")
        self._update_actions()
        self._schedule_count()
        self.dataset_loaded.emit(dataset)
        if self._pending_after_load is not None:
            then, self._pending_after_load = self._pending_after_load, None
            then()

    def _reload_data(self) -> None:
        if self.data_source is not None and not self.worker.busy:
            self.load_data(self.data_source)

    def open_data_file(self) -> None:
        """Asks for data files (a .zip, .npz, .csv, .npy, or image files) and loads them."""
        images = " ".join(f"*{s}" for s in image_suffixes())
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Open data", str(Path.home()),
            f"Data (*.zip *.npz *.csv *.npy {images});;All files (*)")
        if paths:
            self.open_paths(paths)

    def open_data_folder(self) -> None:
        """Asks for a folder of images and loads it."""
        path = QFileDialog.getExistingDirectory(self, "Open a folder of images", str(Path.home()))
        if path:
            self.open_paths([path])

    def open_paths(self, paths: list[str]) -> bool:
        """Opens dropped or chosen paths: data, a run folder or an exported model.

        Returns:
            True when something is being opened; False for an unsupported choice (the banner
            says why; nothing loaded is lost).
        """
        what, source, message = classify_drop(paths)
        if what == "unsupported":
            self.show_message(message, "error")
            return False
        if what == "run":
            return self.open_run(str(source))
        if what == "model":
            self.open_model(str(source))
            return True
        return self.load_data(source)

    # -- drag and drop -----------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        """Accepts drags that carry local files or folders."""
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()
            self.setup.drop_zone.set_active(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 - Qt's name
        """Keeps accepting a drag of local files."""
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:  # noqa: N802 - Qt's name
        """Removes the drop highlight."""
        self.setup.drop_zone.set_active(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        """Loads dropped data (or opens a dropped run/model folder)."""
        self.setup.drop_zone.set_active(False)
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        paths = [u.toLocalFile() for u in urls if u.isLocalFile()]
        event.acceptProposedAction()
        self.open_paths(paths)
