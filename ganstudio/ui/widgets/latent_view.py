"""The latent space of an encoder family, live: the codes of a fixed labelled batch, coloured by
label, over faint samples of the prior the decoder is fed when it generates.

Where the codes leave the prior's mass empty, prior samples decode to nothing the encoder ever
made: the autoencoder's holes. The VAE's KL term pulls the codes onto the prior. With more than
two latent dimensions the codes are shown on their first two principal directions (the panel
says how much of their variance that keeps).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ganstudio.core.panels import LatentCodes
from ganstudio.core.telemetry import Snapshot
from ganstudio.ui import theme
from ganstudio.ui.widgets.follow_range import follow_range

__all__ = ["LatentView", "label_colors"]

PALETTE = ("#5b9bff", "#ff8c5a", "#3ddc97", "#f78fb3", "#ffd166", "#c792ea", "#4dd0e1",
           "#e57373", "#aed581", "#b0bec5")


def label_colors(labels: np.ndarray | None, n: int) -> list[pg.QtGui.QBrush]:
    """One brush per point: a label's colour (ten distinct ones, then hues), or one colour."""
    if labels is None:
        return [pg.mkBrush(theme.REAL)] * n
    labels = np.asarray(labels, np.int64).ravel()
    count = int(labels.max()) + 1 if labels.size else 1
    colors = [pg.mkColor(PALETTE[i]) if count <= len(PALETTE)
              else pg.intColor(i, hues=count) for i in range(count)]
    brushes = [pg.mkBrush(c) for c in colors]
    return [brushes[int(v)] if v >= 0 else pg.mkBrush(theme.MUTED) for v in labels]


class LatentView(QWidget):
    """One `LatentCodes` panel, redrawn from the newest snapshot on the frame clock.

    Args:
        parent: The parent widget.
        key: The snapshot panel it draws.
    """

    def __init__(self, parent: QWidget | None = None, key: str = "latent") -> None:
        super().__init__(parent)
        self.key = key
        self._panel: LatentCodes | None = None
        self._dirty = False
        self._labels_drawn: np.ndarray | None = None
        self._brushes: list = []
        self._range: tuple[float, float, float, float] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        head = QHBoxLayout()
        self.title = QLabel("Latent space")
        self.title.setObjectName("viewTitle")
        head.addWidget(self.title)
        head.addStretch(1)
        self.method_label = QLabel("")
        self.method_label.setObjectName("caption")
        head.addWidget(self.method_label)
        layout.addLayout(head)
        self.legend_label = QLabel("")
        self.legend_label.setObjectName("caption")
        self.legend_label.setWordWrap(True)
        layout.addWidget(self.legend_label)
        self.plot = theme.plot_widget()
        self.plot.setMinimumHeight(150)
        item = self.plot.getPlotItem()
        item.setAspectLocked(True)
        item.setMouseEnabled(x=True, y=True)
        self.prior_item = pg.ScatterPlotItem(size=3, pen=None,
                                             brush=pg.mkBrush(200, 200, 210, 45))
        self.codes_item = pg.ScatterPlotItem(size=5, pen=pg.mkPen("#1b1d23", width=0.4))
        item.addItem(self.prior_item)
        item.addItem(self.codes_item)
        layout.addWidget(self.plot, 1)

    def set_snapshot(self, snap: Snapshot) -> None:
        """Keeps the newest snapshot's panel (drawn on the next refresh)."""
        panel = snap.panels.get(self.key)
        if isinstance(panel, LatentCodes):
            self._panel = panel
            self._dirty = True

    def clear(self) -> None:
        """Empties the plot."""
        self._panel = None
        self._labels_drawn = None
        self._range = None
        self.codes_item.setData([], [])
        self.prior_item.setData([], [])
        self.method_label.setText("")
        self.legend_label.setText("")

    def refresh(self) -> bool:
        """Redraws if a new panel arrived; returns True when it drew."""
        if not self._dirty or self._panel is None:
            return False
        self._dirty = False
        panel = self._panel
        codes = np.asarray(panel.codes, np.float64)[:, :2]
        finite = np.isfinite(codes).all(axis=1)
        labels = None if panel.labels is None else np.asarray(panel.labels)
        if labels is None or self._labels_drawn is None or \
                not np.array_equal(labels, self._labels_drawn):
            # the batch is fixed: its brushes are made once, not on every frame
            self._brushes = label_colors(labels, len(codes))
            self._labels_drawn = labels
            self._show_legend(labels, panel.class_names)
        brushes = [b for b, keep in zip(self._brushes, finite, strict=True) if keep]
        self.codes_item.setData(pos=codes[finite], brush=brushes)
        if panel.prior is not None:
            prior = np.asarray(panel.prior, np.float64)[:, :2]
            self.prior_item.setData(pos=prior[np.isfinite(prior).all(axis=1)])
        else:
            self.prior_item.setData([], [])
        if panel.method == "pca":
            share = "" if panel.explained is None else f", {panel.explained:.0%} of the variance"
            self.method_label.setText(f"first two principal directions{share}")
        else:
            self.method_label.setText("the 2D codes")
        self._follow(codes[finite])
        return True

    def _follow(self, codes: np.ndarray) -> None:
        """Keeps most codes in view; moves the range only when they leave it or use far less
        of it, so the axes rarely repaint."""
        self._range = follow_range(self.plot, self._range, codes, percentile=1, pad=0.1)

    def _show_legend(self, labels: np.ndarray | None, names: list[str] | None) -> None:
        if labels is None or labels.size == 0:
            self.legend_label.setText("codes of a fixed batch; grey: prior samples")
            return
        count = int(labels.max()) + 1
        if count > len(PALETTE):
            self.legend_label.setText(f"{count} classes by hue; grey: prior samples")
            return
        parts = [f"<span style='color:{PALETTE[i]}'>●</span> "
                 f"{(names[i] if names and i < len(names) else str(i))}" for i in range(count)]
        self.legend_label.setText(" ".join(parts) + "  <span style='color:#8a90a0'>· prior</span>")
        self.legend_label.setTextFormat(Qt.TextFormat.RichText)
