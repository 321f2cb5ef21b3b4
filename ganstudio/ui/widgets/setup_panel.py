"""The setup panel: dataset, architecture, objective and training settings.

The panel edits a copy of a frozen `RunConfig`: `config()` returns the settings shown on top of
the config last given to `set_config` (so settings without a control are kept as they were).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ganstudio.config import (
    ACTIVATIONS,
    COLORS,
    D_NORMS,
    G_NORMS,
    JIT_MODES,
    LR_DECAYS,
    NETS,
    OBJECTIVES,
    RunConfig,
)
from ganstudio.core.catalog import NET_DESCRIPTIONS, objective_formula
from ganstudio.core.data.base import IMAGES, POINTS, Dataset
from ganstudio.core.data.registry import describe_builtins
from ganstudio.ui.widgets.dataset_preview import DatasetPreview

USER_DATA_ROLE = Qt.ItemDataRole.UserRole


def _spin(lo: int, hi: int, value: int, special: str | None = None, step: int = 1) -> QSpinBox:
    box = QSpinBox()
    box.setRange(lo, hi)
    box.setSingleStep(step)
    box.setValue(value)
    if special:
        box.setSpecialValueText(special)
    box.setAccelerated(True)
    return box


def _dspin(lo: float, hi: float, value: float, decimals: int, step: float) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setDecimals(decimals)
    box.setRange(lo, hi)
    box.setSingleStep(step)
    box.setValue(value)
    box.setAccelerated(True)
    return box


def _combo(items: tuple[str, ...], tips: dict[str, str] | None = None) -> QComboBox:
    box = QComboBox()
    for name in items:
        box.addItem(name, name)
        if tips and name in tips:
            box.setItemData(box.count() - 1, tips[name], Qt.ItemDataRole.ToolTipRole)
    return box


def _set_combo(box: QComboBox, value: str) -> None:
    index = box.findData(value)
    if index >= 0:
        box.setCurrentIndex(index)


class DropZone(QFrame):
    """A dashed area that says what can be dropped (the whole window accepts drops)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dropZone")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        self.label = QLabel("Drop a folder, .zip, .npz, images\nor a .csv/.npy of points here")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setObjectName("caption")
        layout.addWidget(self.label)

    def set_active(self, active: bool) -> None:
        """Highlights the zone while a drag hovers over the window."""
        self.setProperty("active", "true" if active else "false")
        self.style().unpolish(self)
        self.style().polish(self)


class SetupPanel(QWidget):
    """Pickers and settings for a run.

    Signals:
        dataset_selected(str): a built-in name or a recent path was picked in the list.
        open_file_requested(): the user pressed "Open file…".
        open_folder_requested(): the user pressed "Open folder…".
        data_options_changed(): image size, color or limit changed (the data must reload).
        settings_changed(): any other setting changed.
    """

    dataset_selected = Signal(str)
    open_file_requested = Signal()
    open_folder_requested = Signal()
    data_options_changed = Signal()
    settings_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._base = RunConfig()
        self._kind = POINTS
        self._updating = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 0, 6, 6)
        outer.setSpacing(4)
        outer.addWidget(self._data_group())
        outer.addWidget(self._net_group())
        outer.addWidget(self._objective_group())
        outer.addWidget(self._train_group())
        outer.addWidget(self._metrics_group())
        outer.addStretch(1)
        self.set_config(self._base)

    # -- groups ----------------------------------------------------------------------------------

    def _data_group(self) -> QGroupBox:
        box = QGroupBox("Dataset")
        layout = QVBoxLayout(box)
        layout.setSpacing(6)
        self.dataset_combo = QComboBox()
        for entry in describe_builtins():
            label = entry["name"] + ("  ⤓" if entry["needs_download"] else "")
            self.dataset_combo.addItem(label, entry["name"])
            self.dataset_combo.setItemData(self.dataset_combo.count() - 1,
                                           f"{entry['kind']}: {entry['description']}",
                                           Qt.ItemDataRole.ToolTipRole)
        self._builtin_count = self.dataset_combo.count()
        self.dataset_combo.setToolTip("Built-in datasets (⤓ downloads once) and your recent files")
        self.dataset_combo.activated.connect(self._dataset_activated)
        layout.addWidget(self.dataset_combo)
        row = QHBoxLayout()
        self.open_file_button = QPushButton("Open file…")
        self.open_file_button.setToolTip(".zip, .npz, images, .csv or .npy")
        self.open_file_button.clicked.connect(self.open_file_requested)
        self.open_folder_button = QPushButton("Open folder…")
        self.open_folder_button.setToolTip("A folder of images (subfolders become classes)")
        self.open_folder_button.clicked.connect(self.open_folder_requested)
        row.addWidget(self.open_file_button)
        row.addWidget(self.open_folder_button)
        layout.addLayout(row)
        self.drop_zone = DropZone()
        layout.addWidget(self.drop_zone)
        self.preview = DatasetPreview()
        layout.addWidget(self.preview)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.image_size = _spin(7, 128, 7, special="auto")
        self.image_size.setToolTip("Square side images are resized to (auto: most common, ≤ 64)")
        self.color = _combo(COLORS)
        self.limit = _spin(0, 10_000_000, 0, special="all", step=100)
        self.limit.setToolTip("Use at most this many examples")
        form.addRow("image size", self.image_size)
        form.addRow("color", self.color)
        form.addRow("limit", self.limit)
        self.data_form = form
        layout.addLayout(form)
        self.image_size.editingFinished.connect(self._data_options_edited)
        self.limit.editingFinished.connect(self._data_options_edited)
        self.color.activated.connect(self._data_options_edited)
        return box

    def _net_group(self) -> QGroupBox:
        box = QGroupBox("Architecture")
        form = QFormLayout(box)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.net = _combo(NETS, NET_DESCRIPTIONS)
        self.latent = _spin(0, 4096, 0, special="auto")
        self.latent.setToolTip("Size of z (auto: 8 for points, 64 for images)")
        self.depth = _spin(1, 16, 3)
        self.width = _spin(2, 8192, 128, step=16)
        self.activation = _combo(ACTIVATIONS)
        self.filters = _spin(4, 1024, 32, step=8)
        self.g_norm = _combo(G_NORMS)
        self.d_norm = _combo(D_NORMS)
        self.pack = _spin(1, 16, 1)
        self.pack.setToolTip("PacGAN: D judges this many samples at once (fights mode collapse)")
        self.minibatch_std = QCheckBox("minibatch std in D")
        self.params_label = QLabel("G —   D —")
        self.params_label.setToolTip("Parameter counts of the generator and the discriminator")
        form.addRow("net", self.net)
        form.addRow("latent dim", self.latent)
        form.addRow("depth", self.depth)
        form.addRow("width", self.width)
        form.addRow("activation", self.activation)
        form.addRow("filters", self.filters)
        form.addRow("G norm", self.g_norm)
        form.addRow("D norm", self.d_norm)
        form.addRow("pack", self.pack)
        form.addRow("", self.minibatch_std)
        form.addRow("parameters", self.params_label)
        self.net_form = form
        self.net.currentIndexChanged.connect(self._update_visibility)
        return box

    def _objective_group(self) -> QGroupBox:
        box = QGroupBox("Objective")
        form = QFormLayout(box)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.objective = _combo(OBJECTIVES, {name: objective_formula(name) for name in OBJECTIVES})
        self.d_steps = _spin(1, 100, 1)
        self.d_steps.setToolTip("k: discriminator (critic) updates per generator update")
        self.lr_d = _dspin(1e-6, 1.0, 2e-4, 6, 5e-5)
        self.lr_g = _dspin(1e-6, 1.0, 2e-4, 6, 5e-5)
        self.clip = _dspin(1e-4, 100.0, 0.01, 4, 0.005)
        self.clip.setToolTip("Weight clipping bound c (wgan)")
        self.gp_lambda = _dspin(0.0, 1e4, 10.0, 2, 1.0)
        self.gp_lambda.setToolTip("Gradient-penalty weight λ (wgan-gp)")
        self.r1_gamma = _dspin(0.0, 1e4, 0.0, 2, 0.5)
        self.r1_gamma.setToolTip("R1 penalty γ on real data (0: off)")
        self.ema = _dspin(0.0, 0.99999, 0.0, 5, 0.001)
        self.ema.setToolTip("EMA of G's weights for samples and export (0: off, 0.999 typical)")
        form.addRow("objective", self.objective)
        form.addRow("k (D steps)", self.d_steps)
        form.addRow("lr D", self.lr_d)
        form.addRow("lr G", self.lr_g)
        form.addRow("clip c", self.clip)
        form.addRow("λ (GP)", self.gp_lambda)
        form.addRow("R1 γ", self.r1_gamma)
        self.lr_decay = _combo(LR_DECAYS, {
            "none": "constant learning rates",
            "cosine": "cosine fall to 1% of the starting rates over the steps",
            "linear": "linear fall to 1% of the starting rates over the steps"})
        self.lr_decay.setToolTip("How both learning rates fall over the run; small late steps "
                                 "make samples precise")
        form.addRow("G EMA", self.ema)
        form.addRow("lr decay", self.lr_decay)
        self.objective_form = form
        self.objective.currentIndexChanged.connect(self._objective_changed)
        return box

    def _train_group(self) -> QGroupBox:
        box = QGroupBox("Training")
        form = QFormLayout(box)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.seed = _spin(0, 2**31 - 1, 0)
        self.batch = _spin(1, 65536, 256, step=32)
        self.steps = _spin(1, 100_000_000, 5000, step=500)
        self.jit = _combo(JIT_MODES, {"auto": "XLA on with a GPU, off on CPU"})
        self.jit.setToolTip("XLA compilation of the train step")
        self.device_label = QLabel("— (known once training starts)")
        self.device_label.setWordWrap(True)
        form.addRow("seed", self.seed)
        form.addRow("batch", self.batch)
        form.addRow("steps", self.steps)
        form.addRow("jit", self.jit)
        form.addRow("device", self.device_label)
        for w in (self.seed, self.batch, self.steps, self.depth, self.width, self.filters,
                  self.latent, self.pack, self.d_steps, self.lr_d, self.lr_g, self.clip,
                  self.gp_lambda, self.r1_gamma, self.ema):
            w.valueChanged.connect(self._changed)
        for c in (self.jit, self.activation, self.g_norm, self.d_norm, self.net, self.objective,
                  self.lr_decay):
            c.currentIndexChanged.connect(self._changed)
        self.minibatch_std.toggled.connect(self._changed)
        return box

    def _metrics_group(self) -> QGroupBox:
        box = QGroupBox("Metrics and stop rule")
        form = QFormLayout(box)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.metrics_form = form
        self.eval_every = _spin(0, 100_000_000, 1000, special="off", step=100)
        self.eval_every.setToolTip("Score the generator every this many steps, in the training "
                                   "thread (0 = off; Evaluate now still works)")
        self.eval_n = _spin(0, 1_000_000, 0, special="auto", step=500)
        self.eval_n.setToolTip("Samples per evaluation (auto: 2,500 points or 1,000 images); "
                               "fewer is faster but noisier")
        self.stop_rule = QCheckBox("stop at the equilibrium")
        self.stop_rule.setToolTip("Stop when |mean D − 0.5| < ε and the main metric has not "
                                  "improved for the given number of evaluations")
        self.stop_epsilon = _dspin(0.001, 0.5, 0.05, 3, 0.01)
        self.stop_epsilon.setToolTip("ε: how close the mean D(x) must be to 0.5")
        self.stop_patience = _spin(1, 10_000, 5)
        self.stop_patience.setToolTip("Evaluations without improvement of the main metric")
        form.addRow("eval every", self.eval_every)
        form.addRow("samples", self.eval_n)
        form.addRow("stop rule", self.stop_rule)
        form.addRow("ε", self.stop_epsilon)
        form.addRow("patience", self.stop_patience)
        # read at Start; they change neither the model nor its parameter count
        self.stop_rule.toggled.connect(self._update_visibility)
        return box

    # -- behaviour -------------------------------------------------------------------------------

    def _changed(self, *_: object) -> None:
        if not self._updating:
            self.params_label.setText("G —   D —")
            self.settings_changed.emit()

    def _data_options_edited(self, *_: object) -> None:
        if not self._updating:
            self.data_options_changed.emit()

    def _dataset_activated(self, index: int) -> None:
        name = self.dataset_combo.itemData(index, USER_DATA_ROLE)
        if name:
            self.dataset_selected.emit(str(name))

    def _objective_changed(self, *_: object) -> None:
        name = self.objective.currentData()
        self.objective.setToolTip(objective_formula(name))
        self._update_visibility()

    def _update_visibility(self, *_: object) -> None:
        net = self.net.currentData()
        resolved = net if net != "auto" else ("dcgan" if self._kind == IMAGES else "mlp")
        mlp = resolved == "mlp"
        for w in (self.depth, self.width, self.activation):
            self.net_form.setRowVisible(w, mlp)
        self.net_form.setRowVisible(self.filters, not mlp)
        obj = self.objective.currentData()
        self.objective_form.setRowVisible(self.clip, obj == "wgan")
        self.objective_form.setRowVisible(self.gp_lambda, obj == "wgan-gp")
        self.net.setToolTip(NET_DESCRIPTIONS.get(net, ""))
        for w in (self.image_size, self.color):
            self.data_form.setRowVisible(w, self._kind == IMAGES)
        rule = self.stop_rule.isChecked()
        self.stop_epsilon.setEnabled(rule)
        self.stop_patience.setEnabled(rule)

    def set_data_kind(self, kind: str) -> None:
        """Shows the settings that apply to this kind of data ("points" or "images")."""
        self._kind = kind
        self._update_visibility()

    # -- datasets --------------------------------------------------------------------------------

    def show_dataset(self, dataset: Dataset, source: str) -> None:
        """Shows a loaded dataset and selects it in the list (adding a user path if needed)."""
        self.preview.set_dataset(dataset)
        self.set_data_kind(dataset.kind)
        self.select_source(source, add=True)

    def select_source(self, source: str, add: bool = False) -> None:
        """Selects a dataset name or path in the list (adding a path when `add`)."""
        index = self.dataset_combo.findData(source)
        if index < 0 and add:
            self.add_recent(source)
            index = self.dataset_combo.findData(source)
        if index >= 0:
            self.dataset_combo.setCurrentIndex(index)

    def add_recent(self, path: str) -> None:
        """Adds a user path to the list (after the built-ins), most recent first."""
        if self.dataset_combo.findData(path) >= 0:
            return
        if self.dataset_combo.count() == self._builtin_count:
            self.dataset_combo.insertSeparator(self._builtin_count)
        at = self._builtin_count + 1
        self.dataset_combo.insertItem(at, "📁 " + (Path(path).name or path), path)
        self.dataset_combo.setItemData(at, path, Qt.ItemDataRole.ToolTipRole)

    def recent_sources(self) -> list[str]:
        """The user paths in the list, most recent first."""
        out = []
        for i in range(self._builtin_count, self.dataset_combo.count()):
            data = self.dataset_combo.itemData(i, USER_DATA_ROLE)
            if data:
                out.append(str(data))
        return out

    # -- config ----------------------------------------------------------------------------------

    def set_config(self, cfg: RunConfig) -> None:
        """Shows the settings of `cfg` (the data source is selected separately)."""
        self._updating = True
        try:
            self._base = cfg
            d, n, o, t = cfg.data, cfg.net, cfg.objective, cfg.train
            self.image_size.setValue(d.image_size or 7)
            _set_combo(self.color, d.color)
            self.limit.setValue(d.limit or 0)
            _set_combo(self.net, n.name)
            self.latent.setValue(n.latent_dim or 0)
            self.depth.setValue(n.depth)
            self.width.setValue(n.width)
            _set_combo(self.activation, n.activation)
            self.filters.setValue(n.filters)
            _set_combo(self.g_norm, n.g_norm)
            _set_combo(self.d_norm, n.d_norm)
            self.pack.setValue(n.pack)
            self.minibatch_std.setChecked(n.minibatch_std)
            _set_combo(self.objective, o.name)
            self.d_steps.setValue(o.d_steps)
            self.lr_d.setValue(o.lr_d)
            self.lr_g.setValue(o.lr_g)
            self.clip.setValue(o.clip)
            self.gp_lambda.setValue(o.gp_lambda)
            self.r1_gamma.setValue(o.r1_gamma)
            self.ema.setValue(o.ema)
            _set_combo(self.lr_decay, o.lr_decay)
            self.seed.setValue(t.seed)
            self.batch.setValue(t.batch)
            self.steps.setValue(t.steps)
            _set_combo(self.jit, t.jit)
            self.eval_every.setValue(t.eval_every)
            self.eval_n.setValue(t.eval_n or 0)
            self.stop_rule.setChecked(t.stop_rule)
            self.stop_epsilon.setValue(t.stop_epsilon)
            self.stop_patience.setValue(t.stop_patience)
        finally:
            self._updating = False
        self._objective_changed()

    def data_options(self) -> dict:
        """Image size, color and limit as `DataConfig` fields."""
        return {
            "image_size": self.image_size.value() if self.image_size.value() >= 8 else None,
            "color": self.color.currentData(),
            "limit": self.limit.value() or None,
        }

    def config(self, data_name: str | None = None) -> RunConfig:
        """The settings shown, as a validated `RunConfig`.

        Args:
            data_name: The dataset name or path (default: the one last set).

        Raises:
            ConfigError: when a combination of settings is not allowed.
        """
        data = {**self.data_options()}
        if data_name is not None:
            data["name"] = data_name
        return self._base.with_changes(
            data=data,
            net={"name": self.net.currentData(), "latent_dim": self.latent.value() or None,
                 "depth": self.depth.value(), "width": self.width.value(),
                 "activation": self.activation.currentData(), "filters": self.filters.value(),
                 "g_norm": self.g_norm.currentData(), "d_norm": self.d_norm.currentData(),
                 "pack": self.pack.value(), "minibatch_std": self.minibatch_std.isChecked()},
            objective={"name": self.objective.currentData(), "d_steps": self.d_steps.value(),
                       "lr_d": self.lr_d.value(), "lr_g": self.lr_g.value(),
                       "clip": self.clip.value(), "gp_lambda": self.gp_lambda.value(),
                       "r1_gamma": self.r1_gamma.value(), "ema": self.ema.value(),
                       "lr_decay": self.lr_decay.currentData()},
            train={"seed": self.seed.value(), "batch": self.batch.value(),
                   "steps": self.steps.value(), "jit": self.jit.currentData(),
                   "eval_every": self.eval_every.value(), "eval_n": self.eval_n_value(),
                   "stop_rule": self.stop_rule.isChecked(),
                   "stop_epsilon": self.stop_epsilon.value(),
                   "stop_patience": self.stop_patience.value()},
        )

    def eval_n_value(self) -> int | None:
        """Samples per evaluation (None: the evaluator's default; below 10 counts as 10)."""
        n = self.eval_n.value()
        return max(n, 10) if n else None

    def set_param_counts(self, counts: dict[str, int]) -> None:
        """Shows the parameter counts of G and D."""
        g = counts.get("generator")
        d = counts.get("discriminator")
        self.params_label.setText(f"G {g:,}   D {d:,}" if g is not None and d is not None
                                  else "G —   D —")

    def set_device(self, device: str, jit: bool | None = None) -> None:
        """Shows the device in use (and whether XLA is on)."""
        text = device + ("" if jit is None else f" · XLA {'on' if jit else 'off'}")
        self.device_label.setText(text)

    def set_running(self, running: bool) -> None:
        """Locks the model settings while training runs (training settings stay editable)."""
        for w in (self.net, self.latent, self.depth, self.width, self.activation, self.filters,
                  self.g_norm, self.d_norm, self.pack, self.minibatch_std, self.objective,
                  self.d_steps, self.lr_d, self.lr_g, self.clip, self.gp_lambda, self.r1_gamma,
                  self.ema, self.lr_decay, self.seed, self.batch, self.jit, self.dataset_combo,
                  self.open_file_button, self.open_folder_button, self.image_size, self.color,
                  self.limit):
            w.setEnabled(not running)
