"""The Metrics tab: the seeds' theory measured while training, and the quality-metric curves.

Three parts:

- a theory strip, fed by every scalar snapshot: the value estimate V(G, D) beside its optimum
  −2 log 2, the Jensen-Shannon lower bound it implies, JSD ≥ (V + 2 log 2) / 2 (for WGAN
  critics the Wasserstein estimate E[D(x)] − E[D(G(z))] instead), the mean D(x) on real and
  generated data beside 1/2, and |mean D − 1/2| drifting to 0 as the equilibrium signal;
- one small curve per quality metric (evaluated every N steps in the training thread), with
  its real-vs-real baseline as a dashed line; the grid is built when the first evaluation (or
  the worker's description of its evaluator) names the metrics;
- the stop rule's state: off, what it watches and how close it is, or why it fired.

The worker describes the evaluator in a plain dict (`set_metric_info`), so this module never
imports the metrics package (or TensorFlow). Items are created once; `refresh()` (the window's
4 Hz frame clock) redraws only what changed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ganstudio.core.telemetry import Snapshot
from ganstudio.ui import theme
from ganstudio.ui.history import DecimatingSeries

LOG2 = math.log(2.0)
V_OPTIMUM = -2.0 * LOG2
GRID_COLUMNS = 4
THEORY_CAPACITY = 2000
METRIC_CAPACITY = 1000
BASELINE_COLOR = "#9aa3b5"
METRIC_COLOR = "#3ddc97"
MAIN_METRIC_COLOR = "#ffd166"

# Fallback labels when the worker has not described the evaluator (same words as the core's
# `METRICS` table, which this module must not import).
_LABELS = {
    "modes": "modes captured", "hq": "high quality", "reverse_kl": "reverse KL", "mmd": "MMD²",
    "fd": "Fréchet distance", "kid": "KID", "precision": "precision", "recall": "recall",
    "density": "density", "coverage": "coverage", "class_coverage": "class coverage",
    "classifier_score": "classifier score",
}
_LOWER = {"reverse_kl", "mmd", "fd", "kid"}


SPARE_CARDS = 8  # points: modes, hq, reverse_kl, mmd, precision, recall, density, coverage


def _fmt(value: float | None, digits: int = 4) -> str:
    if value is None or math.isnan(value):
        return "—"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if value != 0 and (abs(value) >= 1e4 or abs(value) < 1e-3):
        return f"{value:.3g}".replace("-", "−")
    return f"{value:.{digits}g}".replace("-", "−")


def _range(values: list[float], margin: float = 0.1) -> tuple[float, float]:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return 0.0, 1.0
    lo, hi = min(finite), max(finite)
    span = max(hi - lo, 1e-6, 0.05 * max(abs(lo), abs(hi)))
    return lo - margin * span, hi + margin * span


def _small_plot(height: int = 110) -> pg.PlotWidget:
    plot = theme.plot_widget()
    plot.setMinimumHeight(height)
    item = plot.getPlotItem()
    item.showGrid(x=True, y=True, alpha=0.12)
    item.setMouseEnabled(x=False, y=False)
    item.hideButtons()
    item.disableAutoRange()
    item.setMenuEnabled(False)
    for axis in ("left", "bottom"):
        item.getAxis(axis).setStyle(tickLength=-4)
        item.getAxis(axis).setTextPen(theme.MUTED)
    return plot


def _ref_line(y: float, color: str, tip: str) -> pg.InfiniteLine:
    line = pg.InfiniteLine(pos=y, angle=0, movable=False,
                           pen=pg.mkPen(color, width=1, style=Qt.PenStyle.DashLine))
    line.setToolTip(tip)
    return line


class _Card(QWidget):
    """A title, a value line and a small plot."""

    def __init__(self, title: str, parent: QWidget | None = None, height: int = 110) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(1)
        self.title = QLabel(title)
        self.title.setObjectName("viewTitle")
        self.value_label = QLabel("—")
        self.value_label.setObjectName("caption")
        self.value_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.plot = _small_plot(height)
        layout.addWidget(self.title)
        layout.addWidget(self.value_label)
        layout.addWidget(self.plot, 1)

    @property
    def item(self) -> pg.PlotItem:
        """The plot item."""
        return self.plot.getPlotItem()


class MetricCard(_Card):
    """One quality metric: its curve, its real-vs-real baseline and its latest value.

    Args:
        name: The metric's key (e.g. `"fd"`).
        label: Its readable name.
        better: `"lower"` or `"higher"`.
        baseline: The real-vs-real value (None: no line).
        meaning: A sentence for the tooltip.
        main: True for the metric the stop rule watches.
    """

    def __init__(self, name: str, label: str, better: str, baseline: float | None,
                 meaning: str = "", main: bool = False, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.name = name
        self.label = label
        self.better = better
        self.baseline: float | None = None
        self.series = DecimatingSeries(METRIC_CAPACITY)
        self.curve = self.item.plot(pen=pg.mkPen(MAIN_METRIC_COLOR if main else METRIC_COLOR,
                                                 width=2),
                                    symbol="o", symbolSize=5,
                                    symbolBrush=MAIN_METRIC_COLOR if main else METRIC_COLOR,
                                    symbolPen=None)
        self.baseline_line = _ref_line(0.0, BASELINE_COLOR, "real vs real: the same figure for "
                                       "held-out real data (what a perfect generator scores)")
        self.item.addItem(self.baseline_line)
        self.set_info(label, better, baseline, meaning, main)

    def set_info(self, label: str, better: str, baseline: float | None, meaning: str = "",
                 main: bool = False) -> None:
        """Sets the title, direction, baseline and tooltip."""
        self.label, self.better = label, better
        color = MAIN_METRIC_COLOR if main else METRIC_COLOR
        self.curve.setPen(pg.mkPen(color, width=2))
        self.curve.setSymbolBrush(color)
        star = "★ " if main else ""
        self.title.setText(f"{star}{label} ({better} is better)")
        tip = meaning + ("\n★ the stop rule watches this metric" if main else "")
        self.setToolTip(tip.strip())
        if baseline is not None and math.isfinite(baseline):
            self.baseline = float(baseline)
            self.baseline_line.setPos(self.baseline)
            self.baseline_line.setVisible(True)
        else:
            self.baseline = None
            self.baseline_line.setVisible(False)
        self._update_value_label()

    def append(self, step: int, value: float) -> None:
        """Adds one evaluation."""
        self.series.append(float(step), float(value))
        self._update_value_label()

    @property
    def latest(self) -> float | None:
        """The newest value, or None."""
        return float(self.series.y[-1]) if len(self.series) else None

    def _update_value_label(self) -> None:
        latest = self.latest
        base = f"   real vs real {_fmt(self.baseline)}" if self.baseline is not None else ""
        if latest is None:
            self.value_label.setText(f"no evaluation yet{base}")
        else:
            step = int(self.series.x[-1])
            self.value_label.setText(f"{_fmt(latest)} at step {step:,}{base}")

    def draw(self) -> None:
        """Pushes the data to the curve and fits the view (with the baseline in it)."""
        x, y = self.series.x, self.series.y
        finite = np.isfinite(y)
        xs, ys = x[finite], y[finite]
        self.curve.setData(xs, ys)
        values = ys.tolist() + ([self.baseline] if self.baseline is not None else [])
        self.item.setYRange(*_range(values), padding=0)
        x_hi = float(x[-1]) if len(x) else 1.0
        self.item.setXRange(0.0, max(x_hi * 1.05, 1.0), padding=0)

    def clear(self) -> None:
        """Forgets the evaluations."""
        self.series.clear()
        self.curve.setData([], [])
        self._update_value_label()

    def rewind(self, step: int) -> None:
        """Forgets the evaluations after `step`."""
        self.series.drop_after(float(step))
        self.draw()
        self._update_value_label()


@dataclass
class StopRuleState:
    """The UI's mirror of the core's `StopRule` (it updates after each scheduled evaluation)."""

    enabled: bool = False
    epsilon: float = 0.05
    patience: int = 5
    eval_every: int = 0
    metric: str = ""
    mode: str = "min"
    best: float | None = None
    best_step: int = 0
    since_best: int = 0
    gap: float | None = None
    critic: bool = False
    fired: str | None = None

    def update(self, step: int, value: float | None, gap: float | None) -> None:
        """Records one evaluation of the watched metric and the equilibrium gap then."""
        self.gap = gap
        if value is None or math.isnan(value):
            return
        better = (self.best is None or (value < self.best if self.mode == "min"
                                        else value > self.best))
        if better:
            self.best, self.best_step, self.since_best = value, step, 0
        else:
            self.since_best += 1

    def text(self, label: str) -> str:
        """One line: off, waiting, watching, or fired."""
        if self.fired:
            return f"stop rule fired: {self.fired}"
        if not self.enabled:
            return "stop rule: off (turn it on under “Metrics and stop rule”)"
        if self.eval_every <= 0:
            return "stop rule: on, but evaluation is off (set eval every > 0)"
        if self.best is None:
            return (f"stop rule: waiting for the first evaluation (every {self.eval_every:,} "
                    "steps)")
        gap = ("|D−0.5| not used (critic)" if self.critic else
               f"|D−0.5| = {_fmt(self.gap, 3)} (ε {self.epsilon:g})")
        return (f"stop rule: watching {label or self.metric}: best {_fmt(self.best)} at step "
                f"{self.best_step:,}, {self.since_best} of {self.patience} evaluations without "
                f"improvement, {gap}")


class MetricsView(QWidget):
    """The Metrics tab.

    Signals:
        evaluate_requested(): the user pressed "Evaluate now".

    Args:
        parent: The parent widget.
    """

    evaluate_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.critic = False
        self.info: dict[str, Any] = {}
        self.cards: dict[str, MetricCard] = {}
        self.rule = StopRuleState()
        self.theory = {name: DecimatingSeries(THEORY_CAPACITY)
                       for name in ("value", "jsd", "d_real", "d_fake", "gap")}
        self.latest_scalars: dict[str, float] = {}
        self.latest_step = 0
        self._dirty = False
        self._grid_dirty = False
        self._ranges: dict[str, tuple[float, float] | None] = {}

        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.setSpacing(6)

        head = QHBoxLayout()
        title = QLabel("The game's theory, measured")
        title.setObjectName("viewTitle")
        head.addWidget(title)
        self.schedule_label = QLabel("")
        self.schedule_label.setObjectName("caption")
        head.addWidget(self.schedule_label, 1)
        self.evaluate_button = QPushButton("Evaluate now")
        self.evaluate_button.setToolTip("Score the current generator now (in the training "
                                        "thread, between two steps)")
        self.evaluate_button.setEnabled(False)
        self.evaluate_button.clicked.connect(self.evaluate_requested)
        head.addWidget(self.evaluate_button)
        outer.addLayout(head)

        strip = QHBoxLayout()
        strip.setSpacing(6)
        self.value_card = _Card("V(G, D) estimate")
        self.value_curve = self.value_card.item.plot(pen=pg.mkPen(theme.VALUE_COLOR, width=2))
        self.value_ref = _ref_line(V_OPTIMUM, theme.VALUE_COLOR,
                                   "−2 log 2: V at the global optimum p_g = p_data")
        self.value_card.item.addItem(self.value_ref)

        self.jsd_card = _Card("JSD lower bound (V + 2 log 2) / 2")
        self.jsd_curve = self.jsd_card.item.plot(pen=pg.mkPen(theme.ACCENT, width=2))
        self.jsd_card.item.addItem(_ref_line(0.0, BASELINE_COLOR, "0: p_g = p_data"))
        self.jsd_card.item.addItem(_ref_line(LOG2, BASELINE_COLOR,
                                             "log 2: the largest JSD (disjoint supports)"))
        self.jsd_card.setToolTip("V ≤ −2 log 2 + 2 JSD(p_data ‖ p_g) for any D, so the bound "
                                 "tightens as D nears the optimal discriminator")

        self.d_card = _Card("mean D(x): real and generated")
        self.d_real_curve = self.d_card.item.plot(pen=pg.mkPen(theme.REAL, width=2))
        self.d_fake_curve = self.d_card.item.plot(pen=pg.mkPen(theme.FAKE, width=2))
        self.d_ref = _ref_line(0.5, BASELINE_COLOR, "1/2: D cannot tell real from generated")
        self.d_card.item.addItem(self.d_ref)

        self.gap_card = _Card("equilibrium signal |mean D − 0.5|")
        self.gap_curve = self.gap_card.item.plot(pen=pg.mkPen(theme.PUSH_COLOR, width=2))
        self.gap_card.item.addItem(_ref_line(0.0, BASELINE_COLOR, "0: the equilibrium"))
        self.epsilon_line = _ref_line(0.05, theme.WARNING, "ε of the stop rule")
        self.gap_card.item.addItem(self.epsilon_line)
        self.gap_card.setToolTip("mean D = (E[D(x)] + E[D(G(z))]) / 2; the stop rule needs it "
                                 "within ε of 1/2")
        for card in (self.value_card, self.jsd_card, self.d_card, self.gap_card):
            strip.addWidget(card, 1)
        outer.addLayout(strip, 2)

        self.rule_label = QLabel()
        self.rule_label.setWordWrap(True)
        self.rule_label.setStyleSheet(f"color: {theme.TEXT}; padding: 2px 0;")
        outer.addWidget(self.rule_label)

        metrics_head = QHBoxLayout()
        mtitle = QLabel("Quality metrics")
        mtitle.setObjectName("viewTitle")
        metrics_head.addWidget(mtitle)
        legend = QLabel("dashed: real vs real baseline · ★ watched by the stop rule")
        legend.setObjectName("caption")
        metrics_head.addWidget(legend, 1)
        outer.addLayout(metrics_head)

        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(6)
        self.placeholder = QLabel("No evaluation yet. Quality metrics are computed every "
                                  "“eval every” steps (Training settings) or with Evaluate now.")
        self.placeholder.setObjectName("caption")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.grid.addWidget(self.placeholder, 0, 0, 1, GRID_COLUMNS)
        # every dataset kind reports at most SPARE_CARDS metrics: their plots are built now,
        # while the window opens, not in the middle of training
        self._spare: list[MetricCard] = []
        for _ in range(SPARE_CARDS):
            card = MetricCard("", "", "lower", None, parent=self.grid_host)
            card.hide()
            self._spare.append(card)
        scroll = QScrollArea()
        scroll.setWidget(self.grid_host)
        scroll.setWidgetResizable(True)
        outer.addWidget(scroll, 5)
        self._update_rule_label()

    # -- configuration ---------------------------------------------------------------------------

    def set_train_config(self, train: Any) -> None:
        """Shows the evaluation schedule and the stop rule's settings (a `TrainConfig`)."""
        every = int(getattr(train, "eval_every", 0) or 0)
        n = getattr(train, "eval_n", None)
        self.rule.enabled = bool(getattr(train, "stop_rule", False))
        self.rule.epsilon = float(getattr(train, "stop_epsilon", 0.05))
        self.rule.patience = int(getattr(train, "stop_patience", 5))
        self.rule.eval_every = every
        self.rule.fired = None
        self.epsilon_line.setPos(self.rule.epsilon)
        samples = f"{n:,} samples" if n else "default sample count"
        self.schedule_label.setText(
            f"   evaluated every {every:,} steps in the training thread, {samples}"
            if every else "   scheduled evaluation off (eval every = 0)")
        self._update_rule_label()
        self._dirty = True

    def set_metric_info(self, info: dict[str, Any]) -> None:
        """What the evaluator computes (from the worker, in plain types).

        Args:
            info: `names` (list), `labels`, `better`, `baseline`, `meanings` (name -> value),
                `main_metric`, optionally `n` (samples per evaluation).
        """
        self.info = dict(info)
        main = info.get("main_metric", "")
        self.rule.metric = main
        self.rule.mode = "min" if self._better(main) == "lower" else "max"
        for name in info.get("names", []):
            self._card(name)
        for name, card in self.cards.items():
            card.set_info(*self._describe(name))
        if info.get("n"):
            text = self.schedule_label.text()
            self.schedule_label.setText(text.replace("default sample count",
                                                     f"{int(info['n']):,} samples"))
        self._update_rule_label()
        self._grid_dirty = self._dirty = True

    def set_can_evaluate(self, enabled: bool) -> None:
        """Enables "Evaluate now" (there is a generator to score)."""
        self.evaluate_button.setEnabled(enabled)

    def _better(self, name: str) -> str:
        return self.info.get("better", {}).get(name) or ("lower" if name in _LOWER
                                                         else "higher")

    def _describe(self, name: str) -> tuple[str, str, float | None, str, bool]:
        label = self.info.get("labels", {}).get(name) or _LABELS.get(name, name)
        baseline = self.info.get("baseline", {}).get(name)
        meaning = self.info.get("meanings", {}).get(name, "")
        return (label, self._better(name), None if baseline is None else float(baseline),
                meaning, name == self.info.get("main_metric"))

    def _card(self, name: str) -> MetricCard:
        card = self.cards.get(name)
        if card is None:
            if self._spare:  # made in advance: building plots here would stall the first
                card = self._spare.pop(0)  # evaluation's redraw by ~20 ms a plot
                card.name = name
                card.clear()
                card.set_info(*self._describe(name))
            else:
                card = MetricCard(name, *self._describe(name))
            index = len(self.cards)
            self.cards[name] = card
            self.placeholder.hide()
            self.grid.addWidget(card, 1 + index // GRID_COLUMNS, index % GRID_COLUMNS)
            card.show()
        return card

    def set_critic(self, critic: bool) -> None:
        """Switches the strip between probability (V, JSD, D = 1/2) and critic (Wasserstein)."""
        self.critic = critic
        self.rule.critic = critic
        if critic:
            self.value_card.title.setText("Wasserstein estimate E[D(x)] − E[D(G(z))]")
            self.value_card.setToolTip("the critic's estimate of W₁(p_data, p_g), up to the "
                                       "Lipschitz constant; 0 when the critic sees no gap")
            self.value_ref.setPos(0.0)
            self.value_ref.setToolTip("0: the critic sees no difference")
            self.d_card.title.setText("mean critic output: real and generated")
        else:
            self.value_card.title.setText("V(G, D) estimate")
            self.value_card.setToolTip("V = E[log D(x)] + E[log(1 − D(G(z)))] on the batch")
            self.value_ref.setPos(V_OPTIMUM)
            self.value_ref.setToolTip("−2 log 2: V at the global optimum p_g = p_data")
            self.d_card.title.setText("mean D(x): real and generated")
        self.jsd_card.setVisible(not critic)
        self.gap_card.setVisible(not critic)
        self.d_ref.setVisible(not critic)
        self._ranges.clear()
        self._update_rule_label()
        self._dirty = True

    # -- data ------------------------------------------------------------------------------------

    def add_snapshot(self, snap: Snapshot, manual: bool = False) -> None:
        """Takes a snapshot's scalars (the strip) and its metrics, if any (GUI thread; cheap).

        Args:
            snap: The snapshot.
            manual: True for an "Evaluate now" result (the stop rule does not count it).
        """
        s = snap.scalars
        if s:
            if snap.critic != self.critic:
                self.set_critic(snap.critic)
            self.latest_scalars = dict(s)
            self.latest_step = snap.step
            step = float(snap.step)
            value = s.get("wasserstein", s.get("value")) if snap.critic else s.get("value")
            if value is not None:
                self.theory["value"].append(step, float(value))
            if "jsd" in s:
                self.theory["jsd"].append(step, float(s["jsd"]))
            if "d_real" in s and "d_fake" in s:
                self.theory["d_real"].append(step, float(s["d_real"]))
                self.theory["d_fake"].append(step, float(s["d_fake"]))
                if not snap.critic:
                    self.theory["gap"].append(step, abs(self.mean_d(s) - 0.5))
            self._dirty = True
        if snap.metrics:
            self.add_metrics(snap.step, snap.metrics, manual=manual)

    @staticmethod
    def mean_d(scalars: dict[str, float]) -> float:
        """Mean D over real and generated examples, as the stop rule computes it."""
        return 0.5 * (scalars.get("d_real", 0.5) + scalars.get("d_fake", 0.5))

    def add_metrics(self, step: int, figures: dict[str, float], manual: bool = False) -> None:
        """Adds one evaluation's figures (name -> value)."""
        for name, value in figures.items():
            self._card(name).append(step, float(value))
        if not manual and self.rule.metric in figures:
            gap = None if self.critic else abs(self.mean_d(self.latest_scalars) - 0.5)
            self.rule.update(step, float(figures[self.rule.metric]), gap)
        elif not manual and not self.rule.metric and figures:
            # no description from the worker: watch the first "lower is better" figure
            self.rule.metric = next((n for n in figures if n in _LOWER), next(iter(figures)))
            self.rule.mode = "min" if self._better(self.rule.metric) == "lower" else "max"
            gap = None if self.critic else abs(self.mean_d(self.latest_scalars) - 0.5)
            self.rule.update(step, float(figures[self.rule.metric]), gap)
        self._update_rule_label()
        self._grid_dirty = self._dirty = True

    def stop_rule_fired(self, reason: str) -> None:
        """Shows that the stop rule ended training (`reason`: its sentence)."""
        reason = reason.removeprefix("stop rule:").strip()
        self.rule.fired = reason or "the rule's conditions held"
        self._update_rule_label()

    def _update_rule_label(self) -> None:
        label = self._describe(self.rule.metric)[0] if self.rule.metric else ""
        text = self.rule.text(label)
        self.rule_label.setText(text)
        color = theme.WARNING if self.rule.fired else (theme.TEXT if self.rule.enabled
                                                       else theme.MUTED)
        self.rule_label.setStyleSheet(f"color: {color}; padding: 2px 0;")

    @property
    def rule_text(self) -> str:
        """The stop rule's status line."""
        return self.rule_label.text()

    def rewind(self, step: int) -> None:
        """Forgets the curves' points and the evaluations after `step` (training went back)."""
        for s in self.theory.values():
            s.drop_after(float(step))
        for card in self.cards.values():
            card.rewind(step)
        self._dirty = True

    def clear(self) -> None:
        """Forgets the curves, the metric grid and the stop rule's progress."""
        for s in self.theory.values():
            s.clear()
        for card in self.cards.values():
            self.grid.removeWidget(card)
            card.hide()
            card.clear()
            self._spare.append(card)
        self.cards.clear()
        self.info = {}
        self.placeholder.show()
        self.latest_scalars = {}
        self.latest_step = 0
        enabled, eps, patience, every = (self.rule.enabled, self.rule.epsilon,
                                         self.rule.patience, self.rule.eval_every)
        self.rule = StopRuleState(enabled, eps, patience, every, critic=self.critic)
        for label in (self.value_card, self.jsd_card, self.d_card, self.gap_card):
            label.value_label.setText("—")
        self._ranges.clear()
        self._update_rule_label()
        self._dirty = True

    # -- drawing ---------------------------------------------------------------------------------

    def refresh(self) -> bool:
        """Redraws if anything changed (the window's frame clock calls it).

        Returns:
            True when it drew.
        """
        if not self._dirty:
            return False
        self._dirty = False
        self._draw_strip()
        if self._grid_dirty:
            self._grid_dirty = False
            for card in self.cards.values():
                card.draw()
        return True

    def _draw_strip(self) -> None:
        t = self.theory
        self.value_curve.setData(t["value"].x, t["value"].y)
        self.jsd_curve.setData(t["jsd"].x, t["jsd"].y)
        self.d_real_curve.setData(t["d_real"].x, t["d_real"].y)
        self.d_fake_curve.setData(t["d_fake"].x, t["d_fake"].y)
        self.gap_curve.setData(t["gap"].x, t["gap"].y)
        s = self.latest_scalars
        if self.critic:
            w = s.get("wasserstein", s.get("value"))
            self.value_card.value_label.setText(f"W ≈ {_fmt(w)}   (0: no gap)")
            self.d_card.value_label.setText(
                f"real {_fmt(s.get('d_real'), 3)} · generated {_fmt(s.get('d_fake'), 3)}")
        else:
            self.value_card.value_label.setText(
                f"V = {_fmt(s.get('value'))}   (optimum −2 log 2 = {_fmt(V_OPTIMUM)})")
            self.jsd_card.value_label.setText(
                f"JSD ≥ {_fmt(s.get('jsd'), 3)} nats   (max log 2 = {LOG2:.3f})")
            self.d_card.value_label.setText(
                f"real {_fmt(s.get('d_real'), 3)} · generated {_fmt(s.get('d_fake'), 3)}"
                "   (equilibrium 0.5)")
            if "d_real" in s:
                gap = abs(self.mean_d(s) - 0.5)
                self.gap_card.value_label.setText(
                    f"|mean D − 0.5| = {_fmt(gap, 3)}   (stop-rule ε {self.rule.epsilon:g})")
        refs = {"value": [0.0 if self.critic else V_OPTIMUM], "jsd": [0.0, LOG2],
                "d": [] if self.critic else [0.5], "gap": [0.0, self.rule.epsilon]}
        self._fit("value", self.value_card, [t["value"]], refs["value"])
        if not self.critic:
            self._fit("jsd", self.jsd_card, [t["jsd"]], refs["jsd"])
            self._fit("gap", self.gap_card, [t["gap"]], refs["gap"])
        self._fit("d", self.d_card, [t["d_real"], t["d_fake"]], refs["d"])

    def _fit(self, key: str, card: _Card, series: list[DecimatingSeries],
             refs: list[float]) -> None:
        xs = [s.x for s in series if len(s)]
        if not xs:
            return
        x_lo = min(float(x[0]) for x in xs)
        x_hi = max(float(x[-1]) for x in xs)
        ys = np.concatenate([s.y for s in series if len(s)])
        finite = ys[np.isfinite(ys)]
        values = ([float(finite.min()), float(finite.max())] if finite.size else []) + refs
        lo, hi = _range(values, 0.08)
        item = card.item
        cur = self._ranges.get(key)
        if cur is None or lo < cur[0] or hi > cur[1] or (hi - lo) < 0.4 * (cur[1] - cur[0]):
            self._ranges[key] = (lo, hi)
            item.setYRange(lo, hi, padding=0)
        xr = self._ranges.get(key + ":x")
        if xr is None or x_hi > xr[1] or x_lo < xr[0]:
            self._ranges[key + ":x"] = (x_lo, x_lo + max(x_hi - x_lo, 10.0) * 1.25)
            item.setXRange(*self._ranges[key + ":x"], padding=0)
