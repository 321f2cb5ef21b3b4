"""Makes Qt unimportable, as if PySide6 and pyqtgraph were not installed (CI's core check)."""

import importlib.abc
import sys

BLOCKED = ("PySide6", "shiboken6", "pyqtgraph", "pytestqt")


class _NoQt(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {fullname!r} (Qt is blocked in this run)")
        return None


sys.meta_path.insert(0, _NoQt())
