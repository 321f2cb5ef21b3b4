"""The Theory lab tab: pick one of the seeds' arguments, run it, and see its curves and numbers.

The page lists the labs (`ganstudio.core.lab.LABS`) with their two-line captions. Run asks the
window to run the chosen lab in its job thread (the lab imports TensorFlow there, never here);
the result comes back as a plain dict whose `"plots"` this view draws, whatever the lab:
`{"title", "x_label", "y_label", "x": [...], "lines": {label: [...]}, "dots": {label: [[x, y],
...]}}`, and whose other plain numbers fill the table beside them.

A result may also carry `"frames"`, a list of animations (`ganstudio.core.lab.nets1d.animation`):
`{"title", "x_label", "y_label", "frame_label", "fps", "frames": [{"label", "x", "lines",
"dots"?, "value"?}, ...]}`. The view plays one at a time above the plots, with a slider over its
frames and Play/Pause; the axes keep one range per animation (the union over its frames).
"""

from __future__ import annotations

import math
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ganstudio.core.lab import LABS
from ganstudio.ui import theme

__all__ = ["LabView", "summary_rows"]

LINE_COLORS = (theme.REAL, theme.FAKE, theme.D_COLOR, theme.PUSH_COLOR, theme.VALUE_COLOR,
               "#9aa3b5", "#f78fb3")
"""The curves of one plot take these colors in turn."""

MAX_PLOTS = 4
LEGEND_COLUMNS = 3  # the animation's legend, in rows of three across its top
LEGEND_BACKGROUND = (21, 23, 28, 200)  # the plot's background, a little see-through
LEGEND_HEADROOM = 0.18  # of the y range, kept free above the curves for that legend
LEFT_WIDTH = 330  # the list, Run and the figures
CELL_CHARS = 40  # longer texts are cut in the table (whole in the tooltip)


def summary_rows(result: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """The plain numbers of a lab's result as (name, value) rows, nested keys joined by dots;
    lists of rows (such as `rows` of jsd-vs-w) give one row per item and field.

    Args:
        result: What `run_lab` returned.
        prefix: The key path so far.
    """
    rows: list[tuple[str, str]] = []
    for key, value in result.items():
        if key in ("plots", "frames", "caption", "title", "lab"):
            continue
        name = f"{prefix}{key}"
        if isinstance(value, bool) or value is None:
            rows.append((name, str(value)))
        elif isinstance(value, (int, float)):
            rows.append((name, _number(value)))
        elif isinstance(value, str):
            rows.append((name, value))
        elif isinstance(value, dict):
            rows.extend(summary_rows(value, prefix=f"{name}."))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for i, item in enumerate(value):
                rows.extend(summary_rows(item, prefix=f"{name}[{i}]."))
    return rows


def _number(value: float) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    if not math.isfinite(value):
        return str(value)
    return f"{value:.4g}"


class LabView(QWidget):
    """The Theory lab page.

    Signals:
        run_requested(str): the user pressed Run on this lab.
    """

    run_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result: dict[str, Any] | None = None
        self.labs = QListWidget()
        for name, lab in LABS.items():
            item = QListWidgetItem(lab.title)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setToolTip(lab.caption)
            self.labs.addItem(item)
        self.labs.setWordWrap(True)
        self.labs.currentRowChanged.connect(self._show_caption)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.run_button = QPushButton("Run")
        self.run_button.setToolTip("Run this experiment (seconds to a minute on a CPU)")
        self.run_button.clicked.connect(self._run)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["figure", "value"])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.plots_box = QGridLayout()
        self.plots_box.setContentsMargins(0, 0, 0, 0)
        self.plots: list[pg.PlotWidget] = []
        self.animations: list[dict[str, Any]] = []
        self.animation: dict[str, Any] | None = None
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._build_player()

        left_box = QWidget()
        left_box.setFixedWidth(LEFT_WIDTH)
        left = QVBoxLayout(left_box)
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(self.labs, 1)
        left.addWidget(self.run_button)
        left.addWidget(self.status)
        left.addWidget(self.table, 2)
        plots_panel = QWidget()
        plots_panel.setLayout(self.plots_box)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.player)
        self.splitter.addWidget(plots_panel)
        self.splitter.setChildrenCollapsible(False)
        self.player.hide()
        right = QVBoxLayout()
        right.addWidget(self.caption)
        right.addWidget(self.splitter, 1)
        layout = QHBoxLayout(self)
        layout.addWidget(left_box, 0)
        layout.addLayout(right, 1)
        self.labs.setCurrentRow(0)

    def _build_player(self) -> None:
        """The animation panel: a chooser (when a result has several), the figure, and the
        Play button, the slider over the frames and the frame's label under it."""
        self.player = QWidget()
        self.animation_choice = QComboBox()
        self.animation_choice.currentIndexChanged.connect(self._choose_animation)
        self.animation_plot = pg.PlotWidget()
        self.animation_plot.setBackground(theme.PLOT_BACKGROUND)
        item = self.animation_plot.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.15)
        for side in ("left", "bottom"):
            item.getAxis(side).enableAutoSIPrefix(False)
        item.setMouseEnabled(x=False, y=False)
        item.hideButtons()
        self.play_button = QPushButton("Play")
        self.play_button.setToolTip("Play the frames (from the start when at the end)")
        self.play_button.setFixedWidth(80)
        self.play_button.clicked.connect(self._toggle_play)
        self.frame_slider = QSlider(Qt.Orientation.Horizontal)
        self.frame_slider.setRange(0, 0)
        self.frame_slider.valueChanged.connect(self._show_frame)
        self.frame_label = QLabel("")
        self.frame_label.setMinimumWidth(200)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        controls = QHBoxLayout()
        controls.setContentsMargins(0, 0, 0, 0)
        controls.addWidget(self.play_button)
        controls.addWidget(self.frame_slider, 1)
        box = QVBoxLayout(self.player)
        box.setContentsMargins(0, 0, 0, 4)
        box.setSpacing(4)
        box.addWidget(self.animation_choice)
        box.addWidget(self.animation_plot, 1)
        box.addLayout(controls)
        box.addWidget(self.frame_label)

    @property
    def current_lab(self) -> str:
        """The name of the lab chosen in the list."""
        item = self.labs.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else next(iter(LABS))

    def _show_caption(self, _row: int = 0) -> None:
        lab = LABS[self.current_lab]
        self.caption.setText(f"<b>{lab.title}</b><br>{lab.caption}")

    def _run(self) -> None:
        self.run_requested.emit(self.current_lab)

    def set_running(self, running: bool, text: str = "") -> None:
        """Disables Run while a lab (or training) runs, and shows a status line."""
        self.run_button.setEnabled(not running)
        self.status.setText(text)

    def show_result(self, result: dict[str, Any]) -> None:
        """Draws a lab's plots and fills the table with its numbers."""
        self.result = result
        for widget in self.plots:
            self.plots_box.removeWidget(widget)
            widget.setParent(None)
            widget.deleteLater()
        self.plots = [self._plot(spec) for spec in result.get("plots", [])[:MAX_PLOTS]]
        self.animations = [a for a in result.get("frames", []) or []
                           if isinstance(a, dict) and a.get("frames")]
        # beside an animation the plots take two columns, so each keeps some height
        columns = 2 if self.animations and len(self.plots) > 1 else 1
        for i, widget in enumerate(self.plots):
            self.plots_box.addWidget(widget, i // columns, i % columns)
        self._set_animations()
        rows = summary_rows(result)
        self.table.setRowCount(len(rows))
        for i, (name, value) in enumerate(rows):
            for column, text in enumerate((name, value)):
                shown = text if len(text) <= CELL_CHARS else text[:CELL_CHARS - 1] + "…"
                item = QTableWidgetItem(shown)
                item.setToolTip(text)
                self.table.setItem(i, column, item)
        self.table.resizeColumnToContents(0)
        self.table.setColumnWidth(0, min(self.table.columnWidth(0), LEFT_WIDTH * 3 // 5))
        seconds = result.get("wall_seconds")
        took = f" in {seconds:.1f} s" if isinstance(seconds, (int, float)) else ""
        self.set_running(False, f"{result.get('title', result.get('lab', ''))}: done{took}.")

    def _set_animations(self) -> None:
        self.timer.stop()
        self.play_button.setText("Play")
        self.animation_choice.blockSignals(True)
        self.animation_choice.clear()
        for animation in self.animations:
            self.animation_choice.addItem(str(animation.get("title", "")))
        self.animation_choice.blockSignals(False)
        self.animation_choice.setVisible(len(self.animations) > 1)
        self.player.setVisible(bool(self.animations))
        if self.animations:
            total = max(1, self.splitter.height())
            self.splitter.setSizes([total * 11 // 20, total - total * 11 // 20]
                                   if self.plots else [total, 0])
            self._choose_animation(0)
        else:
            self.animation = None

    def _choose_animation(self, index: int) -> None:
        """Draws the chosen animation's curves once, fixes its axes, and shows its first
        frame."""
        if not 0 <= index < len(self.animations):
            return
        self.timer.stop()
        self.play_button.setText("Play")
        animation = self.animations[index]
        self.animation = animation
        frames: list[dict[str, Any]] = list(animation["frames"])
        item = self.animation_plot.getPlotItem()
        item.clear()
        if item.legend is not None:
            item.legend.scene().removeItem(item.legend)
            item.legend = None
        item.setTitle(str(animation.get("title", "")), color=theme.TEXT)
        item.setLabel("bottom", str(animation.get("x_label", "")))
        item.setLabel("left", str(animation.get("y_label", "")))
        legend = item.addLegend(offset=(10, 5), colCount=LEGEND_COLUMNS)
        legend.setBrush(pg.mkBrush(LEGEND_BACKGROUND))
        colors = iter(LINE_COLORS * 4)
        self._curves = {}
        labels: list[tuple[str, str]] = []
        for f in frames:
            for kind in ("lines", "dots"):
                for label in dict(f.get(kind, {})):
                    if (kind, str(label)) not in labels:
                        labels.append((kind, str(label)))
        for kind, label in labels:
            color = next(colors)
            if kind == "lines":
                curve = item.plot([], [], pen=pg.mkPen(color, width=2), name=label)
            else:
                curve = item.plot([], [], pen=None, symbol="o", symbolSize=7,
                                  symbolBrush=color, symbolPen=None, name=label)
            self._curves[f"{kind}:{label}"] = curve
        self._fix_ranges(frames)
        self.frame_slider.setToolTip(f"Frames by {animation.get('frame_label', 'step')}")
        self.frame_slider.blockSignals(True)
        self.frame_slider.setRange(0, len(frames) - 1)
        self.frame_slider.setValue(0)
        self.frame_slider.blockSignals(False)
        self._show_frame(0)

    def _fix_ranges(self, frames: list[dict[str, Any]]) -> None:
        """One x and one y range for the whole animation: the union over its frames."""
        xs: list[float] = []
        ys: list[float] = []
        for f in frames:
            xs.extend(float(v) for v in f.get("x", []))
            for values in dict(f.get("lines", {})).values():
                ys.extend(float(v) for v in values)
            for points in dict(f.get("dots", {})).values():
                for a, b in points:
                    xs.append(float(a))
                    ys.append(float(b))
        item = self.animation_plot.getPlotItem()
        # room above the curves for the legend, which runs across the top
        for values, set_range, headroom in ((xs, item.setXRange, 0.0),
                                            (ys, item.setYRange, LEGEND_HEADROOM)):
            finite = [v for v in values if math.isfinite(v)]
            if finite:
                lo, hi = min(finite), max(finite)
                span = hi - lo if hi > lo else 1.0
                set_range(lo - 0.04 * span, hi + (0.04 + headroom) * span, padding=0)
        item.disableAutoRange()

    def _show_frame(self, index: int) -> None:
        """Puts frame `index` of the current animation into its curves."""
        if self.animation is None:
            return
        frames = self.animation["frames"]
        if not 0 <= index < len(frames):
            return
        f = frames[index]
        x = [float(v) for v in f.get("x", [])]
        lines = dict(f.get("lines", {}))
        dots = dict(f.get("dots", {}))
        for key, curve in self._curves.items():
            kind, label = key.split(":", 1)
            if kind == "lines":
                values = [float(v) for v in lines.get(label, [])]
                if len(values) != len(x):
                    values, shown_x = [], []
                else:
                    shown_x = x
                curve.setData(shown_x, values)
            else:
                points = [(float(a), float(b)) for a, b in dots.get(label, [])]
                curve.setData([p[0] for p in points], [p[1] for p in points])
        self.frame_label.setText(f"{f.get('label', '')}   (frame {index + 1} of {len(frames)})")

    def _toggle_play(self) -> None:
        if self.timer.isActive():
            self.timer.stop()
            self.play_button.setText("Play")
            return
        if self.animation is None:
            return
        if self.frame_slider.value() >= self.frame_slider.maximum():
            self.frame_slider.setValue(0)  # from the end, Play starts again
        fps = float(self.animation.get("fps", 8.0) or 8.0)
        self.timer.start(max(20, int(round(1000.0 / fps))))
        self.play_button.setText("Pause")

    def _tick(self) -> None:
        if self.frame_slider.value() >= self.frame_slider.maximum():
            self.timer.stop()
            self.play_button.setText("Play")
            return
        self.frame_slider.setValue(self.frame_slider.value() + 1)
        if self.frame_slider.value() >= self.frame_slider.maximum():
            self.timer.stop()
            self.play_button.setText("Play")

    @staticmethod
    def _plot(spec: dict[str, Any]) -> pg.PlotWidget:
        widget = pg.PlotWidget()
        widget.setBackground(theme.PLOT_BACKGROUND)
        item = widget.getPlotItem()
        item.setTitle(str(spec.get("title", "")), color=theme.TEXT)
        item.setLabel("bottom", str(spec.get("x_label", "")))
        item.setLabel("left", str(spec.get("y_label", "")))
        item.showGrid(x=True, y=True, alpha=0.15)
        for side in ("left", "bottom"):
            item.getAxis(side).enableAutoSIPrefix(False)  # D(x) near ½ is not "500 × 0.001"
        item.addLegend(offset=(10, 10))
        x = [float(v) for v in spec.get("x", [])]
        colors = iter(LINE_COLORS * 4)
        for label, ys in dict(spec.get("lines", {})).items():
            values = [float(v) for v in ys]
            if len(values) == len(x):
                item.plot(x, values, pen=pg.mkPen(next(colors), width=2), name=str(label))
        for label, points in dict(spec.get("dots", {})).items():
            pts = [(float(a), float(b)) for a, b in points]
            if pts:
                xs, ys = zip(*pts, strict=True)
                item.plot(list(xs), list(ys), pen=None, symbol="o", symbolSize=6,
                          symbolBrush=next(colors), symbolPen=None, name=str(label))
        return widget
