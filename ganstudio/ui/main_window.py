"""The studio's main window: setup on the left, live views and the latent explorer on the right.

Snapshots arrive from the worker through queued signals; the views store the newest, and a
4 Hz frame clock redraws everything that changed in one go, so the window repaints once per
frame (each repaint also repaints the panels behind the views: its fixed cost, not the plots,
is what training loses to the window). What the user does (scrubbing, smoothing, switching
tabs) draws at once. Long
work (loading data, counting parameters, exporting, saving a run) runs in a job thread;
latent-space inference runs in its own thread.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDropEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ganstudio.config import DataConfig, RunConfig
from ganstudio.core.data.base import Dataset
from ganstudio.core.data.registry import dataset_names
from ganstudio.core.telemetry import Snapshot
from ganstudio.errors import ConfigError, DataError, GanStudioError
from ganstudio.ui import theme
from ganstudio.ui.inference import InferenceService
from ganstudio.ui.threads import JobRunner
from ganstudio.ui.widgets.banner import MessageBanner
from ganstudio.ui.widgets.histogram_view import HistogramView
from ganstudio.ui.widgets.loss_plot import LossPlot
from ganstudio.ui.widgets.metrics_view import MetricsView
from ganstudio.ui.widgets.sample_view import SampleView
from ganstudio.ui.widgets.setup_panel import SetupPanel
from ganstudio.ui.worker import SessionFactory, StartRequest, TrainingWorker, same_model

ORGANIZATION = "GANStudio"
APPLICATION = "GANStudio"
FRAME_MS = 250  # live views redraw together, 4 times a second
MAX_RECENT = 8
DATA_SUFFIXES = (".zip", ".npz", ".csv", ".tsv", ".txt", ".npy")
_DEFAULT = object()

DataSource = str | list[str]


def default_settings() -> QSettings:
    """The user's settings store (organization and application "GANStudio")."""
    return QSettings(ORGANIZATION, APPLICATION)


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
                              color=options.get("color", "auto"), limit=options.get("limit"))
    cfg = DataConfig(name=source, n_points=n_points, **options)
    return load_dataset(cfg, seed=seed)


def count_parameters(config: RunConfig, kind: str, shape: tuple[int, ...]) -> dict[str, int]:
    """Builds G and D for `config` to count their parameters (imports Keras: job thread only)."""
    from ganstudio.core.nets import build_nets, resolve_net_config

    net = resolve_net_config(config.net, kind, config.objective)
    return build_nets(net, shape).param_counts


def _source_name(source: DataSource) -> str:
    if isinstance(source, list):
        parents = {str(Path(p).parent) for p in source}
        return parents.pop() if len(parents) == 1 else str(Path(source[0]).parent)
    return source


def _format_time(seconds: float) -> str:
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class MainWindow(QMainWindow):
    """The studio window.

    Args:
        session_factory: Makes training sessions (tests inject a fake); default: the core's.
        settings: Where choices and geometry persist (tests inject a temporary store).
        param_counter: `(config, kind, shape) -> {"generator": n, "discriminator": n}`, run in
            the job thread whenever the model settings change; None turns counting off until
            a session is prepared.
        model_loader: Loads an export for the latent explorer (tests inject a fake).
        initial_dataset: The dataset to load first (default: the last one used, or ring8).

    Signals:
        dataset_loaded(object): a new `Dataset` is shown.
        training_finished(object): the worker finished a start request (its info dict).
        message_shown(str, str): the banner shows (text, level).
        export_done(object): an `ExportReport` after File > Export generator.
        evaluated(object): the metrics `Snapshot` of an "Evaluate now".
    """

    dataset_loaded = Signal(object)
    training_finished = Signal(object)
    message_shown = Signal(str, str)
    export_done = Signal(object)
    run_saved = Signal(str)
    evaluated = Signal(object)

    def __init__(self, session_factory: SessionFactory | None = None,
                 settings: QSettings | None = None, param_counter: Any = _DEFAULT,
                 model_loader: Callable[[str], tuple] | None = None,
                 initial_dataset: str | None = None) -> None:
        super().__init__()
        self.settings = settings if settings is not None else default_settings()
        self.param_counter: Callable | None = (count_parameters if param_counter is _DEFAULT
                                               else param_counter)
        self.dataset: Dataset | None = None
        self.data_source: DataSource | None = None
        self.run_dir: str | None = None
        self.latest: Snapshot | None = None
        self.last_export = None
        self._loading: DataSource | None = None
        self._closing = False
        self._pending_after_load: Callable[[], None] | None = None
        self._heavy_seen = 0
        self._evaluating = False
        self.setWindowTitle("GAN Studio")
        self.setWindowIcon(theme.app_icon())
        self.setAcceptDrops(True)

        self.jobs = JobRunner()
        self.worker = TrainingWorker(session_factory)
        self.inference = InferenceService(model_loader)
        self._build_ui()
        self._build_actions()
        self._connect()

        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(FRAME_MS)
        self.refresh_timer.timeout.connect(self.refresh_views)
        self.refresh_timer.start()
        self.count_timer = QTimer(self)
        self.count_timer.setSingleShot(True)
        self.count_timer.setInterval(400)
        self.count_timer.timeout.connect(self._count_parameters)

        self._restore_settings()
        first = initial_dataset or str(self.settings.value("data/last", "ring8") or "ring8")
        self.load_data(first, quiet_fallback=initial_dataset is None)
        self._update_actions()

    # -- layout ----------------------------------------------------------------------------------

    def _build_ui(self) -> None:
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(6, 6, 6, 0)
        outer.setSpacing(6)
        self.banner = MessageBanner()
        outer.addWidget(self.banner)

        self.setup = SetupPanel()
        scroll = QScrollArea()
        scroll.setWidget(self.setup)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(300)
        self.setup_scroll = scroll

        self.loss_plot = LossPlot()
        self.histogram = HistogramView()
        self.samples = SampleView()
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.loss_plot)
        right.addWidget(self.histogram)
        right.setChildrenCollapsible(False)
        self.views_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.views_splitter.addWidget(self.samples)
        self.views_splitter.addWidget(right)
        self.views_splitter.setStretchFactor(0, 3)
        self.views_splitter.setStretchFactor(1, 2)
        self.views_splitter.setChildrenCollapsible(False)

        self.tabs = QTabWidget()
        self.tabs.addTab(self.views_splitter, "Training")
        self.explorer = self._make_explorer()
        self.tabs.addTab(self.explorer, "Latent explorer")
        self.metrics_view = MetricsView()
        self.tabs.addTab(self.metrics_view, "Metrics")

        self.main_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.main_splitter.addWidget(scroll)
        self.main_splitter.addWidget(self.tabs)
        self.main_splitter.setStretchFactor(0, 0)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setSizes([340, 1100])
        self.main_splitter.setChildrenCollapsible(False)
        outer.addWidget(self.main_splitter, 1)
        self.setCentralWidget(central)

        bar = self.statusBar()
        self.status_text = QLabel("ready")
        self.status_text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        right = Qt.AlignmentFlag.AlignRight
        self.step_label = theme.steady_label("step —", "step 10,000,000", right)
        self.speed_label = theme.steady_label("— steps/s", "10,000.0 steps/s", right)
        self.time_label = theme.steady_label("0:00", "100:00:00", right)
        self.device_label = QLabel("device —")
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setFixedWidth(90)
        self.progress.setFixedHeight(12)
        self.progress.setTextVisible(False)
        self.progress.hide()
        bar.addWidget(self.status_text, 1)
        bar.addPermanentWidget(self.progress)
        for label in (self.step_label, self.speed_label, self.time_label, self.device_label):
            bar.addPermanentWidget(label)
        self.resize(1440, 900)

    def _make_explorer(self) -> QWidget:
        try:
            from ganstudio.ui.widgets.latent_explorer import LatentExplorer
        except ImportError as exc:  # the widget is optional at import time
            label = QLabel(f"The latent explorer is not available: {exc}")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self._has_explorer = False
            return label
        self._has_explorer = True
        return LatentExplorer()

    def _build_actions(self) -> None:
        def action(text: str, slot: Callable, shortcut: str | QKeySequence | None = None,
                   tip: str = "") -> QAction:
            act = QAction(text, self)
            if shortcut:
                act.setShortcut(QKeySequence(shortcut))
            act.setToolTip(f"{tip or text} ({QKeySequence(shortcut).toString()})" if shortcut
                           else (tip or text))
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.start_action = action("Start", self.start_training, "F5",
                                   "Train with the settings on the left")
        self.pause_action = action("Pause", self.toggle_pause, "F6", "Pause or resume training")
        self.step_action = action("Step", lambda: self.step("both"), "F10",
                                  "One step of D and G (while paused)")
        self.step_d_action = action("Step D only", lambda: self.step("d"), "Ctrl+D",
                                    "One discriminator update (while paused)")
        self.step_g_action = action("Step G only", lambda: self.step("g"), "Ctrl+G",
                                    "One generator update (while paused)")
        self.stop_action = action("Stop", self.stop_training, "Shift+F5",
                                  "Stop after the current step (weights are kept)")
        self.reset_action = action("Reset", self.reset, "Ctrl+R",
                                   "Forget the trained networks and clear the views")
        self.open_file_action = action("Open data file…", self.open_data_file, "Ctrl+O")
        self.open_folder_action = action("Open data folder…", self.open_data_folder,
                                         "Ctrl+Shift+O")
        self.open_model_action = action("Open model…", self.open_model_dialog, "Ctrl+M",
                                        "Open an exported generator in the latent explorer")
        self.open_run_action = action("Open run…", self.open_run_dialog, "Ctrl+Shift+R",
                                      "Open a saved run folder to look at or continue")
        self.save_run_action = action("Save run…", self.save_run_dialog, "Ctrl+S",
                                      "Save config, checkpoint, history and generator to a folder")
        self.export_action = action("Export generator…", self.export_dialog, "Ctrl+E",
                                    "Export the generator as a TensorFlow SavedModel")
        self.save_png_action = action("Save samples as PNG…", self.save_png_dialog,
                                      "Ctrl+Shift+S")
        self.quit_action = action("Quit", self.close, QKeySequence.StandardKey.Quit)

        menu = self.menuBar().addMenu("&File")
        for act in (self.open_file_action, self.open_folder_action, None, self.open_run_action,
                    self.save_run_action, None, self.open_model_action, self.export_action,
                    self.save_png_action, None, self.quit_action):
            menu.addSeparator() if act is None else menu.addAction(act)
        train = self.menuBar().addMenu("&Training")
        for act in (self.start_action, self.pause_action, self.step_action, self.step_d_action,
                    self.step_g_action, self.stop_action, None, self.reset_action):
            train.addSeparator() if act is None else train.addAction(act)
        view = self.menuBar().addMenu("&View")
        view.addAction(action("Training views", lambda: self.tabs.setCurrentIndex(0), "Ctrl+1"))
        view.addAction(action("Latent explorer", lambda: self.tabs.setCurrentIndex(1), "Ctrl+2"))
        view.addAction(action("Metrics", lambda: self.tabs.setCurrentWidget(self.metrics_view),
                              "Ctrl+3"))

        tb = self.addToolBar("Controls")
        tb.setObjectName("controls")
        tb.setMovable(False)
        self.start_button = QPushButton("▶  Start")
        self.start_button.setObjectName("primary")
        self.start_button.setToolTip(self.start_action.toolTip())
        self.start_button.clicked.connect(self.start_training)
        tb.addWidget(self.start_button)
        self.pause_button = QPushButton("⏸  Pause")
        self.pause_button.setToolTip(self.pause_action.toolTip())
        self.pause_button.clicked.connect(self.toggle_pause)
        tb.addWidget(self.pause_button)
        self.step_button = QToolButton()
        self.step_button.setDefaultAction(self.step_action)
        self.step_button.setText("⏭  Step")
        tb.addWidget(self.step_button)
        self.step_d_button = QToolButton()
        self.step_d_button.setDefaultAction(self.step_d_action)
        tb.addWidget(self.step_d_button)
        self.step_g_button = QToolButton()
        self.step_g_button.setDefaultAction(self.step_g_action)
        tb.addWidget(self.step_g_button)
        self.stop_button = QPushButton("■  Stop")
        self.stop_button.setToolTip(self.stop_action.toolTip())
        self.stop_button.clicked.connect(self.stop_training)
        tb.addWidget(self.stop_button)
        self.reset_button = QPushButton("↺  Reset")
        self.reset_button.setToolTip(self.reset_action.toolTip())
        self.reset_button.clicked.connect(self.reset)
        tb.addWidget(self.reset_button)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        tb.addWidget(spacer)
        self.state_label = QLabel("idle")
        self.state_label.setObjectName("caption")
        tb.addWidget(self.state_label)
        for act in (self.save_png_action, self.save_run_action, self.export_action):
            button = QToolButton()
            button.setDefaultAction(act)
            tb.addWidget(button)
        self.export_button = tb.widgetForAction(self.export_action)

    def _connect(self) -> None:
        w = self.worker
        w.snapshot_ready.connect(self._on_snapshot)
        w.status_changed.connect(self.set_status)
        w.prepared.connect(self._on_prepared)
        w.metrics_info.connect(self.metrics_view.set_metric_info)
        self.metrics_view.evaluate_requested.connect(self.evaluate_now)
        w.errored.connect(self._on_error)
        w.finished.connect(self._on_finished)
        self.jobs.busy_changed.connect(self._on_jobs_busy)
        self.inference.errored.connect(self._on_error)
        self.inference.generator_changed.connect(self._on_generator_changed)
        self.setup.dataset_selected.connect(self.load_data)
        self.setup.open_file_requested.connect(self.open_data_file)
        self.setup.open_folder_requested.connect(self.open_data_folder)
        self.setup.data_options_changed.connect(self._reload_data)
        self.setup.settings_changed.connect(self._schedule_count)
        if self._has_explorer:
            self.explorer.generate_requested.connect(self._request_latent)
            self.inference.samples_ready.connect(self.explorer.show_result)
        self.tabs.currentChanged.connect(self._tab_changed)

    # -- state -----------------------------------------------------------------------------------

    @property
    def training(self) -> bool:
        """True while the worker prepares or trains."""
        return self.worker.busy

    def _update_actions(self) -> None:
        busy = self.worker.busy
        paused = self.worker.paused
        has_session = self.worker.session is not None
        self.start_action.setEnabled(not busy and self.dataset is not None
                                     and self._loading is None)
        self.pause_action.setEnabled(busy)
        self.pause_action.setText("Resume" if paused else "Pause")
        for act in (self.step_action, self.step_d_action, self.step_g_action):
            act.setEnabled(busy and paused)
        self.stop_action.setEnabled(busy)
        self.reset_action.setEnabled(busy or has_session or self.latest is not None)
        self.export_action.setEnabled(has_session)
        self.save_run_action.setEnabled(has_session)
        self.save_png_action.setEnabled(self.samples.shown_frame is not None)
        for act in (self.open_file_action, self.open_folder_action, self.open_run_action):
            act.setEnabled(not busy)
        self.start_button.setEnabled(self.start_action.isEnabled())
        self.start_button.setText("▶  Continue" if has_session and not busy else "▶  Start")
        self.pause_button.setEnabled(self.pause_action.isEnabled())
        self.pause_button.setText("▶  Resume" if paused else "⏸  Pause")
        self.stop_button.setEnabled(busy)
        self.reset_button.setEnabled(self.reset_action.isEnabled())
        self.metrics_view.set_can_evaluate(has_session and not self._evaluating)
        self.setup.set_running(busy)
        if busy:
            state = "paused" if paused else "training"
        else:
            state = "stopped" if has_session else "idle"
        self.state_label.setText(state)

    def set_status(self, text: str) -> None:
        """Shows a one-line status at the bottom left (a "stop rule: …" line also goes to the
        Metrics tab)."""
        self.status_text.setText(text)
        if text.startswith("stop rule:"):
            self.metrics_view.stop_rule_fired(text)

    def show_message(self, text: str, level: str = "info") -> None:
        """Shows a non-modal message in the banner ("error", "warning" or "info")."""
        self.banner.show_message(text, level)
        self.message_shown.emit(text, level)

    def _on_error(self, message: str, kind: str) -> None:
        self.show_message(message, "error")
        self.set_status(f"error: {message.splitlines()[0][:120]}")
        self._update_actions()

    def _on_jobs_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy or self.worker.busy and self.latest is None)

    # -- data ------------------------------------------------------------------------------------

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
        name = _source_name(source)
        self.setup.show_dataset(dataset, name if name in dataset_names() else name)
        if name not in dataset_names():
            self._remember_recent(name)
        self.samples.set_kind(dataset.kind)
        report = dataset.report
        if report is not None:
            level = "warning" if report.skipped else "info"
            self.show_message("Loaded " + report.summary(), level)
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

    def _remember_recent(self, path: str) -> None:
        recent = [p for p in self._recent() if p != path]
        recent.insert(0, path)
        self.settings.setValue("data/recent", json.dumps(recent[:MAX_RECENT]))

    def _recent(self) -> list[str]:
        try:
            return [str(p) for p in json.loads(str(self.settings.value("data/recent", "[]")))]
        except (TypeError, ValueError):
            return []

    # -- drag and drop ---------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        """Accepts drags that carry local files or folders."""
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()
            self.setup.drop_zone.set_active(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802 - Qt's name
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

    # -- parameters ------------------------------------------------------------------------------

    def _schedule_count(self) -> None:
        if self.param_counter is not None and self.dataset is not None and not self.worker.busy:
            self.count_timer.start()

    def _count_parameters(self) -> None:
        if self.param_counter is None or self.dataset is None or self.worker.busy:
            return
        try:
            cfg = self.setup.config(data_name=_source_name(self.data_source or "ring8"))
        except ConfigError:
            return
        counter, kind, shape = self.param_counter, self.dataset.kind, self.dataset.shape

        def done(counts: dict[str, int]) -> None:
            self.setup.set_param_counts(counts)

        def failed(message: str, kind_: str) -> None:
            self.setup.params_label.setText("— (" + message.split(";")[0][:60] + ")")

        self.jobs.submit(lambda: counter(cfg, kind, shape), done, failed)

    # -- training --------------------------------------------------------------------------------

    def current_config(self) -> RunConfig:
        """The settings on the left as a `RunConfig` (raises ConfigError when not allowed)."""
        return self.setup.config(data_name=_source_name(self.data_source or "ring8"))

    def start_training(self) -> bool:
        """Starts (or continues) training with the current settings.

        Returns:
            True when the worker accepted the request.
        """
        if self.worker.busy:
            return False
        if self.dataset is None or self._loading is not None:
            self.show_message("The dataset is still loading; press Start again in a moment.",
                              "warning")
            return False
        try:
            cfg = self.current_config()
        except GanStudioError as exc:
            self.show_message(str(exc), "error")
            return False
        session = self.worker.session
        reuse = session is not None and same_model(session.config, cfg)
        del session  # the worker alone may drop the last reference (in its own thread)
        if not reuse:
            self.clear_views()
            self.run_dir = None
        if self.banner.level == "error":
            self.banner.dismiss()
        request = StartRequest(cfg, dataset=self.dataset, out_dir=self.run_dir)
        if not self.worker.start(request):
            return False
        self.metrics_view.set_train_config(cfg.train)
        self._save_choices()
        self.set_status("continuing…" if reuse else "preparing…")
        self.progress.setVisible(not reuse)
        self._update_actions()
        return True

    def toggle_pause(self) -> None:
        """Pauses a running training, or resumes a paused one."""
        if not self.worker.busy:
            return
        if self.worker.paused:
            self.worker.resume()
            self.set_status("resumed")
        else:
            self.worker.pause()
            self.set_status("paused — Step runs one step (D only / G only from the menu)")
        self._update_actions()

    def step(self, mode: str = "both") -> None:
        """While paused: one step of both players, or of D or G only."""
        if self.worker.paused:
            self.worker.step(mode)
            label = {"both": "D and G", "d": "D only", "g": "G only"}[mode]
            self.set_status(f"one step ({label})")

    def stop_training(self) -> None:
        """Stops training after the current step; the networks are kept (Start continues)."""
        if self.worker.busy:
            self.worker.stop()
            self.set_status("stopping…")

    def reset(self) -> None:
        """Stops training, forgets the networks and clears the views."""
        self.worker.reset()
        self.run_dir = None
        self.clear_views()
        self.inference.set_generator(None, 0, "")
        if self._has_explorer:
            self.explorer.clear_generator()
        self.setup.set_param_counts({})
        self._schedule_count()
        self.set_status("reset")
        self._update_actions()

    def clear_views(self) -> None:
        """Empties the live views and the status numbers."""
        self.latest = None
        self._heavy_seen = 0
        self.loss_plot.clear()
        self.histogram.clear()
        self.samples.clear()
        self.metrics_view.clear()
        self.step_label.setText("step —")
        self.speed_label.setText("— steps/s")
        self.time_label.setText("0:00")

    def _on_prepared(self, info: dict[str, Any]) -> None:
        self.setup.set_param_counts(info.get("param_counts", {}))
        device = info.get("device", "")
        self.setup.set_device(device, info.get("jit"))
        self.device_label.setText(device or "device —")
        kind = info.get("kind") or (self.dataset.kind if self.dataset else "points")
        self.samples.set_kind(kind)
        if info.get("history") and info.get("step", 0) > 0:
            self.loss_plot.set_history(info["history"])
        for row in info.get("metrics_history") or []:
            row = dict(row)
            step = int(row.pop("step", 0))
            self.metrics_view.add_metrics(step, {k: float(v) for k, v in row.items()
                                                 if isinstance(v, (int, float))}, manual=True)
        generator = self.worker.generator()
        latent = int(info.get("latent_dim") or 0)
        if generator is not None and latent > 0:
            self.inference.set_generator(generator, latent, kind, "live session")
        self.progress.setVisible(self.jobs.busy)
        self._update_actions()

    def _on_generator_changed(self, latent_dim: int, kind: str, description: str) -> None:
        if self._has_explorer and kind in ("images", "points"):
            self.explorer.set_generator_info(latent_dim, kind)
        if description.startswith("model "):
            self.show_message(f"Opened {description[6:]} in the latent explorer.", "info")
            self.tabs.setCurrentIndex(1)

    def _request_latent(self, request_id: int, z: object) -> None:
        # called in the GUI thread, so a newer request replaces a pending one at once
        self.inference.request(request_id, z)

    def _tab_changed(self, index: int) -> None:
        if index == 1 and self._has_explorer and self.inference.has_generator:
            self.explorer.refresh()
        if self.tabs.widget(index) is self.metrics_view:
            self.metrics_view.refresh()

    def _on_snapshot(self, snap: Snapshot) -> None:
        self.latest = snap
        self.loss_plot.add_snapshot(snap)
        self.histogram.set_snapshot(snap)
        self.samples.add_snapshot(snap)
        self.metrics_view.add_snapshot(snap)
        if snap.samples is not None:
            self._heavy_seen += 1
            if (self._has_explorer and self.tabs.currentIndex() == 1
                    and self.inference.has_generator and self._heavy_seen % 2 == 0):
                self.explorer.refresh()
        if snap.event in ("paused", "step", "final"):
            self._update_actions()

    def _on_finished(self, info: dict[str, Any]) -> None:
        self.progress.setVisible(self.jobs.busy)
        if info.get("trained"):
            speed = info.get("steps_per_sec", 0.0)
            verb = "stopped" if info.get("stopped_early") else "finished"
            self.set_status(f"{verb} at step {info.get('steps', 0):,} ({speed:.1f} steps/s)")
        if self._has_explorer and self.inference.has_generator:
            self.explorer.refresh()
        self._update_actions()
        self.refresh_views(force=True)
        self.training_finished.emit(info)

    def refresh_views(self, force: bool = False) -> None:
        """Redraws the views that changed and the status numbers (the frame clock).

        Args:
            force: Also redraw the Metrics tab when it is not on screen.
        """
        self.loss_plot.refresh()
        self.histogram.refresh()
        drew = self.samples.refresh()
        if force or self.tabs.currentWidget() is self.metrics_view:
            self.metrics_view.refresh()
        snap = self.latest
        if snap is not None:
            self.step_label.setText(f"step {snap.step:,}")
            self.speed_label.setText(f"{snap.steps_per_sec:,.1f} steps/s")
            self.time_label.setText(_format_time(snap.elapsed))
        if drew and not self.save_png_action.isEnabled():
            self._update_actions()

    def evaluate_now(self) -> bool:
        """Scores the current generator now (the Metrics tab's button), off the GUI thread.

        The evaluation runs in the training thread between two steps while training runs
        (or under the worker's TensorFlow lock while paused or idle); the figures arrive as a
        metrics snapshot for the Metrics tab, and `evaluated` is emitted with it.

        Returns:
            False when there is nothing to evaluate or an evaluation is already running.
        """
        if self.worker.session is None:
            self.show_message("Train (or open a run) before evaluating.", "warning")
            return False
        if self._evaluating:
            return False
        self._evaluating = True
        self.set_status("evaluating the generator…")
        self._update_actions()

        def done(snap: Snapshot) -> None:
            self._evaluating = False
            self.metrics_view.add_snapshot(snap, manual=True)
            self.set_status(f"evaluated at step {snap.step:,}")
            self._update_actions()
            self.evaluated.emit(snap)

        def failed(message: str, kind: str) -> None:
            self._evaluating = False
            self._on_error(message, kind)

        self.jobs.submit(self.worker.evaluate, done, failed)
        return True

    # -- export and runs -------------------------------------------------------------------------

    def _with_session_paused(self, fn: Callable[[Any], Any]) -> Callable[[], Any]:
        worker = self.worker

        def job() -> Any:
            session = worker.session
            if session is None:
                raise ConfigError("there is no trained generator yet.", "Press Start first.")
            was_running = worker.busy and not worker.paused
            if worker.busy:
                worker.pause()
                worker.wait_idle(120.0)
            try:
                with worker.tf_lock:
                    return fn(session)
            finally:
                if was_running:
                    worker.resume()

        return job

    def export_generator(self, path: str | Path) -> bool:
        """Exports the generator as a SavedModel in the job thread; the round-trip check's
        summary shows in the banner.

        Args:
            path: The export folder to write.
        """
        if self.worker.session is None:
            self.show_message("Train (or open a run) before exporting a generator.", "warning")
            return False
        path = str(path)
        self.set_status(f"exporting to {path}…")

        def done(report: Any) -> None:
            self.last_export = report
            ok = bool(getattr(report, "ok", True))
            self.show_message(report.summary(), "info" if ok else "warning")
            self.set_status("export done" if ok else "export finished with a mismatch")
            self.export_done.emit(report)

        self.jobs.submit(self._with_session_paused(lambda s: s.export(path)), done,
                         self._on_error)
        return True

    def export_dialog(self) -> None:
        """Asks for a folder name and exports the generator there."""
        start = str(Path(self.run_dir) / "generator") if self.run_dir else str(
            Path.home() / "generator")
        path, _ = QFileDialog.getSaveFileName(self, "Export generator (a SavedModel folder)",
                                              start, "SavedModel folder (*)")
        if path:
            self.export_generator(path)

    def save_png(self, path: str | Path) -> bool:
        """Saves the samples on screen as a PNG."""
        try:
            saved = self.samples.save_png(path)
        except (OSError, ValueError) as exc:
            self.show_message(f"Could not save the samples: {exc}", "error")
            return False
        self.set_status(f"samples saved to {saved}")
        return True

    def save_png_dialog(self) -> None:
        """Asks for a PNG path and saves the samples on screen."""
        step = self.samples.shown_frame.step if self.samples.shown_frame else 0
        path, _ = QFileDialog.getSaveFileName(self, "Save samples", str(
            Path.home() / f"samples-step{step}.png"), "PNG image (*.png)")
        if path:
            self.save_png(path if path.lower().endswith(".png") else path + ".png")

    def save_run(self, folder: str | Path) -> bool:
        """Saves the run to a folder (config, checkpoint, history, run.json and the generator);
        later checkpoints of this session also go there.

        Args:
            folder: The run folder (created if needed).
        """
        if self.worker.session is None:
            self.show_message("Train before saving a run.", "warning")
            return False
        folder = Path(folder)
        latest = self.latest

        def save(session: Any) -> str:
            from ganstudio.core.checkpoint import atomic_write_text
            from ganstudio.core.session import RunResult

            folder.mkdir(parents=True, exist_ok=True)
            session.out_dir = folder
            session.config.save(folder / "config.toml")
            session.save_checkpoint()
            atomic_write_text(folder / "history.json", json.dumps(session.history))
            scalars = dict(latest.scalars) if latest is not None else {}
            result = RunResult(session.step, latest.elapsed if latest else 0.0,
                               latest.steps_per_sec if latest else 0.0, scalars,
                               stopped_early=session.step < session.config.train.steps)
            session.write_run_json(result, {"saved_from": "studio"})
            report = session.export(folder / "generator")
            return f"Saved the run to {folder} (step {session.step:,}). {report.summary()}"

        def done(message: str) -> None:
            self.run_dir = str(folder)
            self.show_message(message, "info")
            self.set_status(f"run saved to {folder}")
            self.run_saved.emit(str(folder))

        self.set_status(f"saving the run to {folder}…")
        self.jobs.submit(self._with_session_paused(save), done, self._on_error)
        return True

    def save_run_dialog(self) -> None:
        """Asks for a folder and saves the run there."""
        path = QFileDialog.getExistingDirectory(self, "Save the run to a folder",
                                                self.run_dir or str(Path.home()))
        if path:
            self.save_run(path)

    def open_run(self, folder: str | Path) -> bool:
        """Opens a saved run folder: its settings, data, weights, history and last samples;
        Start continues training it.

        Returns:
            False when training runs or the folder holds no run (the banner says why).
        """
        if self.worker.busy:
            self.show_message("Stop training before opening a run.", "warning")
            return False
        folder = Path(folder)
        try:
            cfg = _read_run_config(folder)
        except GanStudioError as exc:
            self.show_message(str(exc), "error")
            return False
        self.setup.set_config(cfg)
        self.clear_views()

        def prepare() -> None:
            self.run_dir = str(folder)
            request = StartRequest(cfg, dataset=self.dataset, resume=str(folder),
                                   out_dir=str(folder), train=False, fresh=True)
            self.worker.start(request)
            self.set_status(f"opening the run in {folder}…")
            self._update_actions()

        self._pending_after_load = prepare
        if not self.load_data(cfg.data.name):
            self._pending_after_load = None
            return False
        return True

    def open_run_dialog(self) -> None:
        """Asks for a run folder and opens it."""
        path = QFileDialog.getExistingDirectory(self, "Open a run folder", str(Path.home()))
        if path:
            self.open_run(path)

    def open_model(self, path: str | Path) -> None:
        """Loads an exported generator (or a run's) into the latent explorer, off the GUI
        thread."""
        self.set_status(f"opening the model in {path}…")
        self.inference.open_model(str(path))

    def open_model_dialog(self) -> None:
        """Asks for an export (or run) folder and opens it in the latent explorer."""
        path = QFileDialog.getExistingDirectory(self, "Open an exported generator",
                                                str(Path.home()))
        if path:
            self.open_model(path)

    # -- settings and closing --------------------------------------------------------------------

    def _save_choices(self) -> None:
        try:
            cfg = self.current_config()
        except GanStudioError:
            return
        self.settings.setValue("run/config", cfg.to_json())
        if isinstance(self.data_source, str):
            self.settings.setValue("data/last", self.data_source)

    def _restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = self.settings.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        splitter = self.settings.value("window/splitter")
        if isinstance(splitter, QByteArray):
            self.main_splitter.restoreState(splitter)
        raw = self.settings.value("run/config")
        if raw:
            with contextlib.suppress(GanStudioError, ValueError, TypeError):
                self.setup.set_config(RunConfig.from_dict(json.loads(str(raw))))
        for path in reversed(self._recent()):
            if Path(path).exists():
                self.setup.add_recent(path)

    def save_settings(self) -> None:
        """Writes geometry, layout, the last choices and recent datasets to the settings."""
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("window/splitter", self.main_splitter.saveState())
        self._save_choices()
        self.settings.sync()

    def shutdown(self) -> None:
        """Stops training and joins every thread the window started (never terminates)."""
        if self._closing:
            return
        self._closing = True
        self.refresh_timer.stop()
        self.count_timer.stop()
        self.worker.stop()
        ok = self.worker.shutdown()
        ok = self.inference.shutdown() and ok
        ok = self.jobs.shutdown() and ok
        if self._has_explorer:
            self.explorer.wait_for_background()
        if not ok:
            print("ganstudio: a background thread did not stop in time", file=sys.stderr)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        """Saves the settings, stops training and joins the threads, then closes."""
        if not self._closing:
            self.save_settings()
        self.shutdown()
        super().closeEvent(event)


def _read_run_config(folder: Path) -> RunConfig:
    """The config of a run folder (run.json, or config.toml beside it)."""
    run_json = folder / "run.json"
    if run_json.is_file():
        try:
            data = json.loads(run_json.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DataError(f"{run_json} is not readable: {exc}.") from None
        if isinstance(data, dict) and "config" in data:
            return RunConfig.from_dict(data["config"])
    for name in ("config.toml", "config.json"):
        if (folder / name).is_file():
            return RunConfig.load(folder / name)
    raise DataError(f"{folder} is not a run folder (no run.json or config.toml).",
                    "Open the folder written by Save run or `ganstudio train --out`.")
