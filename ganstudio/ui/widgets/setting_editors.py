"""Editors for config fields, made from their `setting` metadata (no form is written by hand).

`make_editor(section, field)` returns the Qt widget that edits one field of a config section:
a `ChoiceEditor` (combo box) for a field with `choices`, an `IntEditor` or `FloatEditor` (spin
boxes limited to the field's `lo`/`hi`) for numbers, a `BoolEditor` (check box) for switches and
a `TextEditor` (line edit) for text. Every editor is a plain Qt widget (so `setValue`,
`findData`, `setChecked` work as usual) with the same three extra methods:
`field_value()`, `set_field_value(value)` and `connect_changed(slot, committed=False)`.

Conventions read from the metadata:
- an optional number (`int | None`) gets one step below `lo` as its minimum, shown as "auto";
- a number whose `help` says what 0 means, e.g. "(0: off)", shows that word at 0;
- a float with an open lower bound at 0 (`lo=0, lo_open=True`: a learning rate, a clipping
  bound, a tolerance) is a `LogFloatEditor`: it shows significant digits (`2e-4`) and steps
  along 1, 2, 5, 10, ...

Example:

```python
from ganstudio.config import section_fields
lr = make_editor("objective", section_fields("objective")["lr_d"])
lr.set_field_value(2e-4)
lr.stepBy(1)          # 5e-4
lr.field_value()      # 0.0005
```
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from ganstudio.config import field_kind

__all__ = [
    "AUTO_TEXT",
    "INT_MAX",
    "LOG_MIN",
    "BoolEditor",
    "ChoiceEditor",
    "FloatEditor",
    "IntEditor",
    "LogFloatEditor",
    "TextEditor",
    "allowed_text",
    "field_tooltip",
    "make_editor",
    "zero_text",
]

INT_MAX = 2**31 - 1  # QSpinBox holds a 32-bit int: the bound of fields without `hi`
FLOAT_MAX = 1e9
LOG_MIN = 1e-8  # the smallest value of a field that must be greater than 0
AUTO_TEXT = "auto"
_ZERO_MEANS = re.compile(r"\(0: ([^)]+)\)")
_FLOAT_PREFIX = re.compile(r"^[+]?(\d*\.?\d*([eE][+-]?\d*)?)?$")


def zero_text(f: dataclasses.Field) -> str | None:
    """What 0 means for a number field, from its help (e.g. "off" for "(0: off)"), or None."""
    meta = f.metadata
    if meta.get("lo") != 0 or meta.get("lo_open"):
        return None
    match = _ZERO_MEANS.search(meta.get("help") or "")
    return match.group(1) if match else None


def _number(x: float) -> str:
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:g}"


def allowed_text(f: dataclasses.Field) -> str:
    """The values a field allows, in words (e.g. "8 to 128, or auto")."""
    kind, optional = field_kind(f)
    meta = f.metadata
    if meta.get("choices"):
        text = "one of " + ", ".join(meta["choices"])
    elif kind in ("int", "float"):
        lo, hi = meta.get("lo"), meta.get("hi")
        low = f"greater than {_number(lo)}" if meta.get("lo_open") else f"at least {_number(lo)}"
        if hi is None:
            text = low
        elif meta.get("lo_open"):
            text = f"{low} and at most {_number(hi)}"
        else:
            text = f"{_number(lo)} to {_number(hi)}"
    elif kind == "bool":
        text = "on or off"
    else:
        text = "any text"
    return text + (f", or {AUTO_TEXT}" if optional else "")


def field_tooltip(section: str, f: dataclasses.Field) -> str:
    """The tooltip of a field: its help, what it allows, and its `--set` name."""
    help_text = (f.metadata.get("help") or f.metadata.get("label") or f.name).strip()
    help_text = help_text[:1].upper() + help_text[1:]
    return f"{help_text}.\nAllowed: {allowed_text(f)}.\nSetting: {section}.{f.name}"


def _default(f: dataclasses.Field) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return None


def _places(x: float | None) -> int:
    if x is None:
        return 0
    text = f"{abs(float(x)):.8f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


def _int_step(default: int | None) -> int:
    if not default or default < 100:
        return 1
    return 10 ** (int(math.log10(default)) - 1)


class IntEditor(QSpinBox):
    """A spin box for an int field, limited to the field's range.

    Args:
        f: The config field (`int` or `int | None`).
        parent: The parent widget.
    """

    def __init__(self, f: dataclasses.Field, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        _, self.optional = field_kind(f)
        meta = f.metadata
        lo = int(meta["lo"])
        hi = INT_MAX if meta.get("hi") is None else int(meta["hi"])
        self.setRange(lo - 1 if self.optional else lo, hi)
        special = AUTO_TEXT if self.optional else zero_text(f)
        if special:
            self.setSpecialValueText(special)
        default = _default(f)
        self.setSingleStep(_int_step(default))
        self.setAccelerated(True)
        self.set_field_value(default)

    def field_value(self) -> int | None:
        """The value shown (`None` at "auto")."""
        if self.optional and self.value() == self.minimum():
            return None
        return self.value()

    def set_field_value(self, value: int | None) -> None:
        """Shows a value (`None`: "auto")."""
        self.setValue(self.minimum() if value is None else int(value))

    def connect_changed(self, slot: Callable[..., Any], committed: bool = False) -> None:
        """Calls `slot` on every change, or only when editing is finished (`committed`)."""
        (self.editingFinished if committed else self.valueChanged).connect(slot)


def float_decimals(f: dataclasses.Field) -> int:
    """Decimals enough for a float field's bounds and default (2 to 6)."""
    meta = f.metadata
    return min(6, max(2, _places(meta.get("lo")), _places(meta.get("hi")), _places(_default(f))))


def _validate_number(box: QDoubleSpinBox, text: str,
                     pos: int) -> tuple[QValidator.State, str, int]:
    """A float spin box's validation: a number in range is acceptable, one above the maximum
    (or with more decimals than the box keeps) is refused, a partial one may be finished."""
    raw = text.strip()
    if box.specialValueText() and raw == box.specialValueText():
        return QValidator.State.Acceptable, text, pos
    try:
        value = float(raw)
    except ValueError:
        ok = bool(_FLOAT_PREFIX.match(raw))
        return (QValidator.State.Intermediate if ok else QValidator.State.Invalid), text, pos
    if not math.isfinite(value) or value > box.maximum():
        return QValidator.State.Invalid, text, pos
    if "e" not in raw.lower() and "." in raw and len(raw.split(".")[1]) > box.decimals():
        return QValidator.State.Invalid, text, pos
    if value < box.minimum():
        return QValidator.State.Intermediate, text, pos
    return QValidator.State.Acceptable, text, pos


class FloatEditor(QDoubleSpinBox):
    """A spin box for a float field with a closed range, with decimals enough for its values.

    Args:
        f: The config field (`float`).
        parent: The parent widget.
    """

    def __init__(self, f: dataclasses.Field, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        _, self.optional = field_kind(f)
        self._setup(f)
        self.setAccelerated(True)
        self.set_field_value(_default(f))

    def _setup(self, f: dataclasses.Field) -> None:
        meta = f.metadata
        decimals = float_decimals(f)
        self.setDecimals(decimals)
        lo = float(meta["lo"])
        hi = FLOAT_MAX if meta.get("hi") is None else float(meta["hi"])
        tick = 10.0 ** -decimals
        if meta.get("lo_open"):
            lo += tick
        self.setRange(lo - tick if self.optional else lo, hi)
        special = AUTO_TEXT if self.optional else zero_text(f)
        if special:
            self.setSpecialValueText(special)
        default = _default(f)
        coarse = 10.0 ** math.floor(math.log10(default)) if default else math.inf
        self.setSingleStep(min(coarse, 10.0 ** -(decimals - 1)))

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt's name
        """The value without trailing zeros (`0.99`, not `0.99000`)."""
        text = f"{value:.{self.decimals()}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text

    def valueFromText(self, text: str) -> float:  # noqa: N802 - Qt's name
        """Parses the text (a point for decimals, whatever the locale)."""
        try:
            return float(text.strip())
        except ValueError:
            return super().valueFromText(text)

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        """Accepts numbers in range, lets partial numbers through, refuses the rest."""
        return _validate_number(self, text, pos)

    def field_value(self) -> float | None:
        """The value shown (`None` at "auto")."""
        if self.optional and self.value() == self.minimum():
            return None
        return self.value()

    def set_field_value(self, value: float | None) -> None:
        """Shows a value (`None`: "auto")."""
        self.setValue(self.minimum() if value is None else float(value))

    def connect_changed(self, slot: Callable[..., Any], committed: bool = False) -> None:
        """Calls `slot` on every change, or only when editing is finished (`committed`)."""
        (self.editingFinished if committed else self.valueChanged).connect(slot)


def _ladder(value: float, up: bool) -> float:
    """The next value of the 1, 2, 5, 10, ... ladder above (or below) `value` (> 0)."""
    e = math.floor(math.log10(value))
    rungs = sorted(float(f"{m}e{k}") for k in (e - 1, e, e + 1) for m in (1, 2, 5))
    if up:
        return next(r for r in rungs if r > value * (1 + 1e-9))
    return next(r for r in reversed(rungs) if r < value * (1 - 1e-9))


class LogFloatEditor(FloatEditor):
    """A spin box for a positive scale (a learning rate, a bound, a tolerance).

    It shows significant digits rather than fixed decimals (`0.0002`, `5e-5`) and its arrows
    step along 1, 2, 5, 10, ... (2e-4 → 5e-4 → 1e-3), so every order of magnitude is a few
    clicks away. Typing a value above the field's `hi` is refused.
    """

    def _setup(self, f: dataclasses.Field) -> None:
        meta = f.metadata
        self.setDecimals(10)
        hi = FLOAT_MAX if meta.get("hi") is None else float(meta["hi"])
        self.setRange(float(meta["lo"]) + LOG_MIN, hi)

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt's name
        """Significant digits, with a short exponent for small values (`5e-5`)."""
        text = f"{value:.6g}"
        return re.sub(r"e([+-])0*(\d)", r"e\1\2", text)

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt's name
        """Steps along 1, 2, 5, 10, ... (as many rungs as `steps`)."""
        value = max(self.value(), self.minimum())
        for _ in range(abs(steps)):
            value = _ladder(value, steps > 0)
        self.setValue(min(max(value, self.minimum()), self.maximum()))


class ChoiceEditor(QComboBox):
    """A combo box of a field's choices (item data: the value).

    Args:
        f: The config field (with `choices`).
        item_tips: Optional tooltip per choice.
        parent: The parent widget.
    """

    def __init__(self, f: dataclasses.Field, item_tips: Mapping[str, str] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        for name in f.metadata["choices"]:
            self.addItem(name, name)
            if item_tips and name in item_tips:
                self.setItemData(self.count() - 1, item_tips[name], Qt.ItemDataRole.ToolTipRole)
        self.set_field_value(_default(f))

    def field_value(self) -> str:
        """The chosen value."""
        return self.currentData()

    def set_field_value(self, value: str) -> None:
        """Chooses a value (an unknown one is ignored)."""
        index = self.findData(value)
        if index >= 0:
            self.setCurrentIndex(index)

    def connect_changed(self, slot: Callable[..., Any], committed: bool = False) -> None:
        """Calls `slot` on every change, or only when the user picks an item (`committed`)."""
        (self.activated if committed else self.currentIndexChanged).connect(slot)


class BoolEditor(QCheckBox):
    """A check box for a bool field.

    Args:
        f: The config field (`bool`).
        parent: The parent widget.
    """

    def __init__(self, f: dataclasses.Field, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.toggled.connect(self._say)
        self.set_field_value(bool(_default(f)))
        self._say(self.isChecked())

    def _say(self, on: bool) -> None:
        self.setText("on" if on else "off")

    def field_value(self) -> bool:
        """Whether it is checked."""
        return self.isChecked()

    def set_field_value(self, value: bool) -> None:
        """Checks or unchecks it."""
        self.setChecked(bool(value))

    def connect_changed(self, slot: Callable[..., Any], committed: bool = False) -> None:
        """Calls `slot` when it is toggled."""
        self.toggled.connect(slot)


class TextEditor(QLineEdit):
    """A line edit for a text field (its help as the placeholder).

    Args:
        f: The config field (`str`).
        parent: The parent widget.
    """

    def __init__(self, f: dataclasses.Field, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(f.metadata.get("help") or "")
        self.setClearButtonEnabled(True)
        self.set_field_value(_default(f) or "")

    def field_value(self) -> str:
        """The text, without surrounding spaces."""
        return self.text().strip()

    def set_field_value(self, value: str) -> None:
        """Shows a text."""
        self.setText(value or "")

    def connect_changed(self, slot: Callable[..., Any], committed: bool = False) -> None:
        """Calls `slot` when editing is finished (Enter or leaving the field)."""
        self.editingFinished.connect(slot)


Editor = IntEditor | FloatEditor | ChoiceEditor | BoolEditor | TextEditor


def make_editor(section: str, f: dataclasses.Field,
                item_tips: Mapping[str, str] | None = None) -> Editor:
    """Makes the editor of one config field from its metadata, with its tooltip.

    Args:
        section: The field's section (for the tooltip's `section.field`).
        f: The field (see `ganstudio.config.setting`).
        item_tips: For a field with choices: a tooltip per choice.

    Returns:
        A `ChoiceEditor`, `IntEditor`, `FloatEditor` (`LogFloatEditor` for a positive scale),
        `BoolEditor` or `TextEditor`, showing the field's default.

    Raises:
        ValueError: for a field kind no editor knows.
    """
    kind, _ = field_kind(f)
    meta = f.metadata
    editor: Editor
    if meta.get("choices"):
        editor = ChoiceEditor(f, item_tips)
    elif kind == "int":
        editor = IntEditor(f)
    elif kind == "float":
        positive_scale = meta.get("lo") == 0 and meta.get("lo_open")
        editor = LogFloatEditor(f) if positive_scale else FloatEditor(f)
    elif kind == "bool":
        editor = BoolEditor(f)
    elif kind == "str":
        editor = TextEditor(f)
    else:
        raise ValueError(f"{section}.{f.name}: no editor for a field of kind {kind!r}")
    editor.setToolTip(field_tooltip(section, f))
    editor.setObjectName(f"{section}.{f.name}")
    return editor
