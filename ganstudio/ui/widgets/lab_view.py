"""The Theory lab tab: pick one of the seeds' arguments, run it, and see its curves and numbers.

The page lists the labs (`ganstudio.core.lab.LABS`) with their two-line captions. Run asks the
window to run the chosen lab in its job thread (the lab imports TensorFlow there, never here);
the result comes back as a plain dict whose `"plots"` this view draws, whatever the lab:
`{"title", "x_label", "y_label", "x": [...], "lines": {label: [...]}, "dots": {label: [[x, y],
...]}}`, and whose other plain numbers fill the table beside them.
"""

from __future__ import annotations

import math
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
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
        if key in ("plots", "caption", "title", "lab"):
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
        self.plots_box = QVBoxLayout()
        self.plots: list[pg.PlotWidget] = []

        left_box = QWidget()
        left_box.setFixedWidth(LEFT_WIDTH)
        left = QVBoxLayout(left_box)
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(self.labs, 1)
        left.addWidget(self.run_button)
        left.addWidget(self.status)
        left.addWidget(self.table, 2)
        right = QVBoxLayout()
        right.addWidget(self.caption)
        right.addLayout(self.plots_box, 1)
        layout = QHBoxLayout(self)
        layout.addWidget(left_box, 0)
        layout.addLayout(right, 1)
        self.labs.setCurrentRow(0)

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
        for widget in self.plots:
            self.plots_box.addWidget(widget, 1)
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
