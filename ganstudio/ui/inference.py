"""Latent-space inference off the GUI thread, keeping only the newest request.

The latent explorer asks for samples as its sliders move; `InferenceService` lives in its own
QThread, keeps at most one pending request (a newer one replaces an older one that has not
started), calls the current generator (the live session's `generate`, or a `LoadedGenerator`
from File > Open model...) and sends `samples_ready(request_id, samples)` back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from ganstudio.errors import ModelError
from ganstudio.ui.threads import LoopThread, error_text

Generator = Callable[[np.ndarray], np.ndarray]


def load_exported_generator(path: str) -> tuple[Generator, int, str, dict[str, Any]]:
    """Loads an export (or a run folder holding one); call it off the GUI thread (TensorFlow).

    Args:
        path: An export folder or a run folder with `generator/`.

    Returns:
        `(generator, latent_dim, kind, metadata)`.

    Raises:
        ModelError: when the folder holds no GAN Studio export.
    """
    from ganstudio.core.export import LoadedGenerator

    gen = LoadedGenerator(path)
    if not gen.has_latent:
        from ganstudio.errors import ModelError

        raise ModelError(f"the {gen.metadata.get('family', '')} model at {str(path)!r} has no "
                         "latent space to explore: it draws its samples from a count (an RBM's "
                         "Gibbs chains).", "Use `ganstudio sample --model PATH` for its "
                         "samples; the latent explorer takes the other families' models.")
    kind = str(gen.metadata.get("kind", "images"))
    return gen, gen.latent_dim, kind, dict(gen.metadata)


def conditions_from_metadata(meta: dict[str, Any]) -> dict[str, Any] | None:
    """The condition an export takes and its choices, read from its metadata (None for an
    unconditional export)."""
    sigs = meta.get("signatures") or {}
    inputs = (sigs.get("serving_default") or {}).get("inputs") or []
    name = next((str(i.get("name")) for i in inputs if i.get("name") != "z"), None)
    if name is None:
        return None
    if name == "label":
        return {"name": name, "choices": [str(c) for c in meta.get("class_names") or []]}
    return {"name": name, "choices": [str(c) for c in meta.get("captions") or []],
            "vocabulary": [str(w) for w in meta.get("vocabulary") or [] if w and w != "[UNK]"]}


class InferenceService(QObject):
    """Runs a generator on latent vectors in its own thread; only the newest request counts.

    Args:
        loader: Loads a model folder into `(generator, latent_dim, kind, metadata)`
            (injectable for tests; defaults to `load_exported_generator`).

    Signals:
        samples_ready(int, object): a request id and its samples (data units, numpy).
        conditions_changed(object): what a conditional generator takes (`{"name": "label" or
            "caption", "choices": [...]}`) or None; sent by `set_generator` just before
            `generator_changed`, so the explorer picks a condition before it asks for samples.
        generator_changed(int, str, str): latent size, data kind ("images"/"points") and a
            description after `set_generator` or a successful `open_model`.
        errored(str, str): a readable message and its kind.
    """

    samples_ready = Signal(int, object)
    conditions_changed = Signal(object)
    generator_changed = Signal(int, str, str)
    errored = Signal(str, str)

    def __init__(self, loader: Callable[[str], tuple] | None = None) -> None:
        super().__init__()
        self._loader = loader or load_exported_generator
        self._lock = threading.Lock()
        # the newest request not yet started, one per purpose (sample, strips, reference...)
        self._pending: dict[str, tuple[int, np.ndarray]] = {}
        self._generator: Generator | None = None
        self._latent_dim = 0
        self._condition: Any = None
        self.handled = 0
        self.dropped = 0
        self.loop = LoopThread("ganstudio-inference")
        self.thread_ = self.loop.thread_

    # -- GUI thread ------------------------------------------------------------------------------

    def set_generator(self, generator: Generator | None, latent_dim: int, kind: str,
                      description: str = "", conditions: dict[str, Any] | None = None) -> None:
        """Uses `generator` from now on (e.g. the live session's `generate`).

        Args:
            generator: z [N, latent] -> samples in data units; None turns inference off.
            latent_dim: Size of z.
            kind: "images" or "points".
            description: Shown to the user (e.g. "live session, step 1200").
            conditions: For a conditional generator, its condition and choices.
        """
        with self._lock:
            self._generator = generator
            self._latent_dim = int(latent_dim)
            self._condition = None
        if generator is not None:
            self.conditions_changed.emit(conditions)
            self.generator_changed.emit(int(latent_dim), kind, description)

    def set_condition(self, condition: Any) -> None:
        """The condition later requests pass to a conditional generator (a label or caption;
        `None` for an unconditional one). Connect the explorer's `condition_changed` here."""
        with self._lock:
            self._condition = condition

    @property
    def has_generator(self) -> bool:
        """True when a generator is set."""
        return self._generator is not None

    def open_model(self, path: str) -> None:
        """Loads an export or run folder in the service thread, then uses it."""
        self.loop.call(lambda: self._open(str(path)))

    @Slot(int, object)
    def request(self, request_id: int, z: Any, purpose: str = "") -> None:
        """Asks for G(z); replaces a request of the same purpose that has not started yet.

        Requests of other purposes are kept and answered in turn: a slider drag coalesces into
        its newest sample, but never pushes out the interpolation strips or the reference
        batch asked for just before it.

        Args:
            request_id: Sent back with the samples.
            z: Latents [N, latent_dim].
            purpose: What the request is for (the latent explorer's throttle purposes).
        """
        z = np.asarray(z, np.float32)
        with self._lock:
            if purpose in self._pending:
                self.dropped += 1
            wake = not self._pending
            self._pending[purpose] = (int(request_id), z)
        if wake:
            self.loop.call(self._process)

    def shutdown(self, timeout_ms: int = 60_000) -> bool:
        """Joins the service thread (after the current request)."""
        with self._lock:
            self._pending.clear()
        return self.loop.shutdown(timeout_ms)

    # -- service thread --------------------------------------------------------------------------

    def _process(self) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    return
                job = self._pending.pop(next(iter(self._pending)))
                generator = self._generator
                latent = self._latent_dim
                condition = self._condition
            request_id, z = job
            if generator is None:
                continue
            try:
                if latent and z.ndim == 2 and z.shape[1] != latent:
                    raise ModelError(f"z has {z.shape[1]} dimensions; the generator takes "
                                     f"{latent}.", "Reopen the model in the latent explorer.")
                samples = np.asarray(generator(z) if condition is None
                                     else generator(z, condition))
            except Exception as exc:  # noqa: BLE001 - shown in the window
                self.errored.emit(*error_text(exc))
                continue
            self.handled += 1
            self.samples_ready.emit(request_id, samples)

    def _open(self, path: str) -> None:
        try:
            generator, latent_dim, kind, meta = self._loader(path)
        except Exception as exc:  # noqa: BLE001 - shown in the window
            self.errored.emit(*error_text(exc))
            return
        desc = (f"{meta.get('dataset', '?')} · {meta.get('net', '?')} · "
                f"{meta.get('objective', '?')} · step {meta.get('steps', '?')}")
        self.set_generator(generator, latent_dim, kind, f"model {path} ({desc})",
                           conditions_from_metadata(meta))
