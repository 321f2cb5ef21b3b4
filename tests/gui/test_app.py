"""Launching: the display check, the arguments, and the window appearing before TensorFlow."""

from __future__ import annotations

import os
import subprocess
import sys

from ganstudio.ui import app


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
