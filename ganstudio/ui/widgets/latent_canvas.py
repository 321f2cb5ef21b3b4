"""The latent explorer's drawing canvas: one plot that shows an image or 2-D points.

A `LatentCanvas` creates its pyqtgraph items once and updates them with `setImage` / `setData`
(images are drawn row-major). For points it keeps four layers: a grey reference cloud (the
model's distribution), a blue neighbourhood cloud, a path (interpolation strips) and
highlighted points (the current sample, or the endpoints A and B).

Example:
    canvas = LatentCanvas(path=True)
    canvas.set_kind("points")
    canvas.show_points(path=strip)            # strip: [steps, 2]
    canvas.show_endpoints(strip[[0, -1]])
    png = grab_rgb(canvas)                    # the canvas as drawn, HxWx3 uint8
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

__all__ = ["END_COLORS", "LatentCanvas", "grab_rgb"]

END_COLORS = {"A": (60, 200, 120), "B": (255, 80, 80)}  # interpolation endpoints (points)


class LatentCanvas(pg.PlotWidget):
    """One view that shows either an image (row-major `ImageItem`) or 2-D points.

    Items are created once; updates go through `setImage` / `setData`. For points the view
    grows to hold every point but never shrinks while the user drags (no jitter).

    Args:
        parent: Parent widget.
        path: Draw the path's points joined by a line (interpolation strips).

    Public items: `image_item`, `reference`, `cloud`, `path`, `highlight`.
    """

    def __init__(self, parent: QWidget | None = None, path: bool = False) -> None:
        super().__init__(parent)
        self._kind = "images"
        self._image_shape: tuple[int, ...] | None = None
        self.hideButtons()
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.reference = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(150, 150, 150, 70))
        self.cloud = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(80, 170, 255, 150))
        self.path = pg.PlotDataItem(
            pen=pg.mkPen(255, 200, 60, width=2) if path else None,
            symbol="o",
            symbolSize=7,
            symbolPen=None,
            symbolBrush=pg.mkBrush(255, 200, 60),
        )
        self.highlight = pg.ScatterPlotItem(
            size=13, pen=pg.mkPen("w", width=1.5), brush=pg.mkBrush(255, 80, 80)
        )
        for item in (self.image_item, self.reference, self.cloud, self.path, self.highlight):
            self.addItem(item)
        self.set_kind("images")

    def set_kind(self, kind: str) -> None:
        """Switch between "images" and "points" (axes, aspect, background); clears the data.

        Args:
            kind: "images" or "points".
        """
        self._kind = kind
        self._image_shape = None
        images = kind == "images"
        plot = self.getPlotItem()
        for axis in ("left", "bottom"):
            plot.showAxis(axis, not images)
        plot.invertY(images)
        plot.setAspectLocked(True)
        plot.setMouseEnabled(not images, not images)
        plot.disableAutoRange()
        # Images often have a black background: a dark grey shows where they end.
        self.setBackground((45, 45, 48) if images else "k")
        self.image_item.setVisible(images)
        for item in (self.reference, self.cloud, self.path, self.highlight):
            item.setVisible(not images)
        self.clear_data()

    def clear_data(self) -> None:
        """Empty every item and go back to the default range."""
        self.image_item.clear()
        self.reference.setData([], [])
        self.cloud.setData([], [])
        self.path.setData([], [])
        self.highlight.setData([], [])
        self._image_shape = None
        self.setRange(xRange=(-1, 1), yRange=(-1, 1), padding=0.05)

    def show_image(self, image: np.ndarray) -> None:
        """Show an `HxWxC` float image in [0, 1] (C = 1 is drawn as grayscale `HxW`)."""
        img = np.asarray(image, dtype=np.float32)
        if img.ndim == 3 and img.shape[-1] == 1:
            img = img[..., 0]
        self.image_item.setImage(img, autoLevels=False, levels=(0.0, 1.0))
        if img.shape != self._image_shape:
            self._image_shape = img.shape
            self.setRange(xRange=(0, img.shape[1]), yRange=(0, img.shape[0]), padding=0.01)

    def show_points(
        self,
        cloud: np.ndarray | None = None,
        path: np.ndarray | None = None,
        highlight: np.ndarray | None = None,
    ) -> None:
        """Update the point items given (each `[N, 2]`), then widen the view if needed."""
        if cloud is not None:
            self.cloud.setData(cloud[:, 0], cloud[:, 1])
        if path is not None:
            self.path.setData(path[:, 0], path[:, 1])
        if highlight is not None:
            self.highlight.setData(highlight[:, 0], highlight[:, 1])
        self._fit_points()

    def show_endpoints(self, points: np.ndarray) -> None:
        """Mark interpolation endpoints A and B (`[2, 2]`) in their colours."""
        brushes = [pg.mkBrush(*END_COLORS["A"]), pg.mkBrush(*END_COLORS["B"])]
        self.highlight.setData(points[:, 0], points[:, 1], brush=brushes)
        self._fit_points()

    def show_reference(self, points: np.ndarray) -> None:
        """Show the reference cloud (`[N, 2]`) and fit the view to everything drawn."""
        self.reference.setData(points[:, 0], points[:, 1])
        self._fit_points(refit=True)

    def _fit_points(self, refit: bool = False) -> None:
        """Grow the view to hold every point; never shrink it during drags (no jitter)."""
        arrays = [
            np.column_stack(item.getData())
            for item in (self.reference, self.cloud, self.path, self.highlight)
            if item.getData()[0] is not None and len(item.getData()[0])
        ]
        if not arrays:
            return
        # float64: float32 bounds overflow in pyqtgraph's comparisons with its ±1e307 limits.
        pts = np.concatenate(arrays).astype(np.float64)
        pts = pts[np.all(np.isfinite(pts), axis=1)]
        if not len(pts):
            return
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        (x0, x1), (y0, y1) = self.getViewBox().viewRange()
        inside = lo[0] >= x0 and hi[0] <= x1 and lo[1] >= y0 and hi[1] <= y1
        if refit or not inside or self._image_shape is None:
            if not refit and self._image_shape is not None:
                lo, hi = np.minimum(lo, [x0, y0]), np.maximum(hi, [x1, y1])
            span = np.maximum(hi - lo, 1e-3)
            self.setRange(
                xRange=(lo[0] - 0.1 * span[0], hi[0] + 0.1 * span[0]),
                yRange=(lo[1] - 0.1 * span[1], hi[1] + 0.1 * span[1]),
                padding=0,
            )
            self._image_shape = (0,)  # marks "range set once" for points


def grab_rgb(widget: QWidget) -> np.ndarray:
    """A widget as drawn, as an RGB uint8 array.

    Args:
        widget: The widget to render.

    Returns:
        An `HxWx3` uint8 array (a copy).
    """
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    buffer = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    return buffer.reshape(h, stride)[:, : 3 * w].reshape(h, w, 3).copy()
