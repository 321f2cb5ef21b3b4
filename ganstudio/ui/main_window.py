"""The studio's main window: setup on the left, live views and the latent explorer on the right.

Snapshots arrive from the worker through queued signals; the views store the newest, and a
4 Hz frame clock redraws everything that changed in one go, so the window repaints once per
frame (each repaint also repaints the panels behind the views: its fixed cost, not the plots,
is what training loses to the window). What the user does (scrubbing, smoothing, switching
tabs) draws at once. Long work (loading data, counting parameters, exporting, saving a run)
runs in a job thread; latent-space inference runs in its own thread.

This module holds the window's layout and its wiring (worker, inference and job signals to
the views); each concept of the window's behaviour lives in a mixin of its own module:
`actions` (menus, toolbar, shortcuts), `data_sources` (loading data, drag and drop),
`training_control` (start, pause, step, stop, reset, evaluate), `run_files` (saving and
opening runs, exports, PNGs, models) and `window_settings` (what persists in `QSettings`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QMainWindow,
    QProgressBar,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ganstudio.config import RunConfig
from ganstudio.core.data.base import Dataset
from ganstudio.core.families import (
    NEEDS_PAIR,
    PANEL_D_HIST,
    PANEL_D_HIST_A,
    PANEL_LATENT,
    PANEL_RECON,
    PANEL_ROUND_TRIP,
    get_family,
)
from ganstudio.core.panels import Histograms, LatentCodes, Samples, TranslationField
from ganstudio.core.telemetry import Snapshot
from ganstudio.errors import ConfigError, GanStudioError
from ganstudio.ui import gui_gc, theme
from ganstudio.ui.actions import WindowActions
from ganstudio.ui.data_sources import DataSource, DataSources, source_name
from ganstudio.ui.frame_budget import FrameBudget
from ganstudio.ui.inference import InferenceService
from ganstudio.ui.run_files import RunFiles
from ganstudio.ui.threads import JobRunner
from ganstudio.ui.training_control import TrainingControl
from ganstudio.ui.translation import TranslationService
from ganstudio.ui.widgets.banner import MessageBanner
from ganstudio.ui.widgets.g_loss_view import GLossView
from ganstudio.ui.widgets.histogram_view import HistogramView
from ganstudio.ui.widgets.lab_view import LabView
from ganstudio.ui.widgets.latent_view import LatentView
from ganstudio.ui.widgets.loss_plot import LossPlot
from ganstudio.ui.widgets.metrics_view import MetricsView
from ganstudio.ui.widgets.sample_view import SampleView, view_kind
from ganstudio.ui.widgets.setup_panel import SetupPanel
from ganstudio.ui.widgets.translate_box import TranslateBox
from ganstudio.ui.widgets.translation_field import TranslationFieldView
from ganstudio.ui.window_settings import WindowSettings, default_settings
from ganstudio.ui.worker import SessionFactory, TrainingWorker

PANEL_TITLES = {PANEL_RECON: "Inputs and their reconstructions", PANEL_LATENT: "Latent space",
                PANEL_ROUND_TRIP: "Round trips: A → B → A and B → A → B"}
# Whose D each histogram of a translation family shows: (key, domain index)
DOMAIN_HISTOGRAMS = {PANEL_D_HIST: 1, PANEL_D_HIST_A: 0}
FRAME_MS = 250  # live views redraw together, 4 times a second (less while drawing costs)
_DEFAULT = object()


def count_parameters(config: RunConfig, dataset: Any) -> dict[str, int]:
    """Builds the family's networks for `config` on the data to count their parameters
    (imports Keras: job thread only)."""
    from ganstudio.core.quiet import quiet_tensorflow_import

    quiet_tensorflow_import()  # the first count may be the studio's first TensorFlow import
    from ganstudio.core.session import count_parameters as count

    return count(config, dataset)


def _format_time(seconds: float) -> str:
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class MainWindow(WindowActions, DataSources, TrainingControl, RunFiles,
                 WindowSettings, QMainWindow):
    """The studio window.

    Args:
        session_factory: Makes training sessions (tests inject a fake); default: the core's.
        settings: Where choices and geometry persist (tests inject a temporary store).
        param_counter: `(config, dataset) -> {"generator": n, "discriminator": n}`, run in
            the job thread whenever the model settings change; None turns counting off until
            a session is prepared.
        model_loader: Loads an export for the latent explorer (tests inject a fake).
        translator_loader: Loads a translation export for the Translate tab (tests inject a
            fake).
        initial_dataset: The dataset to load first (default: the last one used, or ring8).
        recovery_root: Where networks that are not saved are autosaved while they train, and
            kept after a close nobody answered or a crash (default: `kept-runs/` in the
            studio's data folder).

    Signals:
        dataset_loaded(object): a new `Dataset` is shown.
        training_finished(object): the worker finished a start request (its info dict).
        message_shown(str, str): the banner shows (text, level).
        export_done(object): an `ExportReport` after File > Export generator.
        run_saved(str): the folder a run was saved to.
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
                 initial_dataset: str | None = None,
                 translator_loader: Callable[[str], Any] | None = None,
                 recovery_root: str | Path | None = None) -> None:
        super().__init__()
        self.settings = settings if settings is not None else default_settings()
        self._announce_training = False  # the first snapshot of a start replaces its status
        self.lab_running = False
        self.param_counter: Callable | None = (count_parameters if param_counter is _DEFAULT
                                               else param_counter)
        self.dataset: Dataset | None = None
        self.data_source: DataSource | None = None
        self.run_dir: str | None = None
        self.latest: Snapshot | None = None
        self.last_export = None
        self._loading: DataSource | None = None
        self._closing = False
        self._ask_before_closing = True  # False: close without asking (signals, demo runs)
        self._keep_on_close = False  # save unsaved networks on the way out (signals)
        # where networks that are not saved are autosaved while they train, and where a close
        # nobody answered or a crash leaves them
        self.recovery_root = Path(recovery_root) if recovery_root is not None else Path(
            QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
            or Path.home()) / "kept-runs"
        self._pending_after_load: Callable[[], None] | None = None
        self._heavy_seen = 0
        self._evaluating = False
        self.setWindowTitle("GAN Studio")
        self.setWindowIcon(theme.app_icon())
        self.setAcceptDrops(True)

        self.jobs = JobRunner()
        self.worker = TrainingWorker(session_factory)
        self.inference = InferenceService(model_loader)
        # translations run in the inference thread: one thread calls the studio's models
        self.translation = TranslationService(self.inference.loop, translator_loader)
        self._live_translator = False  # the Translate tab runs the live session's model
        self._live_family = "gan"
        self._build_ui()
        self._build_actions()
        self._connect()

        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(FRAME_MS)
        self.frame_budget = FrameBudget(base_ms=FRAME_MS)
        self.refresh_timer.timeout.connect(self._frame)
        self.refresh_timer.start()
        self.count_timer = QTimer(self)
        self.count_timer.setSingleShot(True)
        self.count_timer.setInterval(400)
        self.count_timer.timeout.connect(self._count_parameters)

        self._restore_settings()
        first = initial_dataset or str(self.settings.value("data/last", "ring8") or "ring8")
        self.load_data(first, quiet_fallback=initial_dataset is None)
        self._update_actions()
        if self._loading is not None:  # once the data is in (loading it clears the banner)
            self._pending_after_load = self.offer_kept_run
        else:
            self.offer_kept_run()

    # -- layout ------------------------------------------------------------------------------------

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
        self.histogram = HistogramView(key="d_hist")
        self.histograms: dict[str, HistogramView] = {"d_hist": self.histogram}
        self.panel_views: dict[str, QWidget] = {}  # a family's other panels (recon, latent)
        self.samples = SampleView()
        right = QSplitter(Qt.Orientation.Vertical)
        self.right_splitter = right
        right.addWidget(self.loss_plot)
        right.addWidget(self.histogram)
        self.g_loss_view = GLossView()
        right.addWidget(self.g_loss_view)
        right.setChildrenCollapsible(False)
        # the samples on the left, over the other image grids a family adds (reconstructions,
        # a Gibbs chain); the curves, histograms and the latent space on the right
        self.left_splitter = QSplitter(Qt.Orientation.Vertical)
        self.left_splitter.addWidget(self.samples)
        self.left_splitter.setChildrenCollapsible(False)
        self.views_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.views_splitter.addWidget(self.left_splitter)
        self.views_splitter.addWidget(right)
        self.views_splitter.setStretchFactor(0, 3)
        self.views_splitter.setStretchFactor(1, 2)
        self.views_splitter.setChildrenCollapsible(False)

        self.tabs = QTabWidget()
        self.tabs.addTab(self.views_splitter, "Training")
        self.explorer = self._make_explorer()
        # The explorer and the Metrics tab scroll rather than widen the window: a tab widget is
        # as large as its largest page, and these two are the largest.
        self.explorer_page = _scrolled(self.explorer)
        self.tabs.addTab(self.explorer_page, "Latent explorer")
        self.metrics_view = MetricsView()
        self.metrics_page = _scrolled(self.metrics_view)
        self.tabs.addTab(self.metrics_page, "Metrics")
        self.lab_view = LabView()
        self.tabs.addTab(self.lab_view, "Theory lab")
        self.translate_box = TranslateBox()
        self.translate_page = _scrolled(self.translate_box)
        self.tabs.addTab(self.translate_page, "Translate")
        # shown once there is a translation model (trained here, or an opened export)
        self.tabs.setTabVisible(self.tabs.indexOf(self.translate_page), False)

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

    # -- wiring ------------------------------------------------------------------------------------

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
        self.setup.live_setting_changed.connect(self.apply_live_setting)
        if self._has_explorer:
            self.explorer.generate_requested.connect(self._request_latent)
            self.explorer.condition_changed.connect(self.inference.set_condition)
            self.inference.conditions_changed.connect(self.explorer.set_conditions)
            self.inference.samples_ready.connect(self.explorer.show_result)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.lab_view.run_requested.connect(self.run_lab)
        self.translate_box.translate_requested.connect(self.translation.request)
        self.translation.translated.connect(self.translate_box.show_result)
        self.translation.errored.connect(self._on_translation_error)
        self.translation.open_failed.connect(self._on_error)
        self.translation.model_changed.connect(self._on_translator_changed)

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
        if kind == "diverged":
            self.offer_recovery(message)
        self.set_status(f"error: {message.splitlines()[0][:120]}")
        self._update_actions()

    def _on_jobs_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy or self.worker.busy and self.latest is None)

    # -- parameters --------------------------------------------------------------------------------

    def _schedule_count(self) -> None:
        if self.param_counter is not None and self.dataset is not None and not self.worker.busy:
            self.count_timer.start()

    def _count_parameters(self) -> None:
        if self.param_counter is None or self.dataset is None or self.worker.busy:
            return
        try:
            cfg = self.setup.config(data_name=source_name(self.data_source or "ring8"))
        except ConfigError:
            return
        counter, dataset = self.param_counter, self.dataset

        def done(counts: dict[str, int]) -> None:
            self.setup.set_param_counts(counts)

        def failed(message: str, kind_: str) -> None:
            self.setup.params_label.setText("— (" + message.split(";")[0][:60] + ")")

        self.jobs.submit(lambda: counter(cfg, dataset), done, failed)

    # -- live views --------------------------------------------------------------------------------

    def clear_views(self) -> None:
        """Empties the live views and the status numbers."""
        self.latest = None
        self._heavy_seen = 0
        self.loss_plot.clear()
        for key in [k for k in self.histograms if k != "d_hist"]:  # a family's extra panels
            view = self.histograms.pop(key)
            view.setParent(None)
            view.deleteLater()
        for view in self.panel_views.values():
            view.setParent(None)
            view.deleteLater()
        self.panel_views = {}
        self.histogram.clear()
        self.g_loss_view.clear()
        self.samples.clear()
        self.samples.show()
        self.metrics_view.clear()
        self.step_label.setText("step —")
        self.speed_label.setText("— steps/s")
        self.time_label.setText("0:00")

    def run_lab(self, name: str) -> bool:
        """Runs a theory-lab experiment in the job thread and shows its plots and numbers.

        Returns:
            False while training runs (both would share the CPU and TensorFlow).
        """
        if self.worker.busy:
            self.lab_view.set_running(False, "Stop training to run a lab: they would share the "
                                             "CPU.")
            return False
        self.lab_view.set_running(True, f"running {name}… (seconds to a minute)")
        self.lab_running = True

        def run() -> dict[str, Any]:
            from ganstudio.core.lab import run_lab
            from ganstudio.core.quiet import quiet_tensorflow_import

            quiet_tensorflow_import()
            return run_lab(name)

        def done(result: dict[str, Any]) -> None:
            self.lab_running = False
            self.lab_view.show_result(result)

        def failed(message: str, kind: str) -> None:
            self.lab_running = False
            self.lab_view.set_running(False, f"{name} failed: {message}")
            self.show_message(message, "error")

        self.jobs.submit(run, done, failed)
        return True

    def _add_panel_view(self, key: str, panel: object) -> None:
        """A view for a panel this family adds beside the samples: another grid of samples
        (an encoder's inputs and reconstructions) or the latent codes."""
        if isinstance(panel, Samples):
            view = SampleView(key=key, image_title=self._panel_title(key))
            self.left_splitter.addWidget(view)
            # the samples keep most of the column: the extra grids share what is left
            sizes = self.left_splitter.sizes()
            total = sum(sizes) or 1
            extra = len(sizes) - 1
            self.left_splitter.setSizes([int(total * 0.6)]
                                        + [int(total * 0.4 / extra)] * extra)
        elif isinstance(panel, TranslationField):
            # a 2D pair's mapping is the run's main picture: it takes most of the column
            view = TranslationFieldView(key=key)
            self.left_splitter.addWidget(view)
            sizes = self.left_splitter.sizes()
            total = sum(sizes) or 1
            others = len(sizes) - 1
            self.left_splitter.setSizes([int(total * 0.35 / others)] * others
                                        + [int(total * 0.65)])
        elif isinstance(panel, LatentCodes):
            view = LatentView(key=key)
            self.right_splitter.addWidget(view)
        else:
            return  # a panel kind the studio does not draw (yet): nothing to show
        self.panel_views[key] = view

    def _panel_title(self, key: str) -> str:
        """A panel view's title; a translation family's round trips name the domains."""
        names = self._domain_names()
        if key == PANEL_ROUND_TRIP and names is not None:
            a, b = names
            return f"Round trips: {a} → {b} → {a}, then {b} → {a} → {b}"
        return PANEL_TITLES.get(key, key)

    def _domain_names(self) -> tuple[str, str] | None:
        """The loaded pair's domain names (A, B), or None for one-domain data."""
        dataset = self.dataset
        if dataset is None or dataset.domain_b is None:
            return None
        a, b = dataset.domain_names or ("A", "B")
        return str(a), str(b)

    def _histogram_heading(self, key: str) -> str | None:
        """Whose D a histogram shows, for two-domain data (D_B's `d_hist`, D_A's
        `d_hist_a`)."""
        names = self._domain_names()
        if key not in DOMAIN_HISTOGRAMS or names is None:
            return None
        side = DOMAIN_HISTOGRAMS[key]
        return f"D_{'AB'[side]} on {names[side]}"

    def _add_histogram_view(self, key: str) -> HistogramView:
        """A histogram view for a panel this family adds (the match head, D_A); D_A's goes
        just above D_B's."""
        view = HistogramView(key=key, heading=self._histogram_heading(key))
        if key == PANEL_D_HIST_A:
            self.right_splitter.insertWidget(self.right_splitter.indexOf(self.histogram), view)
        else:
            self.right_splitter.addWidget(view)
        self.histograms[key] = view
        return view

    def show_family_views(self, family: str) -> None:
        """Shows the views a family's snapshots feed: its loss curves, D's histogram and G's
        loss view only for families with a discriminator; for a translation family, a
        histogram per domain's D (and no G loss view: its G loss is least squares)."""
        try:
            spec = get_family(family)
        except GanStudioError:
            return
        self.loss_plot.set_curves(spec.loss_curves)
        pair = NEEDS_PAIR in spec.needs
        has_d = PANEL_D_HIST in spec.panels or PANEL_D_HIST_A in spec.panels
        self.histogram.setVisible(has_d)
        self.histogram.set_heading(self._histogram_heading(PANEL_D_HIST) if pair else None)
        self.g_loss_view.setVisible(has_d and not pair)
        # a translation model has no latent space to explore (its Translate tab runs it); an
        # opened generator export shows the tab again
        self.tabs.setTabVisible(self.tabs.indexOf(self.explorer_page), not pair)
        if PANEL_D_HIST_A in spec.panels and PANEL_D_HIST_A not in self.histograms:
            self._add_histogram_view(PANEL_D_HIST_A)
        self.step_modes = tuple(spec.step_modes)  # Step D / G only where the family has them
        self._update_actions()

    def rewind_views(self, step: int) -> None:
        """Drops what the live views show after `step` (training went back to it)."""
        self.loss_plot.rewind(step)
        self.samples.rewind(step)
        for view in self.panel_views.values():
            if isinstance(view, SampleView):
                view.rewind(step)
        self.metrics_view.rewind(step)
        self.latest = None
        self.step_label.setText(f"step {step:,}")

    def _on_prepared(self, info: dict[str, Any]) -> None:
        self.setup.set_param_counts(info.get("param_counts", {}))
        device = info.get("device", "")
        self.setup.set_device(device, info.get("jit"))
        self.device_label.setText(device or "device —")
        kind = info.get("kind") or (self.dataset.kind if self.dataset else "points")
        self.samples.set_kind(view_kind(kind, self.dataset.shape if self.dataset else ()))
        self.show_family_views(str(info.get("family") or "gan"))
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
            self.inference.set_generator(generator, latent, kind, "live session",
                                         info.get("condition"))
        self._use_live_translator(str(info.get("family") or "gan"))
        self.progress.setVisible(self.jobs.busy)
        self._update_actions()

    # -- translation -------------------------------------------------------------------------------

    def _use_live_translator(self, family: str) -> None:
        """Translates with the live session when its family maps two domains; otherwise lets
        go of a live session's translator (an opened export stays)."""
        self._live_family = family
        try:
            pair = NEEDS_PAIR in get_family(family).needs
        except GanStudioError:
            pair = False
        translator = self.worker.translator() if pair else None
        if translator is not None:
            self._live_translator = True
            self.translation.set_translator(translator)
        elif self._live_translator:
            self._live_translator = False
            self.translation.set_translator(None)

    def _on_translator_changed(self, translator: Any) -> None:
        index = self.tabs.indexOf(self.translate_page)
        self.tabs.setTabVisible(index, translator is not None)
        self.translate_box.set_model(translator)
        if translator is not None and not self._live_translator:  # an opened export
            self.show_message(f"Opened the translation model ({translator.description}) in "
                              "the Translate tab: drop an image on it.", "info")
            self.tabs.setCurrentIndex(index)

    def _on_translation_error(self, message: str, kind: str) -> None:
        self.translate_box.show_error(message)  # the input or the run: said where it was asked
        self.set_status(f"translate: {message.splitlines()[0][:120]}")

    def _show_explorer_tab(self) -> None:
        """View > Latent explorer: the tab, where the family has a latent space (else says why)."""
        index = self.tabs.indexOf(self.explorer_page)
        if self.tabs.isTabVisible(index):
            self.tabs.setCurrentIndex(index)
        else:
            self.set_status("a translation model has no latent space: its Translate tab runs it")

    def _on_generator_changed(self, latent_dim: int, kind: str, description: str) -> None:
        if self._has_explorer and kind in ("images", "points"):
            self.explorer.set_generator_info(latent_dim, kind)
        if description.startswith("model "):
            self.show_message(f"Opened {description[6:]} in the latent explorer.", "info")
            index = self.tabs.indexOf(self.explorer_page)
            self.tabs.setTabVisible(index, True)
            self.tabs.setCurrentIndex(index)

    def _request_latent(self, request_id: int, z: object) -> None:
        # called in the GUI thread, so a newer request replaces a pending one of its purpose
        purpose = self.explorer.throttle.purpose_of(request_id) or ""
        self.inference.request(request_id, z, purpose)

    def _tab_changed(self, index: int) -> None:
        if index == 1 and self._has_explorer and self.inference.has_generator:
            self.explorer.refresh()
        if self.tabs.widget(index) is self.metrics_page:
            self.metrics_view.refresh()

    def _on_snapshot(self, snap: Snapshot) -> None:
        if self._announce_training and snap.event == "tick":
            self._announce_training = False
            self.set_status(f"training from step {snap.step:,}")  # not "building …" any more
        self.latest = snap
        self.loss_plot.add_snapshot(snap)
        for key, panel in snap.panels.items():
            if isinstance(panel, Histograms) and key not in self.histograms:
                self._add_histogram_view(key)  # a panel this family adds (e.g. the match head)
            elif key not in self.panel_views and key not in self.histograms \
                    and key != "samples":
                self._add_panel_view(key, panel)
        if snap.panels and self.panel_views and len(self.samples.frames) == 0:
            # a family whose snapshots carry no samples grid (a 2D pair's translation field
            # shows its mapping instead) leaves the column to its own views
            self.samples.setVisible("samples" in snap.panels)
        for view in self.histograms.values():
            view.set_snapshot(snap)
        self.g_loss_view.set_snapshot(snap)
        self.samples.add_snapshot(snap)
        for view in self.panel_views.values():
            if isinstance(view, SampleView):
                view.add_snapshot(snap)
            else:
                view.set_snapshot(snap)
        self.metrics_view.add_snapshot(snap)
        if "samples" in snap.panels:
            self._heavy_seen += 1
            if (self._has_explorer and self.tabs.currentIndex() == 1
                    and self.inference.has_generator and self._heavy_seen % 2 == 0):
                self.explorer.refresh()
        if snap.event in ("paused", "step", "final"):
            self._update_actions()

    def _on_finished(self, info: dict[str, Any]) -> None:
        self.progress.setVisible(self.jobs.busy)
        if self._live_translator and info.get("trained"):
            self._use_live_translator(self._live_family)  # the box shows its last step
        if info.get("trained"):
            speed = info.get("steps_per_sec", 0.0)
            verb = "stopped" if info.get("stopped_early") else "finished"
            self.set_status(f"{verb} at step {info.get('steps', 0):,} ({speed:.1f} steps/s)")
        if self._has_explorer and self.inference.has_generator:
            self.explorer.refresh()
        self._update_actions()
        self.refresh_views(force=True)
        self.training_finished.emit(info)

    def _frame(self) -> None:
        """The frame clock's tick: redraws, then sets the next interval within the budget."""
        self.refresh_views()
        training = self.worker.busy and not self.worker.paused
        self.refresh_timer.setInterval(self.frame_budget.next_interval(training))

    def refresh_views(self, force: bool = False) -> None:
        """Redraws the views that changed and the status numbers (the frame clock).

        Args:
            force: Also redraw the Metrics tab when it is not on screen.
        """
        self.loss_plot.refresh()
        for view in self.histograms.values():
            view.refresh()
        self.g_loss_view.refresh()
        for view in self.panel_views.values():
            view.refresh()
        drew = self.samples.refresh()
        if force or self.tabs.currentWidget() is self.metrics_page:
            self.metrics_view.refresh()
        snap = self.latest
        if snap is not None:
            self.step_label.setText(f"step {snap.step:,}")
            self.speed_label.setText(f"{snap.steps_per_sec:,.1f} steps/s")
            self.time_label.setText(_format_time(snap.elapsed))
        if drew and not self.save_png_action.isEnabled():
            self._update_actions()

    # -- closing -----------------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stops training and joins every thread the window started (never terminates)."""
        if self._closing:
            return
        self._closing = True
        self.refresh_timer.stop()
        self.count_timer.stop()
        kept = self._unsaved_keeper() if self._keep_on_close else None
        self.worker.stop()
        ok = self.worker.shutdown(keep=kept[1] if kept else None)
        if kept:
            self._note_kept(kept[0])
        ok = self.inference.shutdown() and ok
        ok = self.jobs.shutdown() and ok
        if self._has_explorer:
            self.explorer.wait_for_background()
        gui_gc.collect()  # the sessions' objects are freed now, in this thread
        if not ok:
            print("ganstudio: a background thread did not stop in time", file=sys.stderr)

    def close_unattended(self, keep_unsaved: bool = True) -> bool:
        """Closes as the close button does but without asking (nobody may be there to answer:
        a logout, a closed terminal, the end of a demo run).

        Args:
            keep_unsaved: Save trained networks that are not saved to a new folder under
                `recovery_root` first (the next start says where, `RunFiles.offer_kept_run`);
                False lets them go (a demo run's).

        Returns:
            Whether the window closed.
        """
        self._ask_before_closing = False
        self._keep_on_close = keep_unsaved
        return self.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        """Asks before trained networks that are not saved would be lost (No keeps the window
        open), then saves the settings, stops training and joins the threads, and closes."""
        if not self._closing:
            if self._ask_before_closing and not self._may_discard("quit"):
                event.ignore()
                return
            self.save_settings()
        if self.worker.busy and not self._closing:
            # The window goes at once; the training thread stops after its step and the
            # session is freed behind it (the process ends when that is done).
            self.set_status("stopping…")
            self.repaint()
            self.hide()
        self.shutdown()
        super().closeEvent(event)


def _scrolled(widget: QWidget) -> QScrollArea:
    """`widget` in a frameless scroll area that resizes it (scroll bars only when the window is
    smaller than the widget's minimum size)."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    return area
