"""The desktop launcher installs and points at this environment's `ganstudio`."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_install_desktop_entry_writes_launcher_and_icon(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "packaging" / "install_desktop_entry.py"),
                           "--prefix", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    entry = (tmp_path / "applications" / "ganstudio.desktop").read_text()
    exec_line = next(line for line in entry.splitlines() if line.startswith("Exec="))
    command = exec_line.split("=", 1)[1].split()[0]
    assert Path(command).name == "ganstudio" and Path(command).exists()
    assert (tmp_path / "icons/hicolor/scalable/apps/ganstudio.svg").read_text().startswith("<svg")
