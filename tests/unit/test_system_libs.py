"""Before Qt is imported: the display check and the system libraries Qt needs, each missing one
named in one line with the command that installs them (a bare Debian lacks them all)."""

from __future__ import annotations

import subprocess
import sys

from ganstudio import system_libs
from ganstudio.cli import main


def test_has_display():
    assert not system_libs.has_display({}, "linux")
    assert system_libs.has_display({"DISPLAY": ":0"}, "linux")
    assert system_libs.has_display({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert system_libs.has_display({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert system_libs.has_display({}, "darwin") and system_libs.has_display({}, "win32")


def test_uses_xcb():
    uses_xcb = system_libs.uses_xcb
    assert uses_xcb({"DISPLAY": ":0"}, "linux")
    assert not uses_xcb({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert uses_xcb({"DISPLAY": ":0", "WAYLAND_DISPLAY": "w", "QT_QPA_PLATFORM": "xcb"}, "linux")
    assert not uses_xcb({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert not uses_xcb({"DISPLAY": ":0"}, "darwin")


def test_missing_x11_libraries_are_all_named_in_one_line_with_the_install_command():
    absent = {"libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"}
    line = system_libs.gui_blocker({"DISPLAY": ":0"}, "linux", lambda name: name not in absent)
    assert "\n" not in line
    assert "libxcb-cursor.so.0, libxcb-icccm.so.4, libxcb-keysyms.so.1" in line
    assert "sudo apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in line
    assert "dnf install" in line
    # offscreen needs only what Qt itself links to, not the X11 plugin's libraries
    assert system_libs.gui_blocker({"QT_QPA_PLATFORM": "offscreen"}, "linux",
                                   lambda name: name not in absent) is None


def test_a_bare_system_gets_every_qt_library_named_not_a_reinstall_hint():
    line = system_libs.gui_blocker({"DISPLAY": ":0"}, "linux", lambda name: False)
    for soname in ("libglib-2.0.so.0", "libEGL.so.1", "libdbus-1.so.3", "libfreetype.so.6",
                   "libxcb-cursor.so.0"):
        assert soname in line
    assert "libglib2.0-0" in line and "libegl1" in line and "Reinstall" not in line
    assert system_libs.gui_blocker({}, "linux") == system_libs.NO_DISPLAY_MESSAGE
    assert system_libs.gui_blocker({}, "darwin", lambda name: False) is None


def test_the_cli_checks_before_importing_qt(monkeypatch, capsys):
    monkeypatch.setattr(system_libs, "_loads", lambda name: name != "libglib-2.0.so.0")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert main(["gui"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "libglib-2.0.so.0" in line and "apt-get install libglib2.0-0" in line


def test_the_cli_imports_no_qt_when_it_refuses():
    code = ("import sys; from ganstudio import system_libs as s; "
            "s._loads = lambda name: False; from ganstudio.cli import main; "
            "rc = main(['gui']); print(rc, any(m.startswith('PySide6') for m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"DISPLAY": ":0", "PATH": "/usr/bin:/bin"})
    assert proc.stdout.split() == ["2", "False"], proc.stderr
