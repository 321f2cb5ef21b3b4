"""Launching: the display check, the arguments, and the window appearing before TensorFlow."""

from __future__ import annotations

import os
import subprocess
import sys

from ganstudio.ui import app


def test_has_display():
    assert not app.has_display({}, "linux")
    assert app.has_display({"DISPLAY": ":0"}, "linux")
    assert app.has_display({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert app.has_display({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert app.has_display({}, "darwin") and app.has_display({}, "win32")


def test_without_a_display_it_says_so_in_one_line_and_exits_2(monkeypatch, capsys):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert app.main([]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "no display" in err and "ganstudio train" in err


def test_uses_xcb():
    from ganstudio.ui.system_libs import uses_xcb

    assert uses_xcb({"DISPLAY": ":0"}, "linux")
    assert not uses_xcb({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert uses_xcb({"DISPLAY": ":0", "WAYLAND_DISPLAY": "w", "QT_QPA_PLATFORM": "xcb"}, "linux")
    assert not uses_xcb({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert not uses_xcb({"DISPLAY": ":0"}, "darwin")


def test_missing_x11_libraries_are_all_named_in_one_line_with_the_install_command(
        monkeypatch, capsys):
    from ganstudio.ui import system_libs

    absent = {"libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"}
    assert system_libs.missing_libraries(lambda name: name not in absent) == [
        "libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setattr(app, "missing_libraries", lambda: sorted(absent))
    assert app.main([]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "libxcb-cursor.so.0, libxcb-icccm.so.4, libxcb-keysyms.so.1" in line
    assert "sudo apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in line
    assert "dnf install" in line


def test_arguments():
    args = app.parse_args(["--demo-steps", "5", "--screenshot", "x.png", "--dataset", "digits"])
    assert (args.demo_steps, args.screenshot, args.dataset) == (5, "x.png", "digits")
    assert app.parse_args(["--screenshot", "y.png"]).demo_steps == 200


def test_the_window_shows_before_tensorflow_is_imported(tmp_path):
    code = (
        "import sys, time\n"
        "t0 = time.perf_counter()\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from PySide6.QtCore import QSettings\n"
        "from ganstudio.ui import theme\n"
        "from ganstudio.ui.main_window import MainWindow\n"
        "qapp = QApplication([])\n"
        "theme.apply_theme(qapp)\n"
        f"w = MainWindow(settings=QSettings(r'{tmp_path / 's.ini'}', QSettings.Format.IniFormat),"
        " param_counter=None)\n"
        "w.show(); qapp.processEvents()\n"
        "print('tf' if 'tensorflow' in sys.modules else 'no-tf', time.perf_counter() - t0)\n"
        "w.close()\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    verdict, seconds = out.stdout.split()[-2:]
    assert verdict == "no-tf"
    assert float(seconds) < 10  # the benchmark reports the real launch time
