"""Histograms of D's outputs on real and on generated samples (and, for the conditional GAN,
real samples with a wrong condition), overlaid, with the real-vs-fake overlap score."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from ganstudio.core.telemetry import Snapshot
from ganstudio.ui import theme

BINS = 40


def _overlap(real: np.ndarray, fake: np.ndarray, lo: float, hi: float) -> float:
    # numpy only; imported here so the window's start-up does not pay for the metrics package
    from ganstudio.core.metrics.theory import histogram_overlap

    return histogram_overlap(real, fake, bins=BINS, range=(lo, hi))


OTHER_COLORS = (theme.PUSH_COLOR, theme.VALUE_COLOR, theme.ACCENT)


def group_color(name: str, others_before: int) -> str:
    """The colour of a histogram group: real green, fake orange, the others (such as real
    images with a wrong condition) yellow, then purple, then blue."""
    if name == "real" or name.startswith("real, matching"):
        return theme.REAL
    if name.startswith("fake"):
        return theme.FAKE
    return OTHER_COLORS[others_before % len(OTHER_COLORS)]


class HistogramView(QWidget):
    """One `Histograms` panel live: D's outputs for each group (real, fake, and for the
    conditional GAN real images with a wrong condition) on the same axes.

    For probabilities the bins cover [0, 1] and a line marks D* = 1/2 (the equilibrium); for
    critic values (WGAN, hinge) the range follows the data. The overlap score compares the
    first group (real) with the fake group.

    Args:
        parent: The parent widget.
        key: The snapshot panel it draws (`d_hist`, `match_hist`, ...).
        heading: Whose D it is, before the title (a translation family's domain:
            `"Domain B (inverted digits)"`); `None`: no heading.
    """

    def __init__(self, parent: QWidget | None = None, key: str = "d_hist",
                 heading: str | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self._panel = None
        self._dirty = False
        self._critic = False
        self._title = ""
        self._names = "real vs fake"
        self.heading = heading
        self.overlap: float | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        head = QHBoxLayout()
        self.title = QLabel("D(x): real vs fake")
        self.title.setObjectName("viewTitle")
        # a long title (a domain's name) is cut rather than widening the column
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.title.setMinimumWidth(60)
        head.addWidget(self.title, 1)
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
        self.legend = item.addLegend(offset=(10, 10), labelTextSize="8pt")
        self.legend.setBrush(pg.mkBrush(21, 23, 28, 200))
        self.curves: dict[str, pg.PlotDataItem] = {}
        for name in ("real", "fake"):  # the GAN's two groups, ready before the first panel
            self._curve(name)
        self.half_line = pg.InfiniteLine(pos=0.5, angle=90, movable=False,
                                         pen=pg.mkPen("#e0e0e0", width=1,
                                                      style=Qt.PenStyle.DashLine),
                                         label="D*=½", labelOpts={"position": 0.92,
                                                                  "color": "#e0e0e0"})
        item.addItem(self.half_line)
        item.setXRange(0, 1, padding=0.02)
        layout.addWidget(self.plot, 1)
        self._show_title()

    def set_heading(self, heading: str | None) -> None:
        """Says whose D this is before the title (`None`: nothing)."""
        if heading != self.heading:
            self.heading = heading
            self._show_title()

    def _show_title(self) -> None:
        what = self._title or ("critic D(x)" if self._critic else "D(x)")
        text = f"{what[0].upper() + what[1:]}: {self._names}"
        self.title.setText(f"{self.heading} · {text}" if self.heading else text)
        self.title.setToolTip(self.title.text())

    @property
    def real_curve(self) -> pg.PlotDataItem:
        """The first group's curve (real examples)."""
        return next(iter(self.curves.values()))

    @property
    def fake_curve(self) -> pg.PlotDataItem:
        """The fake group's curve."""
        return self.curves.get("fake") or list(self.curves.values())[-1]

    def _curve(self, name: str) -> pg.PlotDataItem:
        curve = self.curves.get(name)
        if curve is None:
            others = sum(1 for n in self.curves
                         if group_color(n, 0) not in (theme.REAL, theme.FAKE))
            color = pg.mkColor(group_color(name, others))
            curve = pg.PlotDataItem(
                [0, 1], [0], stepMode="center", fillLevel=0, pen=pg.mkPen(color, width=2),
                brush=pg.mkBrush(color.red(), color.green(), color.blue(), 80), name=name)
            self.plot.getPlotItem().addItem(curve)
            self.curves[name] = curve
        return curve

    def _set_groups(self, names: list[str]) -> None:
        """Keeps exactly these groups' curves (rebuilt only when the groups change)."""
        if list(self.curves) == names:
            return
        item = self.plot.getPlotItem()
        for curve in self.curves.values():
            item.removeItem(curve)
        self.legend.clear()
        self.curves = {}
        for name in names:
            self._curve(name)

    def set_snapshot(self, snap: Snapshot) -> None:
        """Keeps the newest snapshot's panel (drawn on the next refresh)."""
        panel = snap.panels.get(self.key)
        if panel is not None and len(panel.groups) >= 2:
            self._panel = panel
            self._dirty = True

    def clear(self) -> None:
        """Empties the plot."""
        self._panel = None
        self.overlap = None
        self._x_range = None
        self._top = None
        for curve in self.curves.values():
            curve.setData([0, 1], [0])
        self.overlap_label.setText("overlap —")

    def refresh(self) -> bool:
        """Redraws if a new panel arrived; returns True when it drew."""
        if not self._dirty or self._panel is None:
            return False
        self._dirty = False
        panel = self._panel
        groups = {}
        for name, values in panel.groups.items():
            v = np.asarray(values, np.float64).ravel()
            groups[name] = v[np.isfinite(v)]
        if any(v.size == 0 for v in groups.values()):
            return False
        critic = bool(panel.critic)
        if critic:
            lo = float(min(v.min() for v in groups.values()))
            hi = float(max(v.max() for v in groups.values()))
            if not hi > lo:
                lo, hi = lo - 0.5, hi + 0.5
        else:
            lo, hi = 0.0, 1.0
        self._set_groups(list(groups))
        title = panel.title if panel.title != "D(x)" else ""
        names = " vs ".join(n.split(",")[0] if n.startswith("fake") else n for n in groups)
        if critic != self._critic or title != self._title or names != self._names:
            self._critic, self._title, self._names = critic, title, names  # relabel on a change
            self._show_title()
            self.plot.getPlotItem().setLabel("bottom", title or ("critic D(x)" if critic
                                                                 else "D(x)"))
        edges = np.linspace(lo, hi, BINS + 1)
        top = 0.0
        for name, values in groups.items():
            counts, _ = np.histogram(np.clip(values, lo, hi), bins=edges)
            self.curves[name].setData(edges, counts / values.size)
            top = max(top, float(counts.max() / values.size))
        self.half_line.setVisible(not critic)
        if self._x_range != (lo, hi):
            self._x_range = (lo, hi)
            self.plot.getPlotItem().setXRange(lo, hi, padding=0.02)
        if self._top is None or top > self._top or top < 0.5 * self._top:
            self._top = top * 1.15
            self.plot.getPlotItem().setYRange(0, self._top, padding=0)
        names = list(groups)
        fake = next((n for n in names if n.startswith("fake")), names[-1])
        self.overlap = _overlap(groups[names[0]], groups[fake], lo, hi)
        self.overlap_label.setText(f"overlap {self.overlap:.2f}")
        return True
