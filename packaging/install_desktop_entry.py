"""Installs GAN Studio's launcher and icon for the current user (Linux desktops, XDG).

    python packaging/install_desktop_entry.py            # into ~/.local/share
    python packaging/install_desktop_entry.py --prefix /tmp/x --print

It writes `applications/ganstudio.desktop` (its Exec line pointing at the `ganstudio` command of
this Python environment) and `icons/hicolor/scalable/apps/ganstudio.svg`.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def install(prefix: Path) -> list[Path]:
    """Writes the launcher and icon under `prefix` (an XDG data folder); returns their paths."""
    command = Path(sys.executable).with_name("ganstudio")
    if not command.exists():
        found = shutil.which("ganstudio")
        if found is None:
            raise SystemExit("ganstudio: error: the `ganstudio` command is not installed in this "
                             "environment; run `pip install -e .` first.")
        command = Path(found)
    entry = (ROOT / "resources" / "ganstudio.desktop").read_text(encoding="utf-8")
    entry = entry.replace("Exec=ganstudio", f"Exec={command}")
    apps = prefix / "applications"
    icons = prefix / "icons" / "hicolor" / "scalable" / "apps"
    apps.mkdir(parents=True, exist_ok=True)
    icons.mkdir(parents=True, exist_ok=True)
    desktop = apps / "ganstudio.desktop"
    desktop.write_text(entry, encoding="utf-8")
    written = [desktop]
    icon = ROOT / "resources" / "ganstudio.svg"
    if icon.is_file():
        shutil.copyfile(icon, icons / "ganstudio.svg")
        written.append(icons / "ganstudio.svg")
    return written


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", type=Path, default=Path.home() / ".local" / "share")
    parser.add_argument("--print", action="store_true", help="print the launcher after writing")
    args = parser.parse_args()
    for path in install(args.prefix):
        print(f"wrote {path}")
        if args.print and path.suffix == ".desktop":
            print(path.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
