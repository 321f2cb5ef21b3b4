"""A preview of the loaded dataset: an image grid, a scatter (2D points) or a histogram (1D
points), its size and the load report; both domains of a two-domain (translation) dataset."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ganstudio.core.data.base import IMAGES, Dataset, points_on_plane
from ganstudio.ui import theme
from ganstudio.ui.history import tile_images, to_uint8

PREVIEW_IMAGES = 36
PREVIEW_POINTS = 3000
PAIR_IMAGES = 20  # each domain of a pair: 4 rows of 5
PAIR_COLUMNS = 5


def describe(dataset: Dataset) -> str:
    """One line: count, shape, kind and classes (rich text); both domains' counts for a pair."""
    shape = "&nbsp;×&nbsp;".join(str(s) for s in dataset.shape)  # kept on one line
    b = dataset.domain_b
    if b is not None:
        a_name, b_name = dataset.domain_names or ("A", "B")
        text = (f"<b>{len(dataset):,}</b> {a_name} and <b>{len(b):,}</b> {b_name} "
                f"{dataset.kind} · shape&nbsp;{shape}")
    else:
        text = f"<b>{len(dataset):,}</b> {dataset.kind} · shape&nbsp;{shape}"
    if dataset.kind == IMAGES:
        text += " · RGB" if dataset.shape[-1] == 3 else " · grayscale"
    if b is not None:
        text += ("<br>two domains, never paired in training"
                 + (" (the true mapping is known)" if dataset.truth is not None else ""))
    elif dataset.class_names:
        names = ", ".join(dataset.class_names[:6]) + (" …" if len(dataset.class_names) > 6 else "")
        text += f"<br>{len(dataset.class_names)} classes: {names}"
    elif dataset.modes is not None:
        text += f" · {len(dataset.modes)} modes"
    return text


class DataPicture(QWidget):
    """One domain's picture: a grid of its first images, or a scatter (2D) or histogram (1D)
    of its points, under an optional title.

    Args:
        parent: The parent widget.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.title = QLabel("")
        self.title.setObjectName("caption")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.hide()
        layout.addWidget(self.title)
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

    def set_title(self, title: str | None) -> None:
        """Shows a title over the picture (`None` hides it)."""
        self.title.setText(title or "")
        self.title.setVisible(bool(title))

    def set_data(self, dataset: Dataset, images: int = PREVIEW_IMAGES, columns: int = 9) -> None:
        """Draws a small subset of `dataset`'s examples.

        Args:
            dataset: One domain's examples (its `x` and `kind`).
            images: Most images shown.
            columns: Images per row.
        """
        if dataset.kind == IMAGES:
            grid = to_uint8(tile_images(dataset.x[:images], columns=columns))
            grid = grid[..., 0] if grid.shape[-1] == 1 else grid[..., :3]
            self.image_item.setImage(grid, levels=(0, 255), autoLevels=False)
            self.image_box.setRange(QRectF(0, 0, grid.shape[1], grid.shape[0]), padding=0.02)
            self.stack.setCurrentWidget(self.image_widget)
            return
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


class DatasetPreview(QWidget):
    """Shows a dataset: a grid of its first images or a scatter of its points, with facts;
    for two-domain data (translation), domain A and domain B side by side, titled with their
    names.

    The first domain's picture is `picture` (its `stack`, `image_item`, `scatter_item` and
    `hist_item` are also the preview's own attributes); the second is `picture_b`.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dataset: Dataset | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        self.picture = DataPicture()
        self.picture_b = DataPicture()
        self.picture_b.hide()
        row.addWidget(self.picture, 1)
        row.addWidget(self.picture_b, 1)
        layout.addLayout(row)
        # the first picture's parts, by the names the preview always had
        self.stack = self.picture.stack
        self.image_widget = self.picture.image_widget
        self.image_item = self.picture.image_item
        self.scatter_plot = self.picture.scatter_plot
        self.scatter_item = self.picture.scatter_item
        self.hist_item = self.picture.hist_item
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
        """Shows `dataset` (GUI thread; draws a small subset), both domains of a pair."""
        self.dataset = dataset
        self.info.setText(describe(dataset))
        b = dataset.domain_b
        if b is None:
            self.picture.set_title(None)
            self.picture.set_data(dataset)
            self.picture_b.hide()
        else:
            a_name, b_name = dataset.domain_names or ("A", "B")
            self.picture.set_title(f"A: {a_name}")
            self.picture_b.set_title(f"B: {b_name}")
            # half the width each: fewer, larger images
            self.picture.set_data(dataset, images=PAIR_IMAGES, columns=PAIR_COLUMNS)
            self.picture_b.set_data(b, images=PAIR_IMAGES, columns=PAIR_COLUMNS)
            self.picture_b.show()
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
