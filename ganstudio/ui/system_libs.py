"""The X11 system libraries Qt's `xcb` platform plugin needs, checked before Qt starts.

Without one of them Qt aborts the process (exit 134) with a message that names only the first
library it missed. So on Linux under X11 the studio loads each one first and, if any is
missing, prints one line that names all of them and the command that installs them.
No Qt here: this runs before PySide6 is imported.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Mapping

__all__ = ["XCB_LIBRARIES", "missing_libraries", "missing_libraries_message", "uses_xcb"]

# soname -> (Debian/Ubuntu package, Fedora package): what PySide6's libqxcb.so and
# libQt6XcbQpa.so.6 link to (their ELF NEEDED entries), beyond what every Qt program needs
XCB_LIBRARIES: dict[str, tuple[str, str]] = {
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
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
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
}


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


def missing_libraries(loads: Callable[[str], bool] = _loads) -> list[str]:
    """The sonames of `XCB_LIBRARIES` that cannot be loaded.

    Args:
        loads: Tries to load one library (default: `ctypes.CDLL`).
    """
    return [soname for soname in XCB_LIBRARIES if not loads(soname)]


def missing_libraries_message(missing: list[str]) -> str:
    """One line naming the missing libraries and the install commands."""
    debian = sorted({XCB_LIBRARIES[s][0] for s in missing})
    fedora = sorted({XCB_LIBRARIES[s][1] for s in missing})
    return (f"ganstudio: the studio window needs X11 libraries that are missing: "
            f"{', '.join(missing)}. Install them with `sudo apt-get install {' '.join(debian)}` "
            f"(Fedora: `sudo dnf install {' '.join(fedora)}`), or train headless with "
            "`ganstudio train`.")
