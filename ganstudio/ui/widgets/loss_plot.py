"""Loss curves: of D and G and the value estimate V(G, D) (the critic gap for WGANs) for the
GAN families, or the terms a family declares (`FamilySpec.loss_curves`, e.g. reconstruction and
KL for the VAE)."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from ganstudio.core.families import GAN_CURVES
from ganstudio.core.telemetry import Snapshot
from ganstudio.ui import theme
from ganstudio.ui.history import DecimatingSeries, ema

CURVE_COLORS = (theme.D_COLOR, theme.G_COLOR, theme.VALUE_COLOR, theme.REAL, theme.PUSH_COLOR,
                "#f78fb3")


def _grow(lo: float, hi: float, cur: tuple[float, float] | None, margin: float = 0.08
          ) -> tuple[float, float] | None:
    """A new (lo, hi) view range when the data leave the current one (or use far less of it);
    None when the current range still fits, so the axes need not repaint."""
    span = max(hi - lo, 1e-6)
    if cur is not None:
        c_lo, c_hi = cur
        c_span = c_hi - c_lo
        if c_lo <= lo and hi <= c_hi and span >= 0.4 * c_span:
            return None
    return lo - margin * span, hi + margin * span


class LossPlot(QWidget):
    """Live loss curves with EMA smoothing, bounded by decimation.

    Snapshots are appended as they arrive (cheap); `refresh()` (called by the window's frame
    clock) redraws only when something changed; moving the smoothing slider redraws at once.

    Args:
        parent: The parent widget.
        capacity: Most points kept per curve.
    """

    def __init__(self, parent: QWidget | None = None, capacity: int = 4000) -> None:
        super().__init__(parent)
        self.capacity = capacity
        self.curve_spec: tuple[tuple[str, str], ...] = GAN_CURVES
        self.series = {name: DecimatingSeries(capacity) for name, _ in GAN_CURVES}
        self.critic = False
        self._dirty = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        head = QHBoxLayout()
        self.title = QLabel("Losses and V(G, D)")
        self.title.setObjectName("viewTitle")
        head.addWidget(self.title)
        head.addStretch(1)
        caption = QLabel("smoothing")
        caption.setObjectName("caption")
        head.addWidget(caption)
        self.smoothing = QSlider(Qt.Orientation.Horizontal)
        self.smoothing.setRange(0, 99)
        self.smoothing.setValue(60)
        self.smoothing.setFixedWidth(110)
        self.smoothing.setToolTip("Exponential moving average of the curves (0 = raw)")
        self.smoothing.valueChanged.connect(self._mark_dirty)
        head.addWidget(self.smoothing)
        self.smoothing_label = QLabel("0.60")
        self.smoothing_label.setObjectName("caption")
        self.smoothing_label.setFixedWidth(30)
        head.addWidget(self.smoothing_label)
        layout.addLayout(head)

        self.plot = theme.plot_widget()
        self.plot.setMinimumHeight(150)
        item = self.plot.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.15)
        item.setLabel("bottom", "step")
        item.setClipToView(True)
        item.setDownsampling(auto=True, mode="peak")
        item.disableAutoRange()
        item.setMouseEnabled(x=False, y=False)
        self._x_range: tuple[float, float] | None = None
        self._y_range: tuple[float, float] | None = None
        legend = item.addLegend(offset=(-10, 10), labelTextSize="8pt")
        legend.setBrush(pg.mkBrush(21, 23, 28, 200))
        self.curves = {
            name: item.plot(pen=pg.mkPen(CURVE_COLORS[i], width=2), name=label)
            for i, (name, label) in enumerate(GAN_CURVES)}
        self.equilibrium = pg.InfiniteLine(pos=-2 * math.log(2), angle=0, movable=False,
                                           pen=pg.mkPen(theme.VALUE_COLOR, width=1,
                                                        style=Qt.PenStyle.DashLine))
        self.equilibrium.setToolTip("V = −2 log 2: the value at the global optimum p_g = p_data")
        item.addItem(self.equilibrium)
        self._legend = legend
        layout.addWidget(self.plot, 1)

    def set_curves(self, curves: tuple[tuple[str, str], ...]) -> None:
        """Which scalars to draw, as (scalar key, legend label) pairs (forgets the old curves
        when they change).

        Args:
            curves: A family's `loss_curves`; those with `value` get the V(G, D) reference.
        """
        curves = tuple((str(k), str(label)) for k, label in curves)
        if curves == self.curve_spec:
            return
        item = self.plot.getPlotItem()
        for curve in self.curves.values():
            self._legend.removeItem(curve)
            item.removeItem(curve)
        self.curve_spec = curves
        self.series = {name: DecimatingSeries(self.capacity) for name, _ in curves}
        self.curves = {name: item.plot(pen=pg.mkPen(CURVE_COLORS[i % len(CURVE_COLORS)],
                                                    width=2), name=label)
                       for i, (name, label) in enumerate(curves)}
        self._x_range = self._y_range = None
        self.set_critic(self.critic)

    @property
    def _has_value(self) -> bool:
        return "value" in self.curves

    # -- data ------------------------------------------------------------------------------------

    def add_snapshot(self, snap: Snapshot) -> None:
        """Appends the snapshot's scalars (GUI thread; cheap)."""
        if not snap.scalars:
            return
        if snap.critic != self.critic:
            self.set_critic(snap.critic)
        self._append(snap.step, snap.scalars)

    def set_history(self, history: list[dict[str, float]], critic: bool | None = None) -> None:
        """Replaces the curves with a run's stored history (when opening a run)."""
        self.clear()
        if critic is not None:
            self.set_critic(critic)
        for row in history:
            self._append(int(row.get("step", 0)), row)

    def _append(self, step: int, scalars: dict[str, float]) -> None:
        for name in self.series:
            if name in scalars:
                self.series[name].append(float(step), float(scalars[name]))
        self._dirty = True

    def set_critic(self, critic: bool) -> None:
        """Labels the third curve as the critic gap (WGAN) or V(G, D)."""
        self.critic = critic
        self.equilibrium.setVisible(self._has_value and not critic)
        self._dirty = True
        if not self._has_value:
            self.title.setText("Losses")
            return
        label = "critic gap E[D(x)]−E[D(G(z))]" if critic else "V(G,D)"
        self.title.setText("Losses and critic gap" if critic else "Losses and V(G, D)")
        self._legend.removeItem(self.curves["value"])
        self._legend.addItem(self.curves["value"], label)

    def clear(self) -> None:
        """Forgets the curves."""
        for s in self.series.values():
            s.clear()
        self._x_range = self._y_range = None
        self._dirty = True

    def rewind(self, step: int) -> None:
        """Forgets the points after `step` (training went back to it)."""
        for s in self.series.values():
            s.drop_after(float(step))
        self._x_range = self._y_range = None
        self._dirty = True

    def _mark_dirty(self, *_: object) -> None:
        self.smoothing_label.setText(f"{self.smoothing.value() / 100:.2f}")
        self._dirty = True
        self.refresh()

    @property
    def weight(self) -> float:
        """The EMA weight set by the slider."""
        return self.smoothing.value() / 100.0

    # -- drawing ---------------------------------------------------------------------------------

    def refresh(self) -> bool:
        """Redraws if anything changed; returns True when it drew."""
        if not self._dirty:
            return False
        self._dirty = False
        w = self.weight
        ys = []
        x_max = 0.0
        x_min = None
        for name, curve in self.curves.items():
            s = self.series[name]
            if len(s) == 0:
                curve.setData([], [])
                continue
            y = ema(s.y, w) if w > 0 else np.array(s.y)
            curve.setData(s.x, y)
            finite = y[np.isfinite(y)]
            if finite.size:
                ys.append((float(finite.min()), float(finite.max())))
            x_max = max(x_max, float(s.x[-1]))
            x_min = float(s.x[0]) if x_min is None else min(x_min, float(s.x[0]))
        if ys:
            lo = min(a for a, _ in ys)
            hi = max(b for _, b in ys)
            if self._has_value and not self.critic:
                lo = min(lo, -2 * math.log(2))
            new_y = _grow(lo, hi, self._y_range)
            x_lo = x_min or 0.0
            x_hi = max(x_max, x_lo + 10.0)
            new_x = None
            if self._x_range is None or x_hi > self._x_range[1] or x_lo < self._x_range[0]:
                new_x = (x_lo, x_lo + (x_hi - x_lo) * 1.25)
            item = self.plot.getPlotItem()
            if new_x is not None:
                self._x_range = new_x
                item.setXRange(*new_x, padding=0)
            if new_y is not None:
                self._y_range = new_y
                item.setYRange(*new_y, padding=0)
        return True
