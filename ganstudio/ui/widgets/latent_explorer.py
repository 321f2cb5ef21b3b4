"""The latent explorer: move through a generator's latent space and watch what it makes.

The widget never touches a model. It builds latent batches with `ganstudio.core.latent`
(numpy) and emits them as requests; the host (the main window, through the worker) runs the
generator off the GUI thread and hands the samples back to `show_result`. Every request has an
id and a purpose (the single sample, the interpolation strips, the reference batch); a result
whose id is no longer the latest for its purpose is dropped.

Slider drags are throttled (`request_throttle.RequestThrottle`): a change after a quiet spell
goes out at once, later ones within `THROTTLE_MS` are coalesced by a single-shot timer, and at
most one request for the single sample is outstanding; when its result arrives and the latent
changed meanwhile, the newest latent goes out at once. Samples are drawn on
`latent_canvas.LatentCanvas`es.

Example:
    explorer = LatentExplorer()
    explorer.generate_requested.connect(worker.generate)   # runs off the GUI thread
    worker.generated.connect(explorer.show_result)         # (request_id, samples)
    explorer.set_generator_info(latent_dim=100, kind="images")
"""

from __future__ import annotations

import os

import numpy as np
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QCompleter,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QStackedLayout,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ganstudio.core import latent
from ganstudio.ui.widgets.latent_canvas import END_COLORS, LatentCanvas, grab_rgb
from ganstudio.ui.widgets.request_throttle import RequestThrottle

__all__ = ["LatentExplorer"]

HINT = "Train or open a model to explore its latent space"

_SAMPLE, _INTERP, _REFERENCE = "sample", "interp", "reference"
_SLIDER_SCALE = 100  # slider ticks per latent unit
_SLIDER_LIMIT = 3.0  # sliders span [-3, 3]


class _DirectionsSignals(QObject):
    done = Signal(int, object, object)  # request_id, directions [k, d], explained [k]


class _DirectionsTask(QRunnable):
    """Computes `latent.principal_directions` on a pool thread (it can take tens of ms)."""

    def __init__(self, request_id: int, z: np.ndarray, outputs: np.ndarray, k: int) -> None:
        super().__init__()
        self.signals = _DirectionsSignals()
        self._args = (request_id, z, outputs, k)

    def run(self) -> None:
        request_id, z, outputs, k = self._args
        try:
            directions, explained = latent.principal_directions(z, outputs, k)
        except (ValueError, np.linalg.LinAlgError):
            directions, explained = np.zeros((0, z.shape[1])), np.zeros(0)
        self.signals.done.emit(request_id, directions, explained)


class _SliderRow(QWidget):
    """A label, a horizontal slider over [-3, 3] and the exact value."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.name = QLabel(self)
        self.name.setMinimumWidth(78)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        limit = int(_SLIDER_LIMIT * _SLIDER_SCALE)
        self.slider.setRange(-limit, limit)
        self.slider.setPageStep(_SLIDER_SCALE // 4)
        self.value = QLabel(self)
        self.value.setMinimumWidth(42)
        self.value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.name)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.value)

    def set_display(self, value: float) -> None:
        """Show `value` without emitting the slider's signals."""
        self.slider.blockSignals(True)
        self.slider.setValue(
            int(round(np.clip(value, -_SLIDER_LIMIT, _SLIDER_LIMIT) * _SLIDER_SCALE))
        )
        self.slider.blockSignals(False)
        self.value.setText(f"{value:+.2f}")


class LatentExplorer(QWidget):
    """Explore a generator's latent space: sliders, seeds, truncation, interpolation.

    The host connects `generate_requested(request_id, z)` to something that runs the generator
    off the GUI thread on `z` (float32 `[N, latent_dim]`) and calls `show_result(request_id,
    samples)` with the samples in data units (images NHWC in [0, 1], points `[N, 2]`).

    Args:
        parent: Parent widget.

    Public children (for the host and tests): `seed_spin`, `seed_button`, `random_button`,
    `reset_button`, `psi_slider`, `dims_radio`, `principal_radio`, `first_dim_spin`,
    `recompute_button`, `slider_rows` (list of `_SliderRow`, each with `.slider`), `steps_spin`,
    `sample_view` (a `LatentCanvas`), `strip_views` (dict "lerp"/"slerp"), `save_buttons` (same
    keys), `status_label`, `throttle` (the `RequestThrottle` of its requests).
    """

    generate_requested = Signal(int, object)
    condition_changed = Signal(object)  # a label index or a caption; sent before the refresh

    MAX_SLIDERS = 16
    THROTTLE_MS = 30
    LOST_REQUEST_MS = 2000  # a sample request unanswered this long no longer blocks new ones
    REFERENCE_SAMPLES = 256
    NEIGHBORHOOD = 200  # points kind: extra samples around the current latent
    NEIGHBORHOOD_SCALE = 0.25
    DEFAULT_STEPS = 8
    GIF_MIN_SIDE = 128

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._latent_dim = 0
        self._kind: str | None = None
        self._seed_picker = np.random.default_rng()
        self._z = np.zeros(0)
        self._base_z = np.zeros(0)
        self._alphas = np.zeros(0)
        self._directions = np.zeros((0, 0))
        self._explained = np.zeros(0)
        self._ends: dict[str, np.ndarray] = {}
        self._noise = np.zeros((0, 0))
        self._reference_z = np.zeros((0, 0))
        self._reference_out: np.ndarray | None = None
        self._strips: dict[str, np.ndarray] = {}
        self.throttle = RequestThrottle(
            self._send,
            paced=(_INTERP, _SAMPLE),
            single_flight=(_SAMPLE,),
            interval_ms=self.THROTTLE_MS,
            lost_ms=self.LOST_REQUEST_MS,
            parent=self,
        )
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._pool.setExpiryTimeout(1000)
        self._tasks: set[_DirectionsTask] = set()

        self._build_ui()
        self._show_hint(True)

    # ------------------------------------------------------------------ layout
    def _build_ui(self) -> None:
        self._stack = QStackedLayout(self)
        self._hint = QLabel(HINT, self)
        self._hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._hint.setWordWrap(True)
        self._hint.setStyleSheet("font-size: 14px; color: palette(mid);")
        self._stack.addWidget(self._hint)
        self._page = QWidget(self)
        self._stack.addWidget(self._page)

        root = QVBoxLayout(self._page)
        top = QHBoxLayout()
        root.addLayout(top, 3)

        # Left: controls.
        controls = QVBoxLayout()
        top.addLayout(controls, 0)

        vector = QGroupBox("Latent vector", self._page)
        form = QFormLayout(vector)
        seed_row = QHBoxLayout()
        self.seed_spin = QSpinBox(vector)
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setToolTip("The same seed always gives the same latent vector.")
        self.seed_button = QPushButton("Use seed", vector)
        self.random_button = QPushButton("Random", vector)
        self.random_button.setToolTip("Pick a random seed and show its latent vector.")
        seed_row.addWidget(self.seed_spin, 1)
        seed_row.addWidget(self.seed_button)
        seed_row.addWidget(self.random_button)
        form.addRow("Seed", seed_row)
        psi_row = QHBoxLayout()
        self.psi_slider = QSlider(Qt.Orientation.Horizontal, vector)
        self.psi_slider.setRange(0, 150)
        self.psi_slider.setValue(100)
        self.psi_slider.setToolTip(
            "Truncation: z' = psi * z. Below 1: more typical samples, less variety; 0: the "
            "mean sample; above 1: exaggerated."
        )
        self._psi_label = QLabel("1.00", vector)
        self._psi_label.setMinimumWidth(34)
        psi_row.addWidget(self.psi_slider, 1)
        psi_row.addWidget(self._psi_label)
        form.addRow("Truncation ψ", psi_row)
        self.condition_box = QComboBox(vector)
        self.condition_box.setMinimumContentsLength(18)
        self.condition_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.condition_box.setToolTip("What the conditional generator is asked to draw.")
        self.condition_box.activated.connect(lambda _: self._condition_edited())
        self._condition_label = QLabel("Condition", vector)
        form.addRow(self._condition_label, self.condition_box)
        self._condition_name: str | None = None
        self.set_conditions(None)
        controls.addWidget(vector)

        sliders = QGroupBox("Sliders", self._page)
        slayout = QVBoxLayout(sliders)
        mode_row = QHBoxLayout()
        self.dims_radio = QRadioButton("Dimensions", sliders)
        self.principal_radio = QRadioButton("Principal directions", sliders)
        self.principal_radio.setToolTip(
            "Directions in latent space that change the output most (PCA of generated "
            f"outputs, from {self.REFERENCE_SAMPLES} random samples)."
        )
        self.dims_radio.setChecked(True)
        self._mode_group = QButtonGroup(sliders)
        self._mode_group.addButton(self.dims_radio)
        self._mode_group.addButton(self.principal_radio)
        mode_row.addWidget(self.dims_radio)
        mode_row.addWidget(self.principal_radio)
        mode_row.addStretch(1)
        slayout.addLayout(mode_row)
        nav_row = QHBoxLayout()
        self._first_dim_label = QLabel("First dimension", sliders)
        self.first_dim_spin = QSpinBox(sliders)
        self.first_dim_spin.setToolTip("Which latent dimensions the sliders show.")
        self._dims_of_label = QLabel(sliders)
        self.recompute_button = QPushButton("Recompute", sliders)
        self.recompute_button.setToolTip(
            "Generate a new reference batch and recompute the principal directions."
        )
        self.reset_button = QToolButton(sliders)
        self.reset_button.setText("Reset")
        self.reset_button.setToolTip(
            "Back to the seed's latent vector (dimensions) or to 0 (directions)."
        )
        nav_row.addWidget(self._first_dim_label)
        nav_row.addWidget(self.first_dim_spin)
        nav_row.addWidget(self._dims_of_label)
        nav_row.addWidget(self.recompute_button)
        nav_row.addStretch(1)
        nav_row.addWidget(self.reset_button)
        slayout.addLayout(nav_row)
        self._slider_note = QLabel(sliders)
        self._slider_note.setWordWrap(True)
        slayout.addWidget(self._slider_note)
        scroll = QScrollArea(sliders)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        holder = QWidget(scroll)
        rows = QVBoxLayout(holder)
        rows.setContentsMargins(0, 0, 4, 0)
        rows.setSpacing(2)
        self.slider_rows: list[_SliderRow] = []
        for i in range(self.MAX_SLIDERS):
            row = _SliderRow(holder)
            row.slider.valueChanged.connect(lambda v, i=i: self._on_slider(i, v))
            rows.addWidget(row)
            self.slider_rows.append(row)
        rows.addStretch(1)
        scroll.setWidget(holder)
        slayout.addWidget(scroll, 1)
        controls.addWidget(sliders, 1)

        controls_width = 360
        vector.setFixedWidth(controls_width)
        sliders.setFixedWidth(controls_width)

        # Right: the sample, large.
        self.sample_view = LatentCanvas(self._page)
        self.sample_view.setMinimumSize(240, 240)
        top.addWidget(self.sample_view, 1)

        # Bottom: interpolation.
        interp = QGroupBox("Interpolation from A to B", self._page)
        ilayout = QVBoxLayout(interp)
        ends_row = QHBoxLayout()
        self._end_buttons: dict[tuple[str, str], QPushButton] = {}
        for end in ("A", "B"):
            r, g, b = END_COLORS[end]
            color = f"#{r:02x}{g:02x}{b:02x}"
            ends_row.addWidget(QLabel(f"<b>{end}</b> <span style='color:{color}'>●</span>", interp))
            for source, text in (("current", "Current"), ("random", "Random")):
                button = QPushButton(text, interp)
                button.setToolTip(
                    f"Set endpoint {end} to the current latent vector"
                    if source == "current"
                    else f"Set endpoint {end} to a random latent vector"
                )
                button.clicked.connect(lambda _=False, e=end, s=source: self.set_endpoint(e, s))
                self._end_buttons[(end, source)] = button
                ends_row.addWidget(button)
            ends_row.addSpacing(12)
        ends_row.addWidget(QLabel("Steps", interp))
        self.steps_spin = QSpinBox(interp)
        self.steps_spin.setRange(2, 16)
        self.steps_spin.setValue(self.DEFAULT_STEPS)
        ends_row.addWidget(self.steps_spin)
        ends_row.addStretch(1)
        ilayout.addLayout(ends_row)

        self._strip_grid = QGridLayout()
        self._strip_grid.setHorizontalSpacing(8)
        self._strip_grid.setVerticalSpacing(4)
        ilayout.addLayout(self._strip_grid, 1)
        self.strip_views: dict[str, LatentCanvas] = {}
        self.save_buttons: dict[str, QPushButton] = {}
        self._strip_labels: dict[str, QWidget] = {}
        for which, title, tip in (
            ("lerp", "Linear", "lerp: straight line from A to B (midpoints have a smaller norm)"),
            ("slerp", "Spherical", "slerp: great-circle arc from A to B (keeps a typical norm)"),
        ):
            box = QWidget(interp)
            blayout = QVBoxLayout(box)
            blayout.setContentsMargins(0, 0, 0, 0)
            label = QLabel(f"<b>{title}</b><br><span>({which})</span>", box)
            label.setToolTip(tip)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            save = QPushButton("Save…", box)
            save.setToolTip(f"Save the {which} strip as PNG or animated GIF")
            save.setEnabled(False)
            save.clicked.connect(lambda _=False, w=which: self._save_dialog(w))
            blayout.addStretch(1)
            blayout.addWidget(label)
            blayout.addWidget(save)
            blayout.addStretch(1)
            view = LatentCanvas(interp, path=True)
            view.setMinimumHeight(72)
            self.strip_views[which] = view
            self.save_buttons[which] = save
            self._strip_labels[which] = box
        root.addWidget(interp, 2)

        self.status_label = QLabel(self._page)
        self.status_label.setStyleSheet("color: palette(mid);")
        root.addWidget(self.status_label)

        # Wiring.
        self.seed_button.clicked.connect(self.use_seed)
        self.seed_spin.editingFinished.connect(self.use_seed)
        self.random_button.clicked.connect(self.random_latent)
        self.reset_button.clicked.connect(self._reset_sliders)
        self.psi_slider.valueChanged.connect(self._on_psi)
        self.dims_radio.toggled.connect(self._on_mode)
        self.first_dim_spin.valueChanged.connect(lambda _: self._sync_sliders())
        self.recompute_button.clicked.connect(self._request_reference)
        self.steps_spin.valueChanged.connect(lambda _: self._schedule(interp=True))
        self._arrange_strips("images")

    def _arrange_strips(self, kind: str) -> None:
        """Images: strips stacked as rows. Points: two square-ish plots side by side."""
        for which in ("lerp", "slerp"):
            self._strip_grid.removeWidget(self._strip_labels[which])
            self._strip_grid.removeWidget(self.strip_views[which])
        for col in range(4):
            self._strip_grid.setColumnStretch(col, 0)
        for row in range(2):
            self._strip_grid.setRowStretch(row, 0)
        if kind == "points":
            for i, which in enumerate(("lerp", "slerp")):
                self._strip_grid.addWidget(self._strip_labels[which], 0, 2 * i)
                self._strip_grid.addWidget(self.strip_views[which], 0, 2 * i + 1)
                self._strip_grid.setColumnStretch(2 * i + 1, 1)
            self._strip_grid.setRowStretch(0, 1)
        else:
            for i, which in enumerate(("lerp", "slerp")):
                self._strip_grid.addWidget(self._strip_labels[which], i, 0)
                self._strip_grid.addWidget(self.strip_views[which], i, 1)
                self._strip_grid.setRowStretch(i, 1)
            self._strip_grid.setColumnStretch(1, 1)

    def _show_hint(self, hint: bool) -> None:
        self._stack.setCurrentIndex(0 if hint else 1)
        self.setEnabled(not hint)

    # ------------------------------------------------------------------ public API
    @property
    def latent_dim(self) -> int:
        """The generator's latent dimension (0 before `set_generator_info`)."""
        return self._latent_dim

    @property
    def kind(self) -> str | None:
        """ "images", "points", or None before `set_generator_info`."""
        return self._kind

    @property
    def is_ready(self) -> bool:
        """Whether a generator is set (the explorer is enabled)."""
        return self._kind is not None

    @property
    def psi(self) -> float:
        """The truncation factor applied to every latent before it is requested."""
        return self.psi_slider.value() / 100.0

    @property
    def mode(self) -> str:
        """ "dims" (sliders over latent dimensions) or "principal" (over principal directions)."""
        return "dims" if self.dims_radio.isChecked() else "principal"

    def current_latent(self) -> np.ndarray:
        """The current latent vector before truncation, `[latent_dim]` (a copy)."""
        return self._z.copy()

    def endpoints(self) -> tuple[np.ndarray, np.ndarray]:
        """The interpolation endpoints A and B before truncation (copies)."""
        return self._ends["A"].copy(), self._ends["B"].copy()

    def set_conditions(self, info: dict | None) -> None:
        """Shows the condition control for a conditional generator, or hides it.

        Args:
            info: `{"name": "label", "choices": class names}` (a class picker) or
                `{"name": "caption", "choices": captions, "vocabulary": words}` (an editable
                caption box that completes from the training captions); `None` hides it.
        """
        box = self.condition_box
        name = None if not info else str(info.get("name") or "") or None
        choices = [str(c) for c in (info or {}).get("choices") or []]
        visible = name is not None and (bool(choices) or name == "caption")
        self._condition_label.setVisible(visible)
        box.setVisible(visible)
        if not visible:
            self._condition_name = None
            return
        same = name == self._condition_name and choices == [
            box.itemText(i) for i in range(box.count())]
        self._condition_name = name
        self._condition_label.setText("Class" if name == "label" else "Caption")
        if same:
            self.condition_changed.emit(self.condition())
            return
        box.blockSignals(True)
        box.clear()
        box.addItems(choices)
        box.setEditable(name == "caption")
        if name == "caption":
            completer = QCompleter(choices, box)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            box.setCompleter(completer)
            box.lineEdit().returnPressed.connect(self._condition_edited)
            words = ", ".join((info or {}).get("vocabulary") or [])
            box.setToolTip("Type a caption and press Enter; it completes from the training "
                           f"captions. Words the model knows: {words}")
        box.setCurrentIndex(0)
        box.blockSignals(False)
        self.condition_changed.emit(self.condition())

    def condition(self) -> int | str | None:
        """The chosen condition: a class index, a caption, or None (unconditional)."""
        if self._condition_name is None:
            return None
        if self._condition_name == "label":
            return max(0, self.condition_box.currentIndex())
        return self.condition_box.currentText().strip()

    def _condition_edited(self) -> None:
        if self._condition_name is None or self.condition() == "":
            return
        self.condition_changed.emit(self.condition())
        if self._kind is not None:
            self.refresh()

    def set_generator_info(self, latent_dim: int, kind: str) -> None:
        """Point the explorer at a generator and request its first samples.

        With the same `latent_dim` and `kind` as before (e.g. the same model, trained further)
        the latent vector, seed and endpoints are kept and everything is requested again;
        otherwise the sliders are rebuilt and the explorer starts from the seed in the box.

        Args:
            latent_dim: Length of the generator's latent vector (>= 1).
            kind: "images" (samples NHWC in [0, 1]) or "points" (samples `[N, 2]`).
        """
        if kind not in ("images", "points"):
            raise ValueError(f'`kind` must be "images" or "points", got {kind!r}.')
        if latent_dim < 1:
            raise ValueError(f"`latent_dim` must be >= 1, got {latent_dim}.")
        same = (latent_dim, kind) == (self._latent_dim, self._kind)
        self.throttle.forget()
        self._latent_dim, self._kind = int(latent_dim), kind
        if not same:
            self._z = latent.seeded_latent(self.seed_spin.value(), self._latent_dim)
            self._ends = {
                "A": self._z.copy(),
                "B": latent.seeded_latent(self.seed_spin.value() + 1, self._latent_dim),
            }
            noise_rng = np.random.default_rng(0)
            self._noise = noise_rng.standard_normal((self.NEIGHBORHOOD, self._latent_dim))
            self._reference_z = np.random.default_rng(1).standard_normal(
                (self.REFERENCE_SAMPLES, self._latent_dim)
            )
            shown = min(self.MAX_SLIDERS, self._latent_dim)
            self.first_dim_spin.blockSignals(True)
            self.first_dim_spin.setRange(0, self._latent_dim - shown)
            self.first_dim_spin.setValue(0)
            self.first_dim_spin.blockSignals(False)
            self._dims_of_label.setText(f"of {self._latent_dim}")
            for view in (self.sample_view, *self.strip_views.values()):
                view.set_kind(kind)
            self._arrange_strips(kind)
        self._directions = np.zeros((0, self._latent_dim))
        self._explained = np.zeros(0)
        self._base_z = self._z.copy()
        self._alphas = np.zeros(0)
        self._reference_out = None
        self._strips = {}
        for button in self.save_buttons.values():
            button.setEnabled(False)
        self._show_hint(False)
        self._sync_sliders()
        self.refresh()

    def clear_generator(self) -> None:
        """Forget the generator (e.g. the model was closed): back to the hint, disabled."""
        self.throttle.forget()
        self._kind, self._latent_dim = None, 0
        self._strips = {}
        for view in (self.sample_view, *self.strip_views.values()):
            view.clear_data()
        self._show_hint(True)

    @Slot()
    def refresh(self) -> None:
        """Request everything again (e.g. after the generator's weights changed)."""
        if self._kind is None:
            return
        if self._kind == "points" or self.mode == "principal":
            self._request_reference()
        self._schedule(sample=True, interp=True)
        self.throttle.flush()

    @Slot(int, object)
    def show_result(self, request_id: int, samples: np.ndarray) -> None:
        """Receive the samples for a request (data units: images NHWC [0, 1], points [N, 2]).

        Results for ids that are no longer the latest of their purpose are ignored.
        """
        purpose = self.throttle.answer(request_id)
        if purpose is None:
            return
        data = self._as_samples(samples)
        if purpose == _SAMPLE:
            if data is not None:
                self._show_sample(data)
            self.throttle.send_pending(_SAMPLE)
        elif purpose == _INTERP and data is not None:
            self._show_strips(data)
        elif purpose == _REFERENCE and data is not None:
            self._use_reference(request_id, data)

    @Slot()
    def use_seed(self) -> None:
        """Set the latent vector to the one of the seed in the box."""
        if self._kind is None:
            return
        self._set_z(latent.seeded_latent(self.seed_spin.value(), self._latent_dim))

    @Slot()
    def random_latent(self) -> None:
        """Pick a random seed, put it in the box, and use its latent vector."""
        self.seed_spin.setValue(int(self._seed_picker.integers(0, 2**31 - 1)))
        self.use_seed()

    def set_endpoint(self, end: str, source: str) -> None:
        """Set interpolation endpoint "A" or "B" from the "current" or a "random" latent."""
        if self._kind is None:
            return
        if source == "current":
            z = self._z.copy()
        else:
            z = latent.seeded_latent(
                int(self._seed_picker.integers(0, 2**31 - 1)), self._latent_dim
            )
        self._ends[end] = z
        self._schedule(interp=True)

    def save_strip(self, path: str, which: str = "lerp") -> None:
        """Save the lerp or slerp strip: PNG or animated GIF, chosen by the file's suffix.

        Images: the PNG is the strip tiled at the samples' own resolution; the GIF plays the
        steps forth and back (ping-pong), each frame scaled up by an integer factor to at least
        `GIF_MIN_SIDE` pixels. Points: the PNG is the strip's plot as drawn; the GIF moves the
        highlight along the path.

        Args:
            path: Destination, ending in ".png" or ".gif".
            which: "lerp" or "slerp".

        Raises:
            ValueError: If `which` or the suffix is unknown, or the strip is not there yet.
        """
        if which not in ("lerp", "slerp"):
            raise ValueError(f'`which` must be "lerp" or "slerp", got {which!r}.')
        suffix = os.path.splitext(path)[1].lower()
        if suffix not in (".png", ".gif"):
            raise ValueError(f"Save the strip as .png or .gif, not {suffix or 'no suffix'!r}.")
        samples = self._strips.get(which)
        if samples is None:
            raise ValueError(f"There is no {which} strip yet: wait for the generator.")
        if self._kind == "images":
            if suffix == ".png":
                latent.save_png(latent.image_grid(samples, ncols=len(samples), pad=1), path)
            else:
                factor = max(1, int(np.ceil(self.GIF_MIN_SIDE / max(samples.shape[1:3]))))
                frames = [f.repeat(factor, axis=0).repeat(factor, axis=1) for f in samples]
                latent.save_gif(frames, path, duration_ms=120, ping_pong=True)
            return
        view = self.strip_views[which]
        if suffix == ".png":
            latent.save_png(grab_rgb(view), path)
            return
        frames = []
        try:
            for point in samples:
                view.highlight.setData([point[0]], [point[1]])
                frames.append(grab_rgb(view))
        finally:
            view.show_endpoints(samples[[0, -1]])
        latent.save_gif(frames, path, duration_ms=120, ping_pong=True)

    # ------------------------------------------------------------------ requests
    def _emit(self, purpose: str, z: np.ndarray) -> int:
        request_id = self.throttle.issue(purpose)
        self.generate_requested.emit(request_id, np.ascontiguousarray(z, dtype=np.float32))
        return request_id

    def _schedule(self, sample: bool = False, interp: bool = False) -> None:
        """Mark what changed; the throttle sends at most one batch of requests per interval."""
        if self._kind is None:
            return
        changed = [purpose for purpose, flag in ((_SAMPLE, sample), (_INTERP, interp)) if flag]
        self.throttle.schedule(*changed)

    def _send(self, purpose: str) -> None:
        """The throttle's callback: send the request of `purpose` for the current state."""
        if self._kind is None:
            return
        if purpose == _INTERP:
            self._send_interp()
        else:
            self._send_sample()

    def _send_sample(self) -> None:
        z = self._z[None, :]
        if self._kind == "points":
            z = np.concatenate([z, self._z + self.NEIGHBORHOOD_SCALE * self._noise])
        self._emit(_SAMPLE, latent.truncate(z, self.psi))

    def _send_interp(self) -> None:
        n = self.steps_spin.value()
        a, b = self._ends["A"], self._ends["B"]
        z = np.concatenate([latent.lerp(a, b, n), latent.slerp(a, b, n)])
        self._emit(_INTERP, latent.truncate(z, self.psi))

    @Slot()
    def _request_reference(self) -> None:
        if self._kind is None:
            return
        if self._reference_out is not None:  # a new batch, so "Recompute" means something
            rng = np.random.default_rng(self.throttle.last_id + 2)
            self._reference_z = rng.standard_normal(self._reference_z.shape)
        self._directions = np.zeros((0, self._latent_dim))
        self._sync_sliders()
        self._emit(_REFERENCE, self._reference_z)

    # ------------------------------------------------------------------ results
    def _as_samples(self, samples: np.ndarray) -> np.ndarray | None:
        data = np.asarray(samples, dtype=np.float32)
        if self._kind == "images":
            if data.ndim == 3:
                data = data[..., None]
            if data.ndim == 4 and data.shape[-1] in (1, 3, 4):
                return data
        elif data.ndim == 2 and data.shape[1] == 2:
            return data
        self.status_label.setText(
            f"Ignored a result of shape {data.shape}: expected "
            + ("images NHWC" if self._kind == "images" else "points [N, 2]")
        )
        return None

    def _show_sample(self, data: np.ndarray) -> None:
        if self._kind == "images":
            self.sample_view.show_image(data[0])
        else:
            self.sample_view.show_points(cloud=data[1:], highlight=data[:1])
        trip = self.throttle.since_issued(_SAMPLE)
        self.status_label.setText(
            f"|z| = {np.linalg.norm(self._z):.2f}   ψ = {self.psi:.2f}   round trip {trip} ms"
        )

    def _show_strips(self, data: np.ndarray) -> None:
        n = len(data) // 2
        if n < 1 or len(data) != 2 * n:
            return
        self._strips = {"lerp": data[:n], "slerp": data[n:]}
        for which, part in self._strips.items():
            view = self.strip_views[which]
            if self._kind == "images":
                view.show_image(latent.image_grid(part, ncols=n, pad=1))
            else:
                view.show_points(path=part)
                view.show_endpoints(part[[0, -1]])
            self.save_buttons[which].setEnabled(True)

    def _use_reference(self, request_id: int, data: np.ndarray) -> None:
        self._reference_out = data
        if self._kind == "points":
            for view in (self.sample_view, *self.strip_views.values()):
                view.show_reference(data)
        k = min(self.MAX_SLIDERS, self._latent_dim)
        task = _DirectionsTask(request_id, self._reference_z, data, k)
        task.signals.done.connect(self._on_directions)
        self._tasks.add(task)
        self._slider_note.setText(f"Computing principal directions from {len(data)} samples…")
        self._pool.start(task)

    @Slot(int, object, object)
    def _on_directions(
        self, request_id: int, directions: np.ndarray, explained: np.ndarray
    ) -> None:
        self._tasks = {t for t in self._tasks if t._args[0] != request_id}
        if self.throttle.latest(_REFERENCE) != request_id or self._kind is None:
            return
        self._directions, self._explained = directions, explained
        self._base_z = self._z.copy()
        self._alphas = np.zeros(len(directions))
        self._sync_sliders()

    # ------------------------------------------------------------------ sliders
    def _on_mode(self, _checked: bool = False) -> None:
        if self._kind is None:
            return
        self._base_z = self._z.copy()
        self._alphas = np.zeros(len(self._directions))
        if self.mode == "principal" and self._reference_out is None:
            self._request_reference()
        self._sync_sliders()

    def _on_slider(self, index: int, value: int) -> None:
        if self._kind is None:
            return
        x = value / _SLIDER_SCALE
        if self.mode == "dims":
            dim = self.first_dim_spin.value() + index
            if dim >= self._latent_dim:
                return
            self._z[dim] = x
        else:
            if index >= len(self._alphas):
                return
            self._alphas[index] = x
            self._z = self._base_z + self._alphas @ self._directions
        self.slider_rows[index].value.setText(f"{x:+.2f}")
        self._schedule(sample=True)

    def _on_psi(self, value: int) -> None:
        self._psi_label.setText(f"{value / 100:.2f}")
        self._schedule(sample=True, interp=True)

    def _set_z(self, z: np.ndarray) -> None:
        self._z = np.asarray(z, dtype=np.float64).copy()
        self._base_z = self._z.copy()
        self._alphas = np.zeros(len(self._directions))
        self._sync_sliders()
        self._schedule(sample=True)

    def _reset_sliders(self) -> None:
        if self.mode == "dims":
            self.use_seed()
        else:
            self._set_z(self._base_z)

    def _sync_sliders(self) -> None:
        """Show the current state on the slider rows without emitting anything."""
        dims = self.mode == "dims"
        for widget in (self._first_dim_label, self.first_dim_spin, self._dims_of_label):
            widget.setVisible(dims)
        self.recompute_button.setVisible(not dims)
        if self._kind is None:
            return
        if dims:
            first = self.first_dim_spin.value()
            count = min(self.MAX_SLIDERS, self._latent_dim - first)
            self._slider_note.setVisible(False)
            for i, row in enumerate(self.slider_rows):
                row.setVisible(i < count)
                if i < count:
                    row.name.setText(f"z[{first + i}]")
                    row.set_display(self._z[first + i])
            return
        count = len(self._directions)
        if count == 0:
            self._slider_note.setText(
                f"Computing principal directions from {self.REFERENCE_SAMPLES} samples…"
            )
        else:
            self._slider_note.setText(
                f"{count} directions that change the output most; together they explain "
                f"{100 * float(np.sum(self._explained)):.0f}% of its variance."
            )
        self._slider_note.setVisible(True)
        for i, row in enumerate(self.slider_rows):
            row.setVisible(i < count)
            if i < count:
                row.name.setText(f"PC{i + 1}  {100 * self._explained[i]:.0f}%")
                row.set_display(self._alphas[i] if i < len(self._alphas) else 0.0)

    # ------------------------------------------------------------------ saving
    def _save_dialog(self, which: str) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            f"Save the {which} strip",
            f"{which}.png",
            "PNG image (*.png);;Animated GIF (*.gif)",
        )
        if not path:
            return
        if not os.path.splitext(path)[1]:
            path += ".png"
        try:
            self.save_strip(path, which)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Could not save the strip", f"{exc}")

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.throttle.timer.stop()
        self._pool.waitForDone()
        super().closeEvent(event)

    def wait_for_background(self, msecs: int = -1) -> bool:
        """Wait for the principal-direction computation (tests and shutdown)."""
        return self._pool.waitForDone(msecs)

