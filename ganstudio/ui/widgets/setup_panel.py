"""The setup panel: the model family, the dataset, and every setting of the run.

The form is generated from the config's field metadata (`ganstudio.config.setting`): each
field gets the editor `setting_editors.make_editor` makes from its kind, label, range, choices
and help, so a field added to a config section appears here without a line of form code. This
module only says how the fields are grouped (`GROUPS`), which ones show first (`BASIC_FIELDS`;
the rest sit in each group's collapsible "More"), and which rows only apply to some choices
(`_update_visibility`).

A model family's own section (`FamilySpec.section`, e.g. `cgan`) is a group of its own, shown
while that family is picked. The panel edits a copy of a frozen `RunConfig`: `config()` returns
the settings shown on top of the config last given to `set_config`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ganstudio.config import SECTIONS, RunConfig, section_fields
from ganstudio.core.catalog import NET_DESCRIPTIONS, objective_formula
from ganstudio.core.data.base import IMAGES, POINTS, Dataset
from ganstudio.core.data.registry import describe_builtins
from ganstudio.core.families import FAMILIES, NEEDS_PAIR
from ganstudio.ui.widgets.dataset_preview import DatasetPreview
from ganstudio.ui.widgets.setting_editors import BoolEditor, ChoiceEditor, Editor, make_editor

USER_DATA_ROLE = Qt.ItemDataRole.UserRole

FieldKey = tuple[str, str]  # (section, field)

# The fields of each section that show first, in this order; the others follow in the group's
# collapsible "More", in the config's order. A section not listed here shows all its fields.
BASIC_FIELDS: dict[str, tuple[str, ...]] = {
    "data": ("name_b", "image_size", "color", "limit"),
    "net": ("name", "latent_dim", "depth", "width", "activation", "filters", "g_norm", "d_norm",
            "pack", "minibatch_std"),
    "objective": ("name", "d_steps", "lr_d", "lr_g", "clip", "gp_lambda", "r1_gamma", "ema",
                  "lr_decay"),
    "train": ("seed", "batch", "steps", "jit", "precision", "eval_every", "eval_n", "stop_rule",
              "stop_epsilon", "stop_patience"),
    "cgan": ("condition", "d_design", "embed_dim", "text_encoder", "augment", "augment_kl"),
    "rbm": ("hidden", "k", "persistent", "learning_rate", "binarize", "lr_decay"),
    "stackgan": ("stage", "schedule", "stage1_share", "factor", "augment_kl", "d_design",
                 "embed_dim", "text_encoder"),
}


@dataclass(frozen=True)
class GroupSpec:
    """One group box of the panel.

    Args:
        title: The group's title.
        section: The config section its fields belong to.
        fields: The section's fields it holds; `None`: those no other group of the section
            holds.
        form: The attribute name of its main form layout (tests and visibility rules use it).
        quiet: Its settings change neither the model nor its size: editing them emits no
            `settings_changed`, and they stay editable while training runs.
    """

    title: str
    section: str
    fields: tuple[str, ...] | None = None
    form: str = ""
    quiet: bool = False


FAMILY_SLOT = GroupSpec("", "")  # where the picked family's own group goes
GROUPS: tuple[GroupSpec, ...] = (
    GroupSpec("Dataset", "data", form="data_form"),
    GroupSpec("Architecture", "net", form="net_form"),
    GroupSpec("Objective", "objective", form="objective_form"),
    FAMILY_SLOT,
    GroupSpec("Training", "train", form="train_form"),
    GroupSpec("Metrics and stop rule", "train", ("eval_every", "eval_n", "stop_rule",
                                                 "stop_epsilon", "stop_patience"),
              form="metrics_form", quiet=True),
)

PICKER_FIELDS: frozenset[FieldKey] = frozenset({("data", "name")})  # the dataset picker's
# Attribute names kept from the hand-written panel (others are the field's own name).
ATTRIBUTE_NAMES: dict[FieldKey, str] = {
    ("net", "name"): "net", ("net", "latent_dim"): "latent", ("objective", "name"): "objective"}
# Still editable while training runs (read afresh when training continues).
LIVE_FIELDS: frozenset[FieldKey] = frozenset({("train", "steps")})
# Enabled only while a switch is on.
SWITCHED_BY: dict[FieldKey, FieldKey] = {
    ("train", "stop_epsilon"): ("train", "stop_rule"),
    ("train", "stop_patience"): ("train", "stop_rule"),
    ("cgan", "augment_kl"): ("cgan", "augment"),
    ("cgan", "augment_warmup"): ("cgan", "augment"),
    ("stackgan", "augment_kl"): ("stackgan", "augment"),
    ("stackgan", "augment_warmup"): ("stackgan", "augment"),
}
# The loader reads the data section's settings from `data_options()`, except the dataset's
# name (the picker) and the synthetic point count (its own argument of `load_source`).
NOT_DATA_OPTIONS = frozenset({"name", "n_points"})


def _item_tips(key: FieldKey) -> dict[str, str] | None:
    if key == ("net", "name"):
        return NET_DESCRIPTIONS
    if key == ("objective", "name"):
        return {n: objective_formula(n) for n in section_fields("objective")["name"].metadata[
            "choices"]}
    return None


def family_sections() -> dict[str, str]:
    """The sections of the model families that have one: section name -> family name."""
    return {spec.section: name for name, spec in FAMILIES.items() if spec.section}


def family_live_fields() -> frozenset[FieldKey]:
    """The families' live settings (`FamilySpec.live_settings`) as `(section, field)`: editable
    while training runs, and taken by the running session at once."""
    return frozenset(tuple(key.split(".", 1)) for spec in FAMILIES.values()
                     for key in spec.live_settings)


def shared_sections() -> tuple[str, ...]:
    """The config sections every family reads (data, net, objective, train)."""
    own = family_sections()
    return tuple(s for s in SECTIONS if s not in own)


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


class MoreToggle(QToolButton):
    """A flat "More (n)" button with an arrow that shows or hides a group's other settings."""

    def __init__(self, count: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.set_count(count)
        self.setCheckable(True)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setArrowType(Qt.ArrowType.RightArrow)
        self.setStyleSheet("QToolButton { border: none; background: transparent; padding: 1px; }")
        self.setToolTip("Less common settings of this group")
        self.toggled.connect(self._toggled)

    def set_count(self, count: int) -> None:
        """Says how many settings it holds (those that apply to the current choices)."""
        self.setText(f"More ({count})")

    def _toggled(self, on: bool) -> None:
        self.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)


def _form(parent: QWidget | None = None) -> QFormLayout:
    form = QFormLayout(parent)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
    form.setHorizontalSpacing(8)
    form.setVerticalSpacing(4)
    return form


@dataclass
class _Row:
    form: QFormLayout
    label: QLabel
    editor: Editor
    more: bool
    quiet: bool


@dataclass
class _Group:
    box: QGroupBox
    more_toggle: MoreToggle | None
    more_area: QWidget | None
    more_keys: tuple[FieldKey, ...]


class SetupPanel(QWidget):
    """The family picker, the dataset picker and one editor per config field.

    Every field's editor is `editor(section, name)`; the fields of the shared sections are also
    attributes named after the field (`self.steps`, `self.batch`, `self.lr_d`, ...; `net.name`
    is `self.net`, `net.latent_dim` is `self.latent`, `objective.name` is `self.objective`).

    Signals:
        dataset_selected(str): a built-in name or a recent path was picked in the list.
        open_file_requested(): the user pressed "Open file…".
        open_folder_requested(): the user pressed "Open folder…".
        data_options_changed(): a data setting changed (the data must reload).
        settings_changed(): the family or a model or training setting changed.
        live_setting_changed(str): a family's live setting (`FamilySpec.live_settings`,
            `"section.field"`) was edited: a running session takes it between two steps.
    """

    dataset_selected = Signal(str)
    open_file_requested = Signal()
    open_folder_requested = Signal()
    data_options_changed = Signal()
    settings_changed = Signal()
    live_setting_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._base = RunConfig()
        self._kind = POINTS
        self._has_captions = False
        self._running = False
        self._updating = False
        self._rows: dict[FieldKey, _Row] = {}
        self._shown: dict[FieldKey, bool] = {}
        self._groups: dict[str, _Group] = {}  # by title
        self.family_groups: dict[str, QGroupBox] = {}  # by family name
        self._section_boxes: dict[str, list[QGroupBox]] = {}  # the groups of each section
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 0, 6, 6)
        outer.setSpacing(4)
        outer.addWidget(self._family_group())
        for spec in self._group_specs():
            outer.addWidget(self._build_group(spec))
        outer.addStretch(1)
        self._align_labels()
        self.set_config(self._base)

    # -- building --------------------------------------------------------------------------------

    def _group_specs(self) -> list[GroupSpec]:
        """`GROUPS` with the families' sections at `FAMILY_SLOT` and a group for any shared
        section the layout does not name."""
        specs: list[GroupSpec] = []
        named = {g.section for g in GROUPS}
        for spec in GROUPS:
            if spec is not FAMILY_SLOT:
                specs.append(spec)
                continue
            for section, family in family_sections().items():
                specs.append(GroupSpec(FAMILIES[family].title, section, form=f"{section}_form"))
        specs.extend(GroupSpec(s.capitalize(), s, form=f"{s}_form")
                     for s in shared_sections() if s not in named)
        return specs

    def _group_fields(self, spec: GroupSpec) -> tuple[list[str], list[str]]:
        """The basic and the "More" fields of a group, in display order."""
        every = [n for n in section_fields(spec.section) if (spec.section, n) not in PICKER_FIELDS]
        if spec.fields is not None:
            members = [n for n in every if n in spec.fields]
        else:
            taken = {n for g in GROUPS if g.section == spec.section and g.fields for n in g.fields}
            members = [n for n in every if n not in taken]
        basic_order = BASIC_FIELDS.get(spec.section, tuple(every))
        basic = [n for n in basic_order if n in members]
        more = [n for n in members if n not in basic]
        return basic, more

    def _family_group(self) -> QGroupBox:
        box = QGroupBox("Model")
        form = _form(box)
        self.family = QComboBox()
        # sized to the panel, not to the longest title ("Variational autoencoder" widened the
        # whole panel past its scroll area); the open list still shows every title whole
        self.family.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.family.setMinimumContentsLength(8)
        for name, spec in FAMILIES.items():
            self.family.addItem(spec.title, name)
            self.family.setItemData(self.family.count() - 1, spec.description,
                                    Qt.ItemDataRole.ToolTipRole)
        self.family.currentIndexChanged.connect(self._family_changed)
        label = QLabel("Family")
        label.setToolTip("The model family: what G and D see and how they are trained")
        form.addRow(label, self.family)
        self.family_form = form
        self._extra_labels = [label]
        return box

    def _data_header(self, layout: QVBoxLayout) -> None:
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

    def _build_group(self, spec: GroupSpec) -> QGroupBox:
        box = QGroupBox(spec.title)
        layout = QVBoxLayout(box)
        layout.setSpacing(4)
        if spec.section == "data" and spec.fields is None:
            self._data_header(layout)
        basic, more = self._group_fields(spec)
        form = _form()
        layout.addLayout(form)
        if spec.form:
            setattr(self, spec.form, form)
        for name in basic:
            self._add_row(form, spec, name, more=False)
        self._extra_rows(spec, form)
        toggle = area = None
        if more:
            toggle = MoreToggle(len(more))
            area = QWidget()
            more_form = _form(area)
            more_form.setContentsMargins(0, 0, 0, 0)
            for name in more:
                self._add_row(more_form, spec, name, more=True)
            area.setVisible(False)
            toggle.toggled.connect(area.setVisible)
            layout.addWidget(toggle, 0, Qt.AlignmentFlag.AlignLeft)
            layout.addWidget(area)
        self._groups[spec.title] = _Group(box, toggle, area,
                                          tuple((spec.section, n) for n in more))
        family = family_sections().get(spec.section)
        if family is not None:
            box.setToolTip(FAMILIES[family].description)
            self.family_groups[family] = box
        self._section_boxes.setdefault(spec.section, []).append(box)
        return box

    def _extra_rows(self, spec: GroupSpec, form: QFormLayout) -> None:
        """The rows that show facts rather than settings (parameter counts, the device)."""
        if spec.section == "net":
            self.params_label = QLabel("G —   D —")
            self.params_label.setWordWrap(True)  # "encoder 51,840   decoder 50,513" must not widen
            self.params_label.setToolTip("Parameter counts of the family's networks")
            label = QLabel("Parameters")
            form.addRow(label, self.params_label)
            self._extra_labels.append(label)
        elif spec.section == "train" and spec.fields is None:
            self.device_label = QLabel("— (known once training starts)")
            self.device_label.setWordWrap(True)
            label = QLabel("Device")
            form.addRow(label, self.device_label)
            self._extra_labels.append(label)

    def _add_row(self, form: QFormLayout, spec: GroupSpec, name: str, more: bool) -> None:
        key = (spec.section, name)
        f = section_fields(spec.section)[name]
        editor = make_editor(spec.section, f, _item_tips(key))
        label = QLabel(f.metadata.get("label") or name)
        label.setToolTip(editor.toolTip())
        label.setBuddy(editor)
        form.addRow(label, editor)
        self._rows[key] = _Row(form, label, editor, more, spec.quiet)
        self._shown[key] = True
        if spec.section in shared_sections():
            setattr(self, ATTRIBUTE_NAMES.get(key, name), editor)
        if spec.section == "data":
            editor.connect_changed(self._data_options_edited, committed=True)
        elif key in family_live_fields():
            editor.connect_changed(lambda *_: self._live_edited(key))
        elif not spec.quiet:
            editor.connect_changed(self._changed)
        if isinstance(editor, (ChoiceEditor, BoolEditor)):  # rows that depend on a choice
            editor.connect_changed(self._update_visibility)

    def _align_labels(self) -> None:
        """Gives every form's label column the same width, so the editors line up."""
        labels = [row.label for row in self._rows.values()] + self._extra_labels
        width = max(label.sizeHint().width() for label in labels)
        for label in labels:
            label.setMinimumWidth(width)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    # -- editors ---------------------------------------------------------------------------------

    def editor(self, section: str, name: str) -> Editor:
        """The editor of one config field.

        Raises:
            KeyError: for a field without an editor (e.g. `data.name`: the dataset picker).
        """
        try:
            return self._rows[(section, name)].editor
        except KeyError:
            raise KeyError(f"no editor for {section}.{name}") from None

    def editors(self) -> dict[FieldKey, Editor]:
        """Every editor by `(section, field)`."""
        return {key: row.editor for key, row in self._rows.items()}

    def field_label(self, section: str, name: str) -> QLabel:
        """The label beside a field's editor."""
        return self._rows[(section, name)].label

    def is_field_shown(self, section: str, name: str) -> bool:
        """Whether a field's row applies to the current choices (it may sit in a closed
        "More" or in a hidden family group)."""
        return self._shown[(section, name)]

    def more_toggle(self, title: str) -> MoreToggle | None:
        """The "More" button of a group (by its title), if it has one."""
        return self._groups[title].more_toggle

    def family_name(self) -> str:
        """The picked model family."""
        return str(self.family.currentData())

    # -- behaviour -------------------------------------------------------------------------------

    def _changed(self, *_: object) -> None:
        if not self._updating:
            self.params_label.setText("G —   D —")
            self.settings_changed.emit()

    def _live_edited(self, key: FieldKey) -> None:
        if not self._updating:
            self.live_setting_changed.emit(f"{key[0]}.{key[1]}")

    def _data_options_edited(self, *_: object) -> None:
        if not self._updating:
            self.data_options_changed.emit()

    def _dataset_activated(self, index: int) -> None:
        name = self.dataset_combo.itemData(index, USER_DATA_ROLE)
        if name:
            self.dataset_selected.emit(str(name))

    def _family_changed(self, *_: object) -> None:
        if not self._updating:
            self._apply_family_defaults()
        self._update_visibility()  # shows the family's group and what it reads
        self._changed()

    def _apply_family_defaults(self) -> None:
        """A family picked by hand brings its own defaults for the shared settings it tunes
        (`FamilySpec.defaults`); the ones another family tuned go back to the plain defaults."""
        fresh = RunConfig.for_family(self.family_name())
        tuned = {key for spec in FAMILIES.values() for key, _ in spec.defaults}
        for key in sorted(tuned):
            section, _, name = key.partition(".")
            row = self._rows.get((section, name))
            if row is not None:
                row.editor.set_field_value(getattr(getattr(fresh, section), name))

    def _show_family(self) -> None:
        name = self.family_name()
        self.family.setToolTip(FAMILIES[name].description)
        for family, box in self.family_groups.items():
            box.setVisible(family == name)

    def _unused(self, key: FieldKey) -> bool:
        """Whether the picked family does not read this setting (`unused_settings`)."""
        unused = FAMILIES[self.family_name()].unused_settings
        return key[0] in unused or f"{key[0]}.{key[1]}" in unused

    def _show(self, key: FieldKey, visible: bool) -> None:
        row = self._rows.get(key)
        if row is not None:
            visible = visible and not self._unused(key)
            row.form.setRowVisible(row.editor, visible)
            self._shown[key] = visible

    def _update_visibility(self, *_: object) -> None:
        for key in self._rows:  # what the family reads; the rules below narrow it further
            self._show(key, True)
        for section, boxes in self._section_boxes.items():
            for box in boxes:
                box.setVisible(section not in FAMILIES[self.family_name()].unused_settings
                               and box not in self.family_groups.values())
        self._show_family()
        net = self.net.currentData()
        resolved = net if net != "auto" else ("dcgan" if self._kind == IMAGES else "mlp")
        mlp = resolved == "mlp"
        for name in ("depth", "width", "activation"):
            self._show(("net", name), mlp)
        self._show(("net", "filters"), not mlp)
        self.net.setToolTip(NET_DESCRIPTIONS.get(net, ""))
        objective = self.objective.currentData()
        self.objective.setToolTip(objective_formula(objective))
        self._show(("objective", "clip"), objective == "wgan")
        self._show(("objective", "gp_lambda"), objective == "wgan-gp")
        images = self._kind == IMAGES
        self._show(("data", "image_size"), images)
        self._show(("data", "color"), images)
        self._show(("data", "n_points"), not images)
        self._show(("data", "holdout"), self._has_captions)
        if ("data", "name_b") in self._rows:  # the second domain: for translation, or once set
            pair = NEEDS_PAIR in FAMILIES[self.family_name()].needs
            self._show(("data", "name_b"), pair or bool(self.editor("data", "name_b")
                                                        .field_value()))
        if ("cgan", "condition") in self._rows:
            condition = self.editor("cgan", "condition").field_value()
            captions = condition == "caption" or (condition == "auto" and self._has_captions)
            for name in ("text_encoder", "max_words"):
                self._show(("cgan", name), captions)
        for group in self._groups.values():
            if group.more_toggle is not None:
                count = sum(self._shown[k] for k in group.more_keys)
                group.more_toggle.set_count(count)
                group.more_toggle.setVisible(count > 0)
                group.more_area.setVisible(count > 0 and group.more_toggle.isChecked())
        self._update_enabled()

    def _update_enabled(self) -> None:
        for key, row in self._rows.items():
            switch = self._rows.get(SWITCHED_BY[key]) if key in SWITCHED_BY else None
            on = switch is None or switch.editor.field_value()
            editable = (not self._running or row.quiet or key in LIVE_FIELDS
                        or key in family_live_fields())
            row.editor.setEnabled(bool(on) and editable)

    def set_data_kind(self, kind: str) -> None:
        """Shows the settings that apply to this kind of data ("points" or "images")."""
        self._kind = kind
        self._update_visibility()

    # -- datasets --------------------------------------------------------------------------------

    def show_dataset(self, dataset: Dataset, source: str) -> None:
        """Shows a loaded dataset and selects it in the list (adding a user path if needed)."""
        self.preview.set_dataset(dataset)
        self._has_captions = bool(getattr(dataset, "captions", None))
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

    def set_name_b(self, path: str) -> None:
        """Shows the second domain's path (`data.name_b`; "" for one-domain data) without
        asking for a reload: the data with it is already loading or loaded."""
        if ("data", "name_b") not in self._rows:
            return
        self._updating = True
        try:
            self.editor("data", "name_b").set_field_value(path)
        finally:
            self._updating = False
        self._update_visibility()

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
        """Shows the family and the settings of `cfg` (the data source is selected separately)."""
        self._updating = True
        try:
            self._base = cfg
            index = self.family.findData(cfg.family)
            if index >= 0:
                self.family.setCurrentIndex(index)
            for (section, name), row in self._rows.items():
                part = getattr(cfg, section, None)
                if part is not None:
                    row.editor.set_field_value(getattr(part, name))
        finally:
            self._updating = False
        self._show_family()
        self._update_visibility()

    def data_options(self) -> dict:
        """The data settings the loader reads (image size, color, limit, holdout), as
        `DataConfig` fields."""
        return {name: row.editor.field_value() for (section, name), row in self._rows.items()
                if section == "data" and name not in NOT_DATA_OPTIONS}

    def config(self, data_name: str | None = None) -> RunConfig:
        """The family and settings shown, as a validated `RunConfig`.

        Args:
            data_name: The dataset name or path (default: the one last set).

        Raises:
            ConfigError: when a combination of settings is not allowed.
        """
        changes: dict[str, dict] = {}
        for (section, name), row in self._rows.items():
            changes.setdefault(section, {})[name] = row.editor.field_value()
        if data_name is not None:
            changes.setdefault("data", {})["name"] = data_name
        return self._base.with_changes(family=self.family_name(), **changes)

    def eval_n_value(self) -> int | None:
        """Samples per evaluation (None: the evaluator's default)."""
        return self.editor("train", "eval_n").field_value()

    def set_param_counts(self, counts: dict[str, int]) -> None:
        """Shows the parameter counts of the family's networks (G and D, the encoder and the
        decoder, the RBM's weights, ...)."""
        short = {"generator": "G", "discriminator": "D"}
        parts = [f"{short.get(name, name)} {int(n):,}" for name, n in counts.items()
                 if isinstance(n, (int, float))]
        self.params_label.setText("   ".join(parts) if parts else "G —   D —")

    def set_device(self, device: str, jit: bool | None = None) -> None:
        """Shows the device in use (and whether XLA is on)."""
        text = device + ("" if jit is None else f" · XLA {'on' if jit else 'off'}")
        self.device_label.setText(text)

    def set_running(self, running: bool) -> None:
        """Locks the family, the data and the model settings while training runs (the step
        count and the metrics settings stay editable)."""
        self._running = running
        for w in (self.family, self.dataset_combo, self.open_file_button,
                  self.open_folder_button):
            w.setEnabled(not running)
        self._update_enabled()
