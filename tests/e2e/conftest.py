"""Runs the real `ganstudio` CLI in a subprocess, offline, with a private keras cache."""

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture
def cli(tmp_path):
    """Returns run(*args) -> CompletedProcess for `python -m ganstudio ARGS` (cwd = tmp_path)."""
    env = {
        **os.environ,
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "KERAS_HOME": str(tmp_path / "keras-home"),
        # any download attempt fails at once instead of reaching the network
        "http_proxy": "http://127.0.0.1:9",
        "https_proxy": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "no_proxy": "",
        "NO_PROXY": "",
    }
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("QT_QPA_PLATFORM", None)

    def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "ganstudio", *map(str, args)],
                              capture_output=True, text=True, env=env, cwd=tmp_path,
                              timeout=timeout)

    return run


def error_lines(stderr: str) -> list[str]:
    """The lines of stderr that the CLI itself wrote (TensorFlow's own log lines left out)."""
    return [line for line in stderr.splitlines() if line.startswith("ganstudio: ")]


@pytest.fixture
def broken_images(tmp_path) -> Path:
    """A folder of files that all fail to load as images, each for a different reason."""
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "empty.png").write_bytes(b"")
    (folder / "text.png").write_text("not an image at all")
    (folder / "cut.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00")
    (folder / "notes.txt").write_text("hello")
    return folder
