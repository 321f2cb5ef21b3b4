"""A non-modal message banner at the top of the window (errors, warnings, results)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton

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
        self.action_button = QPushButton()
        self.action_button.hide()
        self.action_button.clicked.connect(self._run_action)
        self._action: Callable[[], object] | None = None
        layout.addWidget(self.action_button, 0, Qt.AlignmentFlag.AlignVCenter)
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Dismiss")
        close.setAutoRaise(True)
        close.clicked.connect(self.dismiss)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_message(self, text: str, level: str = "info",
                     action: tuple[str, Callable[[], object]] | None = None) -> None:
        """Shows `text`; `level` is "error", "warning" or "info" (sets the color).

        Args:
            text: The message.
            level: Its color.
            action: `(label, callback)` for a button beside the message (the banner closes
                when it is pressed), or `None`.
        """
        self._action = action[1] if action is not None else None
        self.action_button.setText(action[0] if action is not None else "")
        self.action_button.setVisible(action is not None)
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
        self._action = None
        self.action_button.hide()
        self.dismissed.emit()

    def _run_action(self) -> None:
        action = self._action
        self.dismiss()
        if action is not None:
            action()
