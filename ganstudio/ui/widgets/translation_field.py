"""The translation field of two domains of 2D points: where each direction sends fixed probes.

Both point clouds are drawn faintly (domain A blue, domain B green); over them, an arrow from
each probe of A to its translation G(a) (orange) and from each probe of B to F(b) (pink), each
direction toggled on its own. A mapping that keeps structure shows as an orderly flow; a
collapsed one as many arrows meeting in few places. Each direction is one `PlotDataItem`
(`connect="pairs"`: shafts and heads as segments) and one scatter of the arrows' ends, updated
with `setData` from the newest snapshot on the window's frame clock.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ganstudio.core.panels import TranslationField
from ganstudio.core.telemetry import Snapshot
from ganstudio.ui import theme
from ganstudio.ui.widgets.follow_range import follow_range

__all__ = ["COLORS", "TranslationFieldView", "arrow_segments"]

MAX_ARROWS = 48  # per direction: more hide each other (128 covered spiral2moons in a tangle)
MAX_CLOUD = 2000  # points per cloud
HEAD_FRACTION = 0.025  # an arrow head's length, as a share of the view's larger side
HEAD_SHARE = 0.4  # at most this share of its arrow's length
# cloud A, cloud B, arrows A → B, arrows B → A
COLORS = {"a": "#5b9bff", "b": theme.REAL, "a_to_b": theme.FAKE, "b_to_a": "#f78fb3"}
CLOUD_ALPHA = 110
ARROW_ALPHA = 200


def _evenly(points: np.ndarray, most: int) -> np.ndarray:
    """At most `most` rows of `points`, evenly spaced (all of them when there are fewer)."""
    if len(points) <= most:
        return points
    return points[np.linspace(0, len(points) - 1, most).astype(int)]


def arrow_segments(start: np.ndarray, end: np.ndarray, head: float,
                   max_arrows: int = MAX_ARROWS) -> np.ndarray:
    """Arrows from each start to its end, as line segments with a two-stroke head.

    Args:
        start: [N, 2] where each arrow starts (a probe).
        end: [N, 2] where it points (the probe's translation).
        head: An arrow head's length in data units (shorter on short arrows).
        max_arrows: Most arrows drawn (evenly subsampled); pairs with a non-finite point are
            left out.

    Returns:
        [6K, 2] float array of (from, to) rows for `PlotDataItem(connect="pairs")`: each
        arrow's shaft, then its head's two strokes (none on an arrow of zero length).
    """
    start = np.asarray(start, np.float64).reshape(-1, 2)
    end = np.asarray(end, np.float64).reshape(-1, 2)
    n = min(len(start), len(end))
    start, end = start[:n], end[:n]
    keep = np.isfinite(start).all(axis=1) & np.isfinite(end).all(axis=1)
    start, end = _evenly(start[keep], max_arrows), _evenly(end[keep], max_arrows)
    if len(start) == 0:
        return np.zeros((0, 2))
    vec = end - start
    length = np.linalg.norm(vec, axis=1, keepdims=True)
    unit = np.divide(vec, length, out=np.zeros_like(vec), where=length > 0)
    normal = np.stack([-unit[:, 1], unit[:, 0]], axis=1)
    size = np.minimum(head, HEAD_SHARE * length)  # zero for a zero-length arrow: no head
    back = end - unit * size
    seg = np.empty((6 * len(start), 2))
    seg[0::6], seg[1::6] = start, end
    seg[2::6], seg[3::6] = end, back + 0.5 * size * normal
    seg[4::6], seg[5::6] = end, back - 0.5 * size * normal
    return seg


def _rgba(color: str, alpha: int) -> pg.QtGui.QColor:
    c = pg.mkColor(color)
    c.setAlpha(alpha)
    return c


class TranslationFieldView(QWidget):
    """One `TranslationField` panel, redrawn from the newest snapshot on the frame clock.

    Args:
        parent: The parent widget.
        key: The snapshot panel it draws (`field`).

    Example:

    ```python
    view = TranslationFieldView()
    view.set_snapshot(snap)   # keeps the newest panel (cheap)
    view.refresh()            # draws it (the window's frame clock)
    ```
    """

    def __init__(self, parent: QWidget | None = None, key: str = "field") -> None:
        super().__init__(parent)
        self.key = key
        self._panel: TranslationField | None = None
        self._dirty = False
        self._names: tuple[str, str] | None = None
        self._clouds: tuple[np.ndarray, np.ndarray] | None = None  # the clouds drawn
        self._range: tuple[float, float, float, float] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        head = QHBoxLayout()
        self.title = QLabel("Translation field")
        self.title.setObjectName("viewTitle")
        head.addWidget(self.title)
        head.addStretch(1)
        self.toggles: dict[str, QCheckBox] = {}
        for direction in ("a_to_b", "b_to_a"):
            box = QCheckBox()
            box.setChecked(True)
            box.setStyleSheet(f"QCheckBox {{ color: {COLORS[direction]}; }}")
            box.toggled.connect(lambda on, d=direction: self.set_direction_visible(d, on))
            head.addWidget(box)
            self.toggles[direction] = box
        layout.addLayout(head)
        self.legend_label = QLabel("")
        self.legend_label.setObjectName("caption")
        self.legend_label.setWordWrap(True)
        layout.addWidget(self.legend_label)

        self.plot = theme.plot_widget()
        self.plot.setMinimumHeight(180)
        item = self.plot.getPlotItem()
        item.setAspectLocked(True)
        item.setMouseEnabled(x=True, y=True)
        item.disableAutoRange()
        self.cloud_items = {
            side: pg.ScatterPlotItem(size=3, pen=None, brush=pg.mkBrush(_rgba(COLORS[side],
                                                                              CLOUD_ALPHA)))
            for side in ("a", "b")}
        self.arrow_items = {
            d: pg.PlotDataItem(connect="pairs", pen=pg.mkPen(_rgba(COLORS[d], ARROW_ALPHA),
                                                             width=1.2))
            for d in ("a_to_b", "b_to_a")}
        self.end_items = {
            d: pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(COLORS[d]))
            for d in ("a_to_b", "b_to_a")}
        for it in (*self.cloud_items.values(), *self.arrow_items.values(),
                   *self.end_items.values()):
            item.addItem(it)
        layout.addWidget(self.plot, 1)
        self._show_names(("A", "B"))

    # -- data ------------------------------------------------------------------------------------

    def set_snapshot(self, snap: Snapshot) -> None:
        """Keeps the newest snapshot's panel (drawn on the next refresh)."""
        panel = snap.panels.get(self.key)
        if isinstance(panel, TranslationField):
            self._panel = panel
            self._dirty = True

    def clear(self) -> None:
        """Empties the plot."""
        self._panel = None
        self._clouds = None
        self._range = None
        for it in (*self.cloud_items.values(), *self.arrow_items.values(),
                   *self.end_items.values()):
            it.setData([], [])

    def set_direction_visible(self, direction: str, visible: bool) -> None:
        """Shows or hides one direction's arrows (`a_to_b` or `b_to_a`)."""
        self.arrow_items[direction].setVisible(visible)
        self.end_items[direction].setVisible(visible)
        box = self.toggles[direction]
        if box.isChecked() != visible:
            box.setChecked(visible)

    # -- drawing ---------------------------------------------------------------------------------

    def refresh(self) -> bool:
        """Redraws if a new panel arrived; returns True when it drew."""
        if not self._dirty or self._panel is None:
            return False
        self._dirty = False
        panel = self._panel
        names = (str(panel.names[0]), str(panel.names[1]))
        if names != self._names:
            self._show_names(names)
        cloud_a = _finite(panel.cloud_a)
        cloud_b = _finite(panel.cloud_b)
        if self._clouds is None or not (_same(cloud_a, self._clouds[0])
                                        and _same(cloud_b, self._clouds[1])):
            # the real points rarely change: drawn again only when they do
            self._clouds = (cloud_a, cloud_b)
            self.cloud_items["a"].setData(pos=_evenly(cloud_a, MAX_CLOUD))
            self.cloud_items["b"].setData(pos=_evenly(cloud_b, MAX_CLOUD))
        arrows = {"a_to_b": (panel.probes_a, panel.a_to_b),
                  "b_to_a": (panel.probes_b, panel.b_to_a)}
        ends = [np.asarray(e, np.float64).reshape(-1, 2) for _, e in arrows.values()]
        self._follow(np.concatenate([cloud_a, cloud_b, *(_finite(e) for e in ends)]))
        span = 1.0 if self._range is None else max(self._range[1] - self._range[0],
                                                   self._range[3] - self._range[2])
        for direction, (start, end) in arrows.items():
            seg = arrow_segments(start, end, HEAD_FRACTION * span)
            self.arrow_items[direction].setData(seg[:, 0], seg[:, 1])
            self.end_items[direction].setData(pos=seg[1::6] if len(seg) else np.zeros((0, 2)))
        return True

    def _show_names(self, names: tuple[str, str]) -> None:
        self._names = names
        a, b = names
        self.title.setText(f"Translation field: {a} ⇄ {b}")
        self.toggles["a_to_b"].setText(f"{a} → {b}")
        self.toggles["b_to_a"].setText(f"{b} → {a}")
        self.toggles["a_to_b"].setToolTip(f"Arrows from fixed {a} points to their translations "
                                          f"into {b}")
        self.toggles["b_to_a"].setToolTip(f"Arrows from fixed {b} points to their translations "
                                          f"into {a}")
        self.legend_label.setText(
            f"<span style='color:{COLORS['a']}'>●</span> {a} (A)  "
            f"<span style='color:{COLORS['b']}'>●</span> {b} (B)  ·  each arrow goes from a "
            "fixed point to its translation")

    def _follow(self, points: np.ndarray) -> None:
        """Keeps the clouds and the arrows' ends in view; moves the range only when they leave
        it or use far less of it, so the axes rarely repaint."""
        self._range = follow_range(self.plot, self._range, points, percentile=0.5, pad=0.08)


def _finite(points: np.ndarray) -> np.ndarray:
    """The rows of [N, 2] points (of any float or int type) whose coordinates are finite."""
    points = np.asarray(points, np.float64).reshape(-1, 2)
    return points[np.isfinite(points).all(axis=1)]


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.array_equal(a, b)
