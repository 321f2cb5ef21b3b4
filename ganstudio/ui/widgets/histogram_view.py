"""Histograms of D's outputs on real and on generated samples, overlaid, with the overlap score."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ganstudio.core.telemetry import Snapshot
from ganstudio.ui import theme

BINS = 40


def _overlap(real: np.ndarray, fake: np.ndarray, lo: float, hi: float) -> float:
    # numpy only; imported here so the window's start-up does not pay for the metrics package
    from ganstudio.core.metrics.theory import histogram_overlap

    return histogram_overlap(real, fake, bins=BINS, range=(lo, hi))


class HistogramView(QWidget):
    """D(x) for real and fake probe batches on the same axes, live.

    For probabilities the bins cover [0, 1] and a line marks D* = 1/2 (the equilibrium); for
    critic values (WGAN, hinge) the range follows the data.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._snap: Snapshot | None = None
        self._dirty = False
        self._critic = False
        self.overlap: float | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        head = QHBoxLayout()
        self.title = QLabel("D(x): real vs fake")
        self.title.setObjectName("viewTitle")
        head.addWidget(self.title)
        head.addStretch(1)
        self.overlap_label = theme.steady_label("overlap —", "overlap 0.00",
                                                Qt.AlignmentFlag.AlignRight)
        self.overlap_label.setToolTip(
            "Histogram intersection of D's outputs on real and fake samples: 1 = D cannot tell "
            "them apart (the equilibrium), 0 = D separates them perfectly")
        head.addWidget(self.overlap_label)
        layout.addLayout(head)

        self.plot = theme.plot_widget()
        self.plot.setMinimumHeight(150)
        item = self.plot.getPlotItem()
        # no grid: the 0.5 line is the reference, and a grid repaints the axis every frame
        item.setLabel("bottom", "D(x)")
        item.hideAxis("left")
        item.setMouseEnabled(x=False, y=False)
        item.disableAutoRange()
        self._x_range: tuple[float, float] | None = None
        self._top: float | None = None
        legend = item.addLegend(offset=(10, 10), labelTextSize="8pt")
        legend.setBrush(pg.mkBrush(21, 23, 28, 200))
        real = pg.mkColor(theme.REAL)
        fake = pg.mkColor(theme.FAKE)
        self.real_curve = pg.PlotDataItem(
            [0, 1], [0], stepMode="center", fillLevel=0, pen=pg.mkPen(real, width=2),
            brush=pg.mkBrush(real.red(), real.green(), real.blue(), 90), name="real")
        self.fake_curve = pg.PlotDataItem(
            [0, 1], [0], stepMode="center", fillLevel=0, pen=pg.mkPen(fake, width=2),
            brush=pg.mkBrush(fake.red(), fake.green(), fake.blue(), 90), name="fake")
        item.addItem(self.real_curve)
        item.addItem(self.fake_curve)
        self.half_line = pg.InfiniteLine(pos=0.5, angle=90, movable=False,
                                         pen=pg.mkPen("#e0e0e0", width=1,
                                                      style=Qt.PenStyle.DashLine),
                                         label="D*=½", labelOpts={"position": 0.92,
                                                                  "color": "#e0e0e0"})
        item.addItem(self.half_line)
        item.setXRange(0, 1, padding=0.02)
        layout.addWidget(self.plot, 1)

    def set_snapshot(self, snap: Snapshot) -> None:
        """Keeps the newest snapshot with D outputs (drawn on the next refresh)."""
        if snap.d_real is not None and snap.d_fake is not None:
            self._snap = snap
            self._dirty = True

    def clear(self) -> None:
        """Empties the plot."""
        self._snap = None
        self.overlap = None
        self._x_range = None
        self._top = None
        self.real_curve.setData([0, 1], [0])
        self.fake_curve.setData([0, 1], [0])
        self.overlap_label.setText("overlap —")

    def refresh(self) -> bool:
        """Redraws if a new snapshot arrived; returns True when it drew."""
        if not self._dirty or self._snap is None:
            return False
        self._dirty = False
        snap = self._snap
        real = np.asarray(snap.d_real, np.float64).ravel()
        fake = np.asarray(snap.d_fake, np.float64).ravel()
        real = real[np.isfinite(real)]
        fake = fake[np.isfinite(fake)]
        if real.size == 0 or fake.size == 0:
            return False
        if snap.critic:
            lo = float(min(real.min(), fake.min()))
            hi = float(max(real.max(), fake.max()))
            if not hi > lo:
                lo, hi = lo - 0.5, hi + 0.5
        else:
            lo, hi = 0.0, 1.0
        if snap.critic != self._critic:  # relabelling rebuilds the axis: only on a change
            self._critic = snap.critic
            self.title.setText("Critic values: real vs fake" if snap.critic
                               else "D(x): real vs fake")
            self.plot.getPlotItem().setLabel("bottom", "critic D(x)" if snap.critic else "D(x)")
        edges = np.linspace(lo, hi, BINS + 1)
        h_real, _ = np.histogram(np.clip(real, lo, hi), bins=edges)
        h_fake, _ = np.histogram(np.clip(fake, lo, hi), bins=edges)
        self.real_curve.setData(edges, h_real / real.size)
        self.fake_curve.setData(edges, h_fake / fake.size)
        self.half_line.setVisible(not snap.critic)
        if self._x_range != (lo, hi):
            self._x_range = (lo, hi)
            self.plot.getPlotItem().setXRange(lo, hi, padding=0.02)
        top = float(max(h_real.max() / real.size, h_fake.max() / fake.size))
        if self._top is None or top > self._top or top < 0.5 * self._top:
            self._top = top * 1.15
            self.plot.getPlotItem().setYRange(0, self._top, padding=0)
        self.overlap = _overlap(real, fake, lo, hi)
        self.overlap_label.setText(f"overlap {self.overlap:.2f}")
        return True
