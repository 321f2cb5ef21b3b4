"""Translating the user's images with a finished translation model, off the GUI thread.

`TranslationService` runs in the inference service's thread (one thread calls TensorFlow for
the studio's models): it reads a dropped image at the model's input size, runs each direction
the model has (the live session's recipe through the worker, or an export opened with File >
Open model…) and sends `translated(request_id, result)` back. As in `InferenceService`, only
the newest pending request counts.

The dropped image is translated each way the model goes (A → B and B → A): a user's image need
not say which domain it is from, and one of the two shows what the model does to it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from ganstudio.errors import ModelError
from ganstudio.ui.threads import LoopThread, error_text

__all__ = ["TranslationResult", "TranslationService", "load_exported_translator"]


def load_exported_translator(path: str) -> Any:
    """Loads a translation export (or a run folder holding one) as a `Translator`; call it
    off the GUI thread (TensorFlow).

    Raises:
        ModelError: when the folder holds no translation export.
    """
    from ganstudio.core.quiet import quiet_tensorflow_import
    from ganstudio.core.translator import LoadedTranslator

    quiet_tensorflow_import()
    return LoadedTranslator(path)


def read_input(path: str, shape: tuple[int, ...]) -> np.ndarray:
    """Reads an image file at the model's input shape (numpy and Pillow: any thread)."""
    from ganstudio.core.translator import read_image

    return read_image(path, shape)


class TranslationResult(dict):
    """What one request gave: `input` (the image read, [H, W, C] in [0, 1]), `source` (the
    file's name) and `outputs` (direction -> the input translated that way, [H, W, C])."""


class TranslationService(QObject):
    """Translates images with the current translation model, in a `LoopThread`.

    Args:
        loop: The thread it runs in (the window shares the inference service's).
        loader: Loads an export folder into a `Translator` (tests inject a fake).

    Signals:
        model_changed(object): the new `Translator` (or None when it is cleared).
        translated(int, object): a request id and its `TranslationResult`.
        errored(str, str): a request failed (a file that is not an image, ...): a readable
            message and its kind.
        open_failed(str, str): `open_model` failed: a readable message and its kind.
    """

    model_changed = Signal(object)
    translated = Signal(int, object)
    errored = Signal(str, str)
    open_failed = Signal(str, str)

    def __init__(self, loop: LoopThread, loader: Callable[[str], Any] | None = None) -> None:
        super().__init__()
        self.loop = loop
        self._loader = loader or load_exported_translator
        self._lock = threading.Lock()
        self._pending: tuple[int, str | np.ndarray] | None = None
        self._translator: Any = None
        self.handled = 0
        self.dropped = 0

    # -- GUI thread ------------------------------------------------------------------------------

    @property
    def translator(self) -> Any:
        """The current `Translator`, or None."""
        return self._translator

    def set_translator(self, translator: Any) -> None:
        """Uses `translator` from now on (None: no model)."""
        with self._lock:
            self._translator = translator
        self.model_changed.emit(translator)

    def open_model(self, path: str) -> None:
        """Loads a translation export in the service thread, then uses it."""
        self.loop.call(lambda: self._open(str(path)))

    def request(self, request_id: int, source: str | np.ndarray) -> None:
        """Asks to translate an image file (or an image array [H, W, C] in [0, 1]) each way
        the model goes; replaces a request that has not started yet.

        Args:
            request_id: Sent back with the result.
            source: An image file's path, or the image itself.
        """
        with self._lock:
            if self._pending is not None:
                self.dropped += 1
            wake = self._pending is None
            self._pending = (int(request_id), source)
        if wake:
            self.loop.call(self._process)

    # -- service thread --------------------------------------------------------------------------

    def _process(self) -> None:
        while True:
            with self._lock:
                job, self._pending = self._pending, None
                translator = self._translator
            if job is None:
                return
            request_id, source = job
            try:
                result = self._translate(translator, source)
            except Exception as exc:  # noqa: BLE001 - shown in the window
                self.errored.emit(*error_text(exc))
                continue
            self.handled += 1
            self.translated.emit(request_id, result)

    @staticmethod
    def _translate(translator: Any, source: str | np.ndarray) -> TranslationResult:
        """Reads the input at each direction's input shape and translates it that way."""
        if translator is None:
            raise ModelError("no translation model is open.", "Train a translation family or "
                             "open its export with File > Open model….")
        if translator.kind != "images":
            raise ModelError("this model translates 2D points, not images.",
                             "The Training tab's translation field draws its mapping.")
        outputs: dict[str, np.ndarray] = {}
        first: np.ndarray | None = None
        for direction in translator.directions:
            shape = translator.input_shape(direction)
            if isinstance(source, np.ndarray):
                x = np.asarray(source, np.float32).reshape(1, *shape)
            else:
                x = read_input(source, shape)
            first = x[0] if first is None else first
            outputs[direction] = translator(x, direction)[0]
        name = "image" if isinstance(source, np.ndarray) else Path(source).name
        return TranslationResult(input=first, source=name, outputs=outputs)

    def _open(self, path: str) -> None:
        try:
            translator = self._loader(path)
        except Exception as exc:  # noqa: BLE001 - shown in the window
            self.open_failed.emit(*error_text(exc))
            return
        self.set_translator(translator)
