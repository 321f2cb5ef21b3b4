"""Works around a PySide6 bug that crashes long sessions on Python 3.11.

PySide6 6.12.0's `SignalInstance.emit()` drops one reference to `True` on every call made
from Python (measured: 100 emits, `sys.getrefcount(True)` down by 100). On Python 3.12+ `True`
is immortal and nothing happens; on 3.11 its count reaches zero after a few thousand emits
(pyqtgraph emits from Python on every redraw) and the interpreter aborts with
"Fatal Python error: bool_dealloc". `ensure_bool_refcount_safe()` detects the bug once and, if
present, adds a very large number of references to `True`, `False` and `None` (slot calls
lose references to `None` too), which makes them effectively immortal, as on newer Pythons.
Extra references to these singletons are harmless; they are never freed.
"""

from __future__ import annotations

import ctypes
import sys

_applied = False
_HEADROOM = 1 << 40


def signal_emit_leaks_true() -> bool:
    """True when emitting a Qt signal from Python loses a reference to `True`."""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
    return sys.getrefcount(True) < before


def ensure_bool_refcount_safe() -> bool:
    """Applies the workaround once if this PySide6 needs it.

    Returns:
        True when the workaround was applied (now or before).
    """
    global _applied
    if _applied:
        return True
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    if not signal_emit_leaks_true():
        return False
    # `None` and `False` lose references on some slot paths too (seen at interpreter exit).
    for singleton in (True, False, None):
        ctypes.c_ssize_t.from_address(id(singleton)).value += _HEADROOM
    _applied = True
    return True
