"""A non-modal message banner at the top of the window (errors, warnings, results)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton

from ganstudio.ui import theme

_LEVEL_COLORS = {"error": theme.ERROR, "warning": theme.WARNING, "info": theme.INFO}


class MessageBanner(QFrame):
    """Shows one message with a colored stripe and a close button; never blocks.

    Signals:
        dismissed(): the user closed the banner.
    """

    dismissed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.level = "info"
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        self._label = QLabel()
        self._label.setWordWrap(True)
        self._label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self._label, 1)
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Dismiss")
        close.setAutoRaise(True)
        close.clicked.connect(self.dismiss)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_message(self, text: str, level: str = "info") -> None:
        """Shows `text`; `level` is "error", "warning" or "info" (sets the color)."""
        self.level = level if level in _LEVEL_COLORS else "info"
        color = _LEVEL_COLORS[self.level]
        self.setStyleSheet(
            f"QFrame#banner {{ background: {color}26; border: 1px solid {color};"
            f" border-left: 5px solid {color}; border-radius: 4px; }}"
            f" QFrame#banner QLabel, QFrame#banner QToolButton {{ background: transparent; }}")
        self._label.setText(text)
        self.show()

    def text(self) -> str:
        """The message shown (empty when hidden)."""
        return "" if self.isHidden() else self._label.text()

    def dismiss(self) -> None:
        """Hides the banner."""
        self.hide()
        self._label.setText("")
        self.dismissed.emit()
