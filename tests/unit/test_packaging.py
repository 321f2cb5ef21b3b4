"""The desktop launcher installs from the package's resources, and a wheel carries them."""

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ganstudio.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _exec_command(entry: str) -> Path:
    exec_line = next(line for line in entry.splitlines() if line.startswith("Exec="))
    return Path(exec_line.split("=", 1)[1].split()[0])


def test_install_launcher_writes_launcher_and_icon(tmp_path, capsys):
    assert main(["install-launcher", "--prefix", str(tmp_path)]) == 0
    entry = (tmp_path / "applications" / "ganstudio.desktop").read_text()
    command = _exec_command(entry)
    assert command.name == "ganstudio" and command.exists()
    assert "%F" in entry and "StartupWMClass=GANStudio" in entry
    icon = tmp_path / "icons/hicolor/scalable/apps/ganstudio.svg"
    assert icon.read_bytes() == (ROOT / "resources" / "ganstudio.svg").read_bytes()
    assert "wrote" in capsys.readouterr().out


def test_packaging_script_is_the_same_command(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "packaging" / "install_desktop_entry.py"),
                           "--prefix", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "applications" / "ganstudio.desktop").is_file()


@pytest.mark.skipif(importlib.util.find_spec("setuptools") is None,
                    reason="building a wheel offline needs setuptools in this environment")
def test_wheel_ships_the_launcher_and_icon(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                           "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (wheel,) = tmp_path.glob("ganstudio-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for name in ("ganstudio.desktop", "ganstudio.svg"):
            assert f"ganstudio/resources/{name}" in names
            shipped = archive.read(f"ganstudio/resources/{name}")
            assert shipped == (ROOT / "resources" / name).read_bytes()
