"""Installs GAN Studio's launcher and icon for the current user (Linux desktops, XDG).

    python packaging/install_desktop_entry.py            # into ~/.local/share
    python packaging/install_desktop_entry.py --prefix /tmp/x --print

The same as `ganstudio install-launcher`: it writes `applications/ganstudio.desktop` (its Exec
line pointing at the `ganstudio` command of this Python environment) and
`icons/hicolor/scalable/apps/ganstudio.svg`, from the resources the package ships.
"""

from __future__ import annotations

import sys

if __name__ == "__main__":
    from ganstudio.cli import main

    sys.exit(main(["install-launcher", *sys.argv[1:]]))
