"""Samples from the fixed z: an image grid, for 2D data the GAN-Lab view, for 1D data the
densities and D over the line; with a scrubber.

The 2D view draws D's decision surface over the plane (a heatmap), the real points, the fake
points and, on each fake point, a short segment showing where the generator's gradient pushes
it. The 1D view draws, over one x axis, the data's density and G's (with the fakes as a rug
and G's push on each), and below them D(x) beside the optimal D*(x) = p_data / (p_data + p_G).
A bounded ring buffer keeps the last snapshots so the slider can step back through them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ganstudio.core.panels import Line
from ganstudio.core.telemetry import Snapshot
from ganstudio.ui import theme
from ganstudio.ui.history import RingBuffer, tile_images, to_uint8

HISTORY = 200
HISTORY_BYTES = 96 * 2**20
MAX_ARROWS = 256
ARROW_FRACTION = 0.06


@dataclass(frozen=True)
class Frame:
    """One stored sample snapshot, ready to draw."""

    step: int
    grid: np.ndarray | None = None  # uint8 [H, W] or [H, W, 3]
    points: np.ndarray | None = None  # fake samples [N, 2]
    real: np.ndarray | None = None
    surface: np.ndarray | None = None
    extent: tuple[float, float, float, float] | None = None
    segments: np.ndarray | None = None  # [2K, 2] start/end pairs
    critic: bool = False
    row_labels: tuple[str, ...] = ()  # a conditional grid: the condition of each row
    condition: str | None = None  # a conditional 2D view: whose field is drawn
    title: str | None = None  # what the panel says it shows (else the view's own title)
    line: Line | None = None  # 1D data: densities, D(x) and D*(x) over the line

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays."""
        arrays = (self.grid, self.points, self.real, self.surface, self.segments)
        if self.line is not None:
            arrays += (self.line.x, self.line.d, self.line.p_data, self.line.p_g,
                       self.line.d_star)
        return sum(a.nbytes for a in arrays if a is not None)


def push_segments(points: np.ndarray, push: np.ndarray, extent: tuple[float, float, float, float],
                  max_arrows: int = MAX_ARROWS) -> np.ndarray:
    """Line segments (start, end pairs) showing the generator's push on each fake point.

    Lengths are normalized: the 95th-percentile push becomes `ARROW_FRACTION` of the plot's
    width, longer ones are capped there, so directions stay readable at any loss scale.

    Args:
        points: Fake samples [N, 2].
        push: −∂L_G/∂x at each sample [N, 2].
        extent: (xmin, xmax, ymin, ymax) of the view.
        max_arrows: Most segments drawn (evenly subsampled).

    Returns:
        [2K, 2] float array for `PlotDataItem(connect="pairs")`.
    """
    points = np.asarray(points, np.float64)[:, :2]
    push = np.asarray(push, np.float64)[:, :2]
    n = min(len(points), len(push))
    if n == 0:
        return np.zeros((0, 2))
    idx = np.linspace(0, n - 1, min(n, max_arrows)).astype(int)
    p, v = points[idx], push[idx]
    v = np.where(np.isfinite(v), v, 0.0)
    norms = np.linalg.norm(v, axis=1)
    scale = float(np.percentile(norms, 95)) if norms.size else 0.0
    length = ARROW_FRACTION * max(extent[1] - extent[0], extent[3] - extent[2])
    if scale > 0:
        v = v / scale
        over = np.linalg.norm(v, axis=1)
        v = np.where(over[:, None] > 1, v / np.maximum(over[:, None], 1e-12), v)
    seg = np.empty((2 * len(p), 2))
    seg[0::2] = p
    seg[1::2] = p + v * length
    return seg


def frame_from(snap: Snapshot, key: str = "samples") -> Frame | None:
    """Turns a snapshot's `Samples` panel into a drawable `Frame` (None without one).

    A conditional grid keeps one row per condition (`row_labels`), its columns sharing a z.
    """
    panel = snap.panels.get(key)
    if panel is None:
        return None
    samples = np.asarray(panel.samples)
    if samples.ndim == 4:
        labels = tuple(panel.row_labels or ())
        cols = panel.columns if labels else None
        shown = len(labels) * cols if labels and cols else 64
        grid = to_uint8(tile_images(samples[:shown], columns=cols))
        grid = grid[..., 0] if grid.shape[-1] == 1 else grid[..., :3]
        return Frame(snap.step, grid=grid, critic=snap.critic, row_labels=labels,
                     title=getattr(panel, "title", None))
    pts = samples.reshape(len(samples), -1)
    if pts.shape[1] == 1:  # 1D points: drawn on a line
        pts = np.concatenate([pts, np.zeros_like(pts)], axis=1)
    pts = pts[:, :2].astype(np.float32)
    line = getattr(panel, "line", None)
    if line is not None:
        segments = None
        if panel.push is not None:
            push = np.asarray(panel.push, np.float64).reshape(len(pts), -1)[:, :1]
            extent = (float(line.x[0]), float(line.x[-1]), 0.0, 0.0)
            segments = push_segments(pts, np.pad(push, ((0, 0), (0, 1))), extent)
        return Frame(snap.step, points=pts, critic=snap.critic, line=line,
                     segments=None if segments is None else segments.astype(np.float32))
    extent = tuple(float(v) for v in panel.extent) if panel.extent is not None else None
    segments = None
    if panel.push is not None and extent is not None:
        segments = push_segments(pts, panel.push, extent).astype(np.float32)
    real = None if panel.real_points is None else np.asarray(panel.real_points, np.float32)[:, :2]
    surface = None if panel.surface is None else np.asarray(panel.surface, np.float32)
    return Frame(snap.step, points=pts, real=real, surface=surface, extent=extent,
                 segments=segments, critic=snap.critic, condition=panel.condition)


def view_kind(kind: str, shape: tuple[int, ...]) -> str:
    """The page that shows data of this kind and example shape: `images`, `line` (1D points)
    or `points`."""
    if kind == "points" and tuple(shape) == (1,):
        return "line"
    return kind


def decision_colormap() -> pg.ColorMap:
    """Purple (D says fake) through dark to green (D says real)."""
    return pg.ColorMap([0.0, 0.5, 1.0], [pg.mkColor("#5a2ca0"), pg.mkColor("#1c1e24"),
                                         pg.mkColor("#1d7a52")])


class SampleView(QWidget):
    """The live samples, with a history scrubber.

    Args:
        parent: The parent widget.
        history: Most snapshots kept for the scrubber (fewer for big images).
        key: The snapshot panel it draws (`samples`; `recon` for an encoder's reconstructions).
        image_title: Its title over an image grid.
    """

    def __init__(self, parent: QWidget | None = None, history: int = HISTORY,
                 key: str = "samples", image_title: str = "Samples from a fixed z") -> None:
        super().__init__(parent)
        self.key = key
        self.image_title = image_title
        self.frames: RingBuffer[Frame] = RingBuffer(history)
        self.max_history = history
        self.live = True
        self._dirty = False
        self._dropped = 0
        self._shown: Frame | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        head = QHBoxLayout()
        self.title = QLabel(image_title)
        self.title.setObjectName("viewTitle")
        head.addWidget(self.title)
        head.addStretch(1)
        layout.addLayout(head)
        # the legend has a line of its own, and wraps in a narrow window instead of widening it
        self.legend_label = QLabel("")
        self.legend_label.setObjectName("caption")
        self.legend_label.setWordWrap(True)
        self.legend_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.legend_label.setVisible(False)
        layout.addWidget(self.legend_label)

        self.stack = QStackedWidget()
        # image grid page
        self.image_widget = theme.plot_widget(layout=True)
        self.image_box = self.image_widget.addViewBox(lockAspect=True, invertY=True,
                                                      enableMouse=True)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.image_box.addItem(self.image_item)
        self._row_items: list[pg.TextItem] = []  # a conditional grid's row labels
        self._label_px = 0
        self.stack.addWidget(self.image_widget)
        # 2D field page
        self.field_plot = theme.plot_widget()
        item = self.field_plot.getPlotItem()
        item.setAspectLocked(True)
        # no grid: the heatmap fills the plane, and a grid makes both axes repaint every frame
        item.disableAutoRange()
        item.setMouseEnabled(x=True, y=True)
        self._range: tuple[float, float, float, float] | None = None
        self._real_drawn: np.ndarray | None = None  # the real points real_item holds
        self.surface_item = pg.ImageItem(axisOrder="row-major")
        self.surface_item.setColorMap(decision_colormap())
        self.surface_item.setZValue(-10)
        item.addItem(self.surface_item)
        real = pg.mkColor(theme.REAL)
        self.real_item = pg.ScatterPlotItem(size=4, pen=None,
                                            brush=pg.mkBrush(real.red(), real.green(),
                                                             real.blue(), 170))
        self.fake_item = pg.ScatterPlotItem(size=5, pen=pg.mkPen("#1b1d23", width=0.5),
                                            brush=pg.mkBrush(theme.FAKE))
        self.push_item = pg.PlotDataItem(connect="pairs",
                                         pen=pg.mkPen(theme.PUSH_COLOR, width=1.2))
        for it in (self.real_item, self.push_item, self.fake_item):
            item.addItem(it)
        self.stack.addWidget(self.field_plot)
        self._build_line_page()
        layout.addWidget(self.stack, 1)

        foot = QHBoxLayout()
        caption = QLabel("history")
        caption.setObjectName("caption")
        foot.addWidget(caption)
        self.scrubber = QSlider(Qt.Orientation.Horizontal)
        self.scrubber.setRange(0, 0)
        self.scrubber.setToolTip("Step back through past sample snapshots")
        self.scrubber.valueChanged.connect(self._scrubbed)
        foot.addWidget(self.scrubber, 1)
        self.live_button = QPushButton("Live")
        self.live_button.setCheckable(True)
        self.live_button.setChecked(True)
        self.live_button.setToolTip("Follow the newest snapshot")
        self.live_button.toggled.connect(self.set_live)
        foot.addWidget(self.live_button)
        self.step_label = theme.steady_label("step —", "step 10,000,000 · 200 of 200",
                                             Qt.AlignmentFlag.AlignRight)
        foot.addWidget(self.step_label)
        layout.addLayout(foot)
        self.set_kind("points")

    def _build_line_page(self) -> None:
        """The 1D page: densities above, D(x) and D*(x) below, on one linked x axis."""
        self.line_widget = theme.plot_widget(layout=True)
        self.density_plot = self.line_widget.addPlot(row=0, col=0)
        self.d_plot = self.line_widget.addPlot(row=1, col=0)
        self.d_plot.setXLink(self.density_plot)
        self.density_plot.setLabel("left", "density")
        self.d_plot.setLabel("left", "D(x)")
        self.d_plot.setLabel("bottom", "x")
        self.density_plot.getAxis("bottom").setStyle(showValues=False)
        for plot in (self.density_plot, self.d_plot):
            plot.getViewBox().setMouseEnabled(x=True, y=False)
            plot.getAxis("left").setWidth(48)
            plot.getAxis("left").enableAutoSIPrefix(False)
        self.line_widget.ci.layout.setRowStretchFactor(0, 3)
        self.line_widget.ci.layout.setRowStretchFactor(1, 2)
        real = pg.mkColor(theme.REAL)
        self.p_data_item = self.density_plot.plot(
            pen=pg.mkPen(theme.REAL, width=2), fillLevel=0.0,
            brush=pg.mkBrush(real.red(), real.green(), real.blue(), 50))
        self.p_g_item = self.density_plot.plot(pen=pg.mkPen(theme.FAKE, width=2))
        self.rug_item = pg.ScatterPlotItem(size=6, symbol="|", pen=pg.mkPen(theme.FAKE),
                                           brush=None)
        self.line_push_item = pg.PlotDataItem(connect="pairs",
                                              pen=pg.mkPen(theme.PUSH_COLOR, width=1.2))
        self.density_plot.addItem(self.line_push_item)
        self.density_plot.addItem(self.rug_item)
        self.half_item = pg.InfiniteLine(0.5, angle=0, pen=pg.mkPen(theme.MUTED, width=1,
                                                                    style=Qt.PenStyle.DotLine))
        self.d_plot.addItem(self.half_item)
        self.d_star_item = self.d_plot.plot(pen=pg.mkPen(theme.VALUE_COLOR, width=2,
                                                         style=Qt.PenStyle.DashLine),
                                            connect="finite")  # D* is NaN where undefined
        self.d_line_item = self.d_plot.plot(pen=pg.mkPen(theme.D_COLOR, width=2))
        self._density_top = 0.0
        self.stack.addWidget(self.line_widget)

    # -- data ------------------------------------------------------------------------------------

    def set_kind(self, kind: str) -> None:
        """Shows the image grid ("images"), the 2D field view ("points") or the 1D view
        ("line")."""
        self.kind = kind
        if kind == "images":
            self.stack.setCurrentWidget(self.image_widget)
            self.title.setText(self.image_title)
            self.legend_label.setText("")
            self.legend_label.setVisible(False)
        elif kind == "line":
            self.stack.setCurrentWidget(self.line_widget)
            self.title.setText("Densities and D over the line")
            self.legend_label.setText(
                f"<span style='color:{theme.REAL}'>■ p_data</span>  "
                f"<span style='color:{theme.FAKE}'>— p_G  | fakes</span>  "
                f"<span style='color:{theme.PUSH_COLOR}'>— G's push</span>  "
                f"<span style='color:{theme.D_COLOR}'>— D(x)</span>  "
                f"<span style='color:{theme.VALUE_COLOR}'>- - D*(x) = p_data/(p_data+p_G)</span>")
            self.legend_label.setVisible(True)
        else:
            self.stack.setCurrentWidget(self.field_plot)
            self.title.setText("Samples and D over the plane")
            self.legend_label.setText(
                f"<span style='color:{theme.REAL}'>● real</span>  "
                f"<span style='color:{theme.FAKE}'>● fake</span>  "
                f"<span style='color:{theme.PUSH_COLOR}'>— G's push</span>  "
                "<span style='color:#3fae7f'>■ D: real</span> "
                "<span style='color:#8f5fd6'>■ D: fake</span>")
            self.legend_label.setVisible(True)

    def add_snapshot(self, snap: Snapshot) -> None:
        """Stores a snapshot that carries a samples panel (GUI thread; cheap)."""
        frame = frame_from(snap, self.key)
        if frame is None:
            return
        kind = "images" if frame.grid is not None else "line" if frame.line is not None \
            else "points"
        if kind != self.kind:
            self.set_kind(kind)
        if len(self.frames) == 0 and frame.nbytes:
            self.frames.resize(int(min(self.max_history, max(8, HISTORY_BYTES // frame.nbytes))))
        if len(self.frames) == self.frames.capacity:
            self._dropped += 1  # the oldest frame goes: a scrubbed position moves back one
        self.frames.append(frame)
        self._dirty = True

    def rewind(self, step: int) -> None:
        """Forgets the frames after `step` and shows the newest one left (or nothing)."""
        if self.frames.drop_newest_while(lambda frame: frame.step > step) == 0:
            return
        if len(self.frames) == 0:
            self.clear()
            return
        self._shown = None  # refresh() fits the scrubber and draws the newest frame kept
        self._dirty = True

    def clear(self) -> None:
        """Forgets the history and empties the view."""
        self.frames.clear()
        self.frames.resize(self.max_history)
        self._shown = None
        self._range = None
        self._dropped = 0
        self.scrubber.blockSignals(True)
        self.scrubber.setRange(0, 0)
        self.scrubber.blockSignals(False)
        self.image_item.clear()
        self._set_row_labels((), 0)
        self.surface_item.clear()
        self.real_item.setData([], [])
        self._real_drawn = None
        self.fake_item.setData([], [])
        self.push_item.setData([], [])
        for item in (self.p_data_item, self.p_g_item, self.line_push_item, self.d_star_item,
                     self.d_line_item):
            item.setData([], [])
        self.rug_item.setData([], [])
        self._density_top = 0.0
        self.step_label.setText("step —")
        self.set_live(True)

    def set_live(self, live: bool) -> None:
        """Follows the newest snapshot (True) or stays on the scrubber's position."""
        self.live = live
        if self.live_button.isChecked() != live:
            self.live_button.blockSignals(True)
            self.live_button.setChecked(live)
            self.live_button.blockSignals(False)
        self._dirty = True
        self.refresh()  # at once: the user is waiting (the slider jumps to the end when live)

    def _scrubbed(self, value: int) -> None:
        self.set_live(value >= self.scrubber.maximum())

    @property
    def shown_frame(self) -> Frame | None:
        """The frame on screen."""
        return self._shown

    # -- drawing ---------------------------------------------------------------------------------

    def refresh(self) -> bool:
        """Draws the live or scrubbed frame if it changed; returns True when it drew."""
        if not self._dirty or len(self.frames) == 0:
            return False
        self._dirty = False
        self._sync_scrubber()
        index = len(self.frames) - 1 if self.live else min(self.scrubber.value(),
                                                           len(self.frames) - 1)
        frame = self.frames[index]
        if frame is self._shown:
            return False
        self._draw(frame)
        self._shown = frame
        where = "live" if self.live else f"{index + 1} of {len(self.frames)}"
        self.step_label.setText(f"step {frame.step:,} · {where}")
        return True

    def _sync_scrubber(self) -> None:
        """Fits the slider to the stored frames: once per drawn frame, not per snapshot, since
        each move repaints it."""
        self.scrubber.blockSignals(True)
        self.scrubber.setRange(0, len(self.frames) - 1)
        if self.live:
            self.scrubber.setValue(len(self.frames) - 1)
        elif self._dropped:
            self.scrubber.setValue(max(0, self.scrubber.value() - self._dropped))
        self._dropped = 0
        self.scrubber.blockSignals(False)

    def _draw(self, frame: Frame) -> None:
        if frame.grid is not None:
            title = frame.title or self.image_title
            if self.title.text() != title:  # a new text re-lays the view out: only on a change
                self.title.setText(title)
            self.image_item.setImage(frame.grid, levels=(0, 255), autoLevels=False)
            h, w = frame.grid.shape[:2]
            old = self._shown
            if old is None or old.grid is None or old.grid.shape[:2] != (h, w) or \
                    old.row_labels != frame.row_labels:
                self._set_row_labels(frame.row_labels, h)
                self._fit_grid(w, h)
            return
        if frame.line is not None:
            self._draw_line(frame)
            return
        if frame.condition != (self._shown.condition if self._shown else None):
            self.title.setText("Samples and D over the plane" if frame.condition is None
                               else f"Samples and D(x | {frame.condition}) over the plane")
        if frame.surface is not None and frame.extent is not None:
            x0, x1, y0, y1 = frame.extent
            if frame.critic:
                lo, hi = float(np.nanmin(frame.surface)), float(np.nanmax(frame.surface))
                levels = (lo, hi if hi > lo else lo + 1.0)
            else:
                levels = (0.0, 1.0)
            self.surface_item.setImage(frame.surface, levels=levels, autoLevels=False)
            self.surface_item.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
            self._follow(frame)
        if frame.real is not None and (self._real_drawn is None
                                       or not np.array_equal(self._real_drawn, frame.real)):
            # the real points are the same fixed probe in every frame: set them only when new
            # (rebuilding the 1,000-point scatter is GUI-thread Python work on every frame)
            self.real_item.setData(pos=frame.real)
            self._real_drawn = frame.real
        self.fake_item.setData(pos=frame.points)
        if frame.segments is not None and len(frame.segments):
            self.push_item.setData(frame.segments[:, 0], frame.segments[:, 1])
        else:
            self.push_item.setData([], [])

    def _draw_line(self, frame: Frame) -> None:
        line = frame.line
        x = line.x
        self.p_data_item.setData(x, line.p_data)
        self.p_g_item.setData(x, line.p_g)
        # the fakes as a rug just under the axis, each with G's push along the line
        top = float(max(np.nanmax(line.p_data), np.nanmax(line.p_g), 1e-6))
        if top > self._density_top or top < 0.4 * self._density_top:
            self._density_top = top  # the range moves only on a real change: fewer repaints
            self.density_plot.setYRange(-0.08 * top, 1.05 * top, padding=0)
        rug_y = -0.04 * self._density_top
        pts = frame.points
        self.rug_item.setData(pts[:, 0], np.full(len(pts), rug_y))
        if frame.segments is not None and len(frame.segments):
            self.line_push_item.setData(frame.segments[:, 0],
                                        np.full(len(frame.segments), rug_y))
        else:
            self.line_push_item.setData([], [])
        self.d_line_item.setData(x, line.d)
        if line.d_star is not None:
            self.d_star_item.setData(x, line.d_star)
        else:
            self.d_star_item.setData([], [])
        self.half_item.setVisible(not frame.critic)
        self.d_plot.setLabel("left", "critic f(x)" if frame.critic else "D(x)")
        if frame.critic:
            self.d_plot.enableAutoRange(axis="y")
        else:
            self.d_plot.setYRange(-0.02, 1.02, padding=0)
        old = self._shown
        if old is None or old.line is None or old.line.x[0] != x[0] or old.line.x[-1] != x[-1]:
            self.density_plot.setXRange(float(x[0]), float(x[-1]), padding=0)

    def _set_row_labels(self, labels: tuple[str, ...], height: int) -> None:
        """One text item left of each row of a conditional grid (created only on a change)."""
        for item in self._row_items:
            self.image_box.removeItem(item)
        self._row_items = []
        self._label_px = 0
        if not labels:
            return
        metrics = self.fontMetrics()
        row_h = height / len(labels)
        for i, text in enumerate(labels):
            item = pg.TextItem(text, color=theme.TEXT, anchor=(1.0, 0.5))
            item.setPos(-1.0, (i + 0.5) * row_h)
            self.image_box.addItem(item)
            self._row_items.append(item)
            self._label_px = max(self._label_px, metrics.horizontalAdvance(text) + 12)

    def _fit_grid(self, w: int, h: int) -> None:
        """Fits the grid in view, leaving room on the left for its row labels."""
        left = 0.0
        if self._label_px:
            box_w = max(1.0, float(self.image_box.width()) or 400.0)
            box_h = max(1.0, float(self.image_box.height()) or 300.0)
            # the aspect is locked: solve for the units per pixel of a view w + left wide
            scale = min(box_h / h, (box_w - self._label_px) / w) if box_w > self._label_px \
                else box_h / h
            left = self._label_px / max(scale, 1e-6)
        self.image_box.setRange(QRectF(-left, 0, w + left, h), padding=0.01)

    def resizeEvent(self, event) -> None:  # noqa: D102, N802 - Qt's name
        super().resizeEvent(event)
        if self._shown is not None and self._shown.grid is not None and self._row_items:
            h, w = self._shown.grid.shape[:2]
            self._fit_grid(w, h)

    def _follow(self, frame: Frame) -> None:
        """Keeps the plane and (most of) the fakes in view; moves the range only when they
        leave it or use much less of it, so the axes rarely repaint."""
        x0, x1, y0, y1 = frame.extent
        pts = frame.points
        if pts is not None and len(pts):
            finite = pts[np.isfinite(pts).all(axis=1)]
            if len(finite):
                lo = np.percentile(finite, 2, axis=0)
                hi = np.percentile(finite, 98, axis=0)
                x0, x1 = min(x0, float(lo[0])), max(x1, float(hi[0]))
                y0, y1 = min(y0, float(lo[1])), max(y1, float(hi[1]))
        cur = self._range
        if cur is not None:
            c0, c1, d0, d1 = cur
            inside = c0 <= x0 and x1 <= c1 and d0 <= y0 and y1 <= d1
            if inside and (x1 - x0) * (y1 - y0) >= 0.35 * (c1 - c0) * (d1 - d0):
                return
        pad = 0.04 * max(x1 - x0, y1 - y0)
        self._range = (x0 - pad, x1 + pad, y0 - pad, y1 + pad)
        self.field_plot.getPlotItem().setRange(xRange=(x0 - pad, x1 + pad),
                                               yRange=(y0 - pad, y1 + pad), padding=0)

    # -- output ----------------------------------------------------------------------------------

    def save_png(self, path: str | Path) -> Path:
        """Saves the frame on screen as a PNG: the image grid (upscaled, pixel-exact), or a
        render of the 2D view.

        Raises:
            ValueError: when there is nothing to save yet.
        """
        from PIL import Image

        path = Path(path)
        frame = self._shown
        if frame is None:
            raise ValueError("no samples yet; start training first")
        if frame.grid is not None:
            img = Image.fromarray(frame.grid)
            factor = max(1, -(-512 // max(img.size)))
            if factor > 1:
                img = img.resize((img.width * factor, img.height * factor), Image.NEAREST)
            img.save(path)
        elif frame.line is not None:
            self.line_widget.grab().save(str(path))
        else:
            self.field_plot.grab().save(str(path))
        return path
