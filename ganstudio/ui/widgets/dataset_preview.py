"""A preview of the loaded dataset: an image grid, a scatter (2D points) or a histogram (1D
points), its size and the load report."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QStackedWidget, QVBoxLayout, QWidget

from ganstudio.core.data.base import IMAGES, Dataset, points_on_plane
from ganstudio.ui import theme
from ganstudio.ui.history import tile_images, to_uint8

PREVIEW_IMAGES = 36
PREVIEW_POINTS = 3000


def describe(dataset: Dataset) -> str:
    """One line: count, shape, kind and classes (rich text)."""
    shape = " × ".join(str(s) for s in dataset.shape)
    text = f"<b>{len(dataset):,}</b> {dataset.kind} · shape {shape}"
    if dataset.kind == IMAGES:
        text += " · RGB" if dataset.shape[-1] == 3 else " · grayscale"
    if dataset.class_names:
        names = ", ".join(dataset.class_names[:6]) + (" …" if len(dataset.class_names) > 6 else "")
        text += f"<br>{len(dataset.class_names)} classes: {names}"
    elif dataset.modes is not None:
        text += f" · {len(dataset.modes)} modes"
    return text


class DatasetPreview(QWidget):
    """Shows a dataset: a grid of its first images or a scatter of its points, with facts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dataset: Dataset | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.stack = QStackedWidget()
        self.stack.setFixedHeight(150)
        self.image_widget = theme.plot_widget(layout=True)
        self.image_box = self.image_widget.addViewBox(lockAspect=True, invertY=True,
                                                      enableMouse=False)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.image_box.addItem(self.image_item)
        self.stack.addWidget(self.image_widget)
        self.scatter_plot = theme.plot_widget()
        item = self.scatter_plot.getPlotItem()
        item.setAspectLocked(True)
        item.hideAxis("left")
        item.hideAxis("bottom")
        item.setMouseEnabled(x=False, y=False)
        real = pg.mkColor(theme.REAL)
        self.scatter_item = pg.ScatterPlotItem(size=2, pen=None, brush=pg.mkBrush(
            real.red(), real.green(), real.blue(), 120))
        item.addItem(self.scatter_item)
        self.hist_item = pg.PlotDataItem(stepMode="center", fillLevel=0.0, pen=pg.mkPen(
            theme.REAL, width=1.5), brush=pg.mkBrush(real.red(), real.green(), real.blue(), 80))
        item.addItem(self.hist_item)
        self.stack.addWidget(self.scatter_plot)
        layout.addWidget(self.stack)
        self.info = QLabel("no data loaded")
        self.info.setWordWrap(True)
        layout.addWidget(self.info)
        self.report = QPlainTextEdit()
        self.report.setReadOnly(True)
        self.report.setMaximumHeight(72)
        self.report.setToolTip("The validation report: what was read and what was skipped, and why")
        self.report.hide()
        layout.addWidget(self.report)

    def set_dataset(self, dataset: Dataset) -> None:
        """Shows `dataset` (GUI thread; draws a small subset)."""
        self.dataset = dataset
        self.info.setText(describe(dataset))
        if dataset.kind == IMAGES:
            grid = to_uint8(tile_images(dataset.x[:PREVIEW_IMAGES], columns=9))
            grid = grid[..., 0] if grid.shape[-1] == 1 else grid[..., :3]
            self.image_item.setImage(grid, levels=(0, 255), autoLevels=False)
            self.image_box.setRange(QRectF(0, 0, grid.shape[1], grid.shape[0]), padding=0.02)
            self.stack.setCurrentWidget(self.image_widget)
        else:
            x = np.asarray(dataset.x)
            plot = self.scatter_plot.getPlotItem()
            one_d = x.reshape(len(x), -1).shape[1] == 1
            plot.setAspectLocked(not one_d)  # a histogram's two axes have different units
            if one_d:  # 1-D points: a histogram of all of them
                values = x.reshape(-1)
                counts, edges = np.histogram(values[np.isfinite(values)], bins=120)
                self.hist_item.setData(edges, counts.astype(float))
                self.scatter_item.setData([], [])
            else:
                step = max(1, len(x) // PREVIEW_POINTS)
                self.scatter_item.setData(pos=points_on_plane(x[::step]))
                self.hist_item.setData([], [])
            plot.autoRange(padding=0.08)
            self.stack.setCurrentWidget(self.scatter_plot)
        report_text = dataset.report_summary()  # each domain's, for two
        if report_text is not None:
            self.report.setPlainText(report_text)
            self.report.show()
        else:
            self.report.clear()
            self.report.hide()

    def report_text(self) -> str:
        """The validation report shown (empty for built-in data)."""
        return "" if self.report.isHidden() else self.report.toPlainText()
