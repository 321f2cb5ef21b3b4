"""G's two losses over D(G(z)), with the current fakes on both, live during training (seed 003).

The minimax game's generator minimizes log(1 − D(G(z))); the non-saturating one minimizes
−log D(G(z)). Both are drawn over D ∈ (0, 1), with each fake's D value as a dot on each curve.
In D's logit a (D = σ(a)) their slopes are −D and −(1 − D): while D rejects the fakes (D near
0) log(1 − D) is flat and G hardly moves, while −log D is as steep as it gets. The caption gives
the mean |slope| each loss has at the current fakes (`metrics.theory.g_loss_slopes`), and
which one this run uses.

Drawn for discriminators that output a probability (minimax, non-saturating); a critic's
scores (WGAN, hinge) or least squares have other losses, so the view says so and stays empty.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ganstudio.core.metrics.theory import g_loss_slopes
from ganstudio.core.telemetry import Snapshot
from ganstudio.ui import theme

__all__ = ["GLossView"]

EPS = 1e-4  # the curves are drawn on [EPS, 1 − EPS]
MAX_DOTS = 256
LOSSES = {"minimax": "log(1 − D)", "nonsaturating": "−log D"}
CURVE_COLORS = {"minimax": theme.VALUE_COLOR, "nonsaturating": theme.FAKE}


def _loss(name: str, d: np.ndarray) -> np.ndarray:
    d = np.clip(d, EPS, 1.0 - EPS)
    return np.log1p(-d) if name == "minimax" else -np.log(d)


class GLossView(QWidget):
    """The two G losses over D(G(z)) with the fakes of the newest snapshot as dots.

    Args:
        parent: The parent widget.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.objective: str | None = None
        self.slopes: dict[str, float] | None = None
        self._fake: np.ndarray | None = None
        self._critic = False
        self._dirty = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.title = QLabel("G's loss at the fakes")
        self.title.setObjectName("viewTitle")
        layout.addWidget(self.title)
        self.caption = QLabel("")
        self.caption.setObjectName("caption")
        self.caption.setWordWrap(True)
        layout.addWidget(self.caption)
        self.plot = theme.plot_widget()
        self.plot.setMinimumHeight(120)
        item = self.plot.getPlotItem()
        item.setLabel("bottom", "D(G(z))")
        item.setLabel("left", "G's loss")
        item.setMouseEnabled(x=False, y=False)
        item.setXRange(0, 1, padding=0.02)
        item.setYRange(-5, 5, padding=0.02)
        self.legend = item.addLegend(offset=(-10, 10), labelTextSize="8pt")
        self.legend.setBrush(pg.mkBrush(21, 23, 28, 200))
        d = np.linspace(EPS, 1 - EPS, 400)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.dots: dict[str, pg.ScatterPlotItem] = {}
        for name, text in LOSSES.items():
            color = CURVE_COLORS[name]
            self.curves[name] = item.plot(d, _loss(name, d), pen=pg.mkPen(color, width=2),
                                          name=text)
            dots = pg.ScatterPlotItem(size=6, pen=pg.mkPen("#1b1d23", width=0.5),
                                      brush=pg.mkBrush(color))
            item.addItem(dots)
            self.dots[name] = dots
        layout.addWidget(self.plot, 1)
        self._show_caption()

    def set_objective(self, name: str) -> None:
        """The run's objective (`minimax`, `nonsaturating`, `wgan`, ...): its curve is drawn
        bold, the other thin; other objectives leave the view empty."""
        self.objective = name
        for loss, curve in self.curves.items():
            curve.setPen(pg.mkPen(CURVE_COLORS[loss], width=3 if loss == name else 1.2))
        self._show_caption()
        self._dirty = True

    def set_snapshot(self, snap: Snapshot) -> None:
        """Keeps the newest snapshot's fakes (drawn on the next refresh)."""
        panel = snap.panels.get("d_hist")
        if panel is None or "fake" not in panel.groups:
            return
        self._critic = bool(panel.critic)
        fake = np.asarray(panel.groups["fake"], np.float64).ravel()
        self._fake = fake[np.isfinite(fake)]
        self._dirty = True

    def clear(self) -> None:
        """Forgets the fakes."""
        self._fake = None
        self.slopes = None
        for dots in self.dots.values():
            dots.setData([], [])
        self._show_caption()

    @property
    def applies(self) -> bool:
        """Whether the run's D outputs a probability that these losses take."""
        return not self._critic and self.objective in (None, *LOSSES)

    def refresh(self) -> bool:
        """Redraws the dots if new fakes arrived; returns True when it drew."""
        if not self._dirty:
            return False
        self._dirty = False
        if self._fake is None or self._fake.size == 0 or not self.applies:
            for dots in self.dots.values():
                dots.setData([], [])
            self.slopes = None
            self._show_caption()
            return False
        d = self._fake[np.linspace(0, self._fake.size - 1,
                                   min(self._fake.size, MAX_DOTS)).astype(int)]
        for name, dots in self.dots.items():
            dots.setData(np.clip(d, EPS, 1 - EPS), _loss(name, d))
        self.slopes = g_loss_slopes(self._fake)
        self._show_caption()
        return True

    def _show_caption(self) -> None:
        if not self.applies:
            self.caption.setText(f"The {self.objective} objective's D gives scores, not "
                                 "probabilities: these two losses do not apply to it.")
            return
        if self.slopes is None:
            self.caption.setText("Each dot is one fake's D(G(z)): where D rejects the fakes, "
                                 "log(1 − D) is flat and −log D is steep.")
            return
        used = f"; this run uses {LOSSES[self.objective]}" if self.objective in LOSSES else ""
        self.caption.setText(
            f"Mean |slope| in D's logit at the fakes: log(1 − D) {self.slopes['minimax']:.3f}, "
            f"−log D {self.slopes['nonsaturating']:.3f}{used}.")
