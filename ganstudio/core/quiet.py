"""TensorFlow's import without its C++ start-up chatter on stderr (the CLI and the studio)."""

from __future__ import annotations

import os
import sys
import threading

__all__ = ["quiet_tensorflow_import"]

_LOCK = threading.Lock()  # fd 2 is the process's: two threads must not swap it at once


def quiet_tensorflow_import() -> None:
    """Imports TensorFlow with the C++ start-up chatter (oneDNN, CUDA probing) kept off stderr.

    TensorFlow prints those lines before its logging honours TF_CPP_MIN_LOG_LEVEL, so file
    descriptor 2 is pointed at /dev/null for the import alone (in the studio, the training
    thread's first seconds: anything else written to stderr then is lost too). Set
    GANSTUDIO_DEBUG=1, or pass `--verbose`, to see them. Safe from several threads at once:
    one imports, the others wait for it.
    """
    if os.environ.get("GANSTUDIO_DEBUG"):
        return
    with _LOCK:
        if "tensorflow" not in sys.modules:
            _import_with_stderr_closed()


def _import_with_stderr_closed() -> None:
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            import tensorflow as tf

            tf.config.list_physical_devices("GPU")  # probes CUDA, which logs when absent
    finally:
        os.dup2(saved, 2)
        os.close(saved)
