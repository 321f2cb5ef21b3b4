"""The system libraries Qt needs on Linux, checked before PySide6 is imported.

Without one of them PySide6 fails to import (`libglib-2.0.so.0: cannot open shared object
file`), or Qt aborts the process (exit 134) naming only the first library its X11 plugin missed.
So on Linux the CLI loads each one first and, if any is missing, prints one line that names all
of them and the command that installs them, and exits 2. Also the "no display" line.
No Qt here (and not under `ganstudio.ui`, whose import loads Qt).
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Mapping

__all__ = ["NO_DISPLAY_MESSAGE", "QT_LIBRARIES", "XCB_LIBRARIES", "gui_blocker", "has_display",
           "missing_libraries", "missing_libraries_message", "uses_xcb"]

NO_DISPLAY_MESSAGE = (
    "ganstudio: no display found (DISPLAY/WAYLAND_DISPLAY unset), so the studio cannot open; "
    "train headless with `ganstudio train --dataset ring8 --out runs/ring8`."
)

# soname -> (Debian/Ubuntu package, Fedora package): what PySide6's QtCore, QtGui and
# QtWidgets link to (their ELF NEEDED entries) on every platform, offscreen included; a bare
# Debian lacks all of them
QT_LIBRARIES: dict[str, tuple[str, str]] = {
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
}

# what the X11 platform plugin (libqxcb.so, libQt6XcbQpa.so.6) links to beyond those
XCB_LIBRARIES: dict[str, tuple[str, str]] = {
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
}

_PACKAGES = {**QT_LIBRARIES, **XCB_LIBRARIES}


def has_display(environ: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """True when a window can be shown (or Qt was told which platform to use).

    Args:
        environ: The environment (default `os.environ`).
        platform: `sys.platform` (default the running one); only Linux and BSDs need a
            display server.
    """
    env = os.environ if environ is None else environ
    plat = sys.platform if platform is None else platform
    if not plat.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") or env.get("QT_QPA_PLATFORM"))


def uses_xcb(environ: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """True when Qt will use its X11 (`xcb`) plugin: on Linux, with `QT_QPA_PLATFORM` unset or
    `xcb`, and an X display but no Wayland one."""
    env = os.environ if environ is None else environ
    plat = sys.platform if platform is None else platform
    if not plat.startswith("linux"):
        return False
    chosen = env.get("QT_QPA_PLATFORM", "").split(":")[0].strip()
    if chosen:
        return chosen == "xcb"
    return bool(env.get("DISPLAY")) and not env.get("WAYLAND_DISPLAY")


def _loads(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def missing_libraries(loads: Callable[[str], bool] = _loads, xcb: bool = True) -> list[str]:
    """The sonames of `QT_LIBRARIES` (and with `xcb`, `XCB_LIBRARIES`) that cannot be loaded.

    Args:
        loads: Tries to load one library (default: `ctypes.CDLL`).
        xcb: Also check the X11 plugin's libraries.
    """
    wanted = [*QT_LIBRARIES, *(XCB_LIBRARIES if xcb else ())]
    return [soname for soname in wanted if not loads(soname)]


def missing_libraries_message(missing: list[str]) -> str:
    """One line naming the missing libraries and the install commands."""
    debian = sorted({_PACKAGES[s][0] for s in missing})
    fedora = sorted({_PACKAGES[s][1] for s in missing})
    return (f"ganstudio: the studio window needs system libraries that are missing: "
            f"{', '.join(missing)}. Install them with `sudo apt-get install {' '.join(debian)}` "
            f"(Fedora: `sudo dnf install {' '.join(fedora)}`), or train headless with "
            "`ganstudio train`.")


def gui_blocker(environ: Mapping[str, str] | None = None, platform: str | None = None,
                loads: Callable[[str], bool] | None = None) -> str | None:
    """Why the studio window cannot open here, as one line, or `None` when it can.

    Args:
        environ: The environment (default `os.environ`).
        platform: `sys.platform` (default the running one).
        loads: Tries to load one library (default: `ctypes.CDLL`).
    """
    plat = sys.platform if platform is None else platform
    if not has_display(environ, plat):
        return NO_DISPLAY_MESSAGE
    if not plat.startswith("linux"):
        return None
    missing = missing_libraries(loads or _loads, xcb=uses_xcb(environ, plat))
    return missing_libraries_message(missing) if missing else None
