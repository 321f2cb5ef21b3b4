"""The desktop launcher and icon, installed from the package's own resources (a wheel has them).

`ganstudio install-launcher` writes `applications/ganstudio.desktop` (its `Exec` line pointing at
the `ganstudio` command of this Python environment) and the hicolor icon under an XDG data folder,
`~/.local/share` by default.
"""

from __future__ import annotations

import shutil
import sys
from importlib import resources
from pathlib import Path

from ganstudio.errors import GanStudioError

DESKTOP_FILE = "ganstudio.desktop"
ICON_FILE = "ganstudio.svg"


def resource_text(name: str) -> str:
    """The text of one file shipped in `ganstudio/resources` (the wheel carries it).

    Args:
        name: the file's name, e.g. `"ganstudio.desktop"`.

    Returns:
        Its UTF-8 text.

    Raises:
        GanStudioError: when the installation lacks the file.
    """
    item = resources.files("ganstudio") / "resources" / name
    try:
        return item.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        raise GanStudioError(f"this installation of GAN Studio lacks resources/{name}.",
                             "Reinstall it with `pip install --force-reinstall ganstudio`.") \
            from None


def ganstudio_command() -> Path:
    """The `ganstudio` command of this Python environment (or the one on PATH)."""
    command = Path(sys.executable).with_name("ganstudio")
    if command.exists():
        return command
    found = shutil.which("ganstudio")
    if found is None:
        raise GanStudioError("the `ganstudio` command is not installed in this environment.",
                             "Install the package first: `pip install -e .` (or the wheel).")
    return Path(found)


def install(prefix: Path) -> list[Path]:
    """Writes the launcher and the icon under an XDG data folder.

    Args:
        prefix: the data folder, e.g. `~/.local/share`.

    Returns:
        The paths written: the .desktop file, then the icon.
    """
    entry = resource_text(DESKTOP_FILE).replace("Exec=ganstudio", f"Exec={ganstudio_command()}")
    icon = resource_text(ICON_FILE)
    apps = prefix / "applications"
    icons = prefix / "icons" / "hicolor" / "scalable" / "apps"
    apps.mkdir(parents=True, exist_ok=True)
    icons.mkdir(parents=True, exist_ok=True)
    desktop = apps / DESKTOP_FILE
    desktop.write_text(entry, encoding="utf-8")
    svg = icons / ICON_FILE
    svg.write_text(icon, encoding="utf-8")
    return [desktop, svg]
