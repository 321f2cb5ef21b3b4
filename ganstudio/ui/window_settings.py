"""What the studio remembers between sessions, in `QSettings`.

The window's geometry, toolbar state and splitter; the last settings (as the config's JSON);
the last dataset; and the recently opened data files and folders. Everything read back is
checked: a stale or damaged value is skipped, never an error.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtGui import QGuiApplication

from ganstudio.config import RunConfig
from ganstudio.errors import GanStudioError

__all__ = ["APPLICATION", "MAX_RECENT", "ORGANIZATION", "WindowSettings", "default_settings"]

ORGANIZATION = "GANStudio"
APPLICATION = "GANStudio"
MAX_RECENT = 8


def default_settings() -> QSettings:
    """The user's settings store (organization and application "GANStudio")."""
    return QSettings(ORGANIZATION, APPLICATION)


class WindowSettings:
    """Persistence of `MainWindow`'s layout, choices and recent data (a mixin).

    It reads and writes the window's `settings` store and uses its `setup`, `main_splitter`,
    `data_source` and `current_config`.
    """

    def _save_choices(self) -> None:
        try:
            cfg = self.current_config()
        except GanStudioError:
            return
        self.settings.setValue("run/config", cfg.to_json())
        if isinstance(self.data_source, str):
            self.settings.setValue("data/last", self.data_source)

    def _restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        self.fit_to_screen()  # the default size (1440 × 900) too, on a smaller screen
        state = self.settings.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        splitter = self.settings.value("window/splitter")
        if isinstance(splitter, QByteArray):
            self.main_splitter.restoreState(splitter)
        raw = self.settings.value("run/config")
        if raw:
            with contextlib.suppress(GanStudioError, ValueError, TypeError):
                self.setup.set_config(RunConfig.from_dict(json.loads(str(raw))))
        for path in reversed(self._recent()):
            if Path(path).exists():
                self.setup.add_recent(path)

    def fit_to_screen(self) -> None:
        """Shrinks and moves the window onto its screen's free area (a geometry saved on a
        larger screen, or grown past it, would otherwise come back off-screen)."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        free = screen.availableGeometry()
        width = min(self.width(), free.width())
        height = min(self.height(), free.height())
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        frame = self.frameGeometry()
        x = min(max(frame.x(), free.left()), free.right() - frame.width() + 1)
        y = min(max(frame.y(), free.top()), free.bottom() - frame.height() + 1)
        if (x, y) != (frame.x(), frame.y()):
            self.move(max(x, free.left()), max(y, free.top()))

    def save_settings(self) -> None:
        """Writes geometry, layout, the last choices and recent datasets to the settings."""
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("window/splitter", self.main_splitter.saveState())
        self._save_choices()
        self.settings.sync()

    def _remember_recent(self, path: str) -> None:
        recent = [p for p in self._recent() if p != path]
        recent.insert(0, path)
        self.settings.setValue("data/recent", json.dumps(recent[:MAX_RECENT]))

    def _recent(self) -> list[str]:
        try:
            return [str(p) for p in json.loads(str(self.settings.value("data/recent", "[]")))]
        except (TypeError, ValueError):
            return []
