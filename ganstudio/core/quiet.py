"""TensorFlow's import without its C++ start-up chatter on stderr (the CLI and the studio)."""

from __future__ import annotations

import os
import sys

__all__ = ["quiet_tensorflow_import"]


def quiet_tensorflow_import() -> None:
    """Imports TensorFlow with the C++ start-up chatter (oneDNN, CUDA probing) kept off stderr.

    TensorFlow prints those lines before its logging honours TF_CPP_MIN_LOG_LEVEL, so file
    descriptor 2 is pointed at /dev/null for the import alone (in the studio, the training
    thread's first seconds: anything else written to stderr then is lost too). Set
    GANSTUDIO_DEBUG=1, or pass `--verbose`, to see them.
    """
    if os.environ.get("GANSTUDIO_DEBUG") or "tensorflow" in sys.modules:
        return
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
