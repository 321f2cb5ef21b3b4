"""The "Translate an image" box: drop an image on a finished translation model and see it
translated each way, beside the input.

The box only asks (`translate_requested`) and shows (`show_result`, `show_error`); the window
sends the request to the `TranslationService`, which reads the image and runs the model off
the GUI thread. A result that comes back after a newer request went out is not shown.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDropEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ganstudio.core.translator import DIRECTIONS, direction_label
from ganstudio.ui import theme
from ganstudio.ui.history import to_uint8

__all__ = ["TranslateBox"]

NO_MODEL = ("No translation model yet: train a translation family (CycleGAN, direct "
            "translation or UNIT) on two domains, or open a translation export with "
            "File > Open model….")


class _Picture:
    """One titled image: a label over a view box (in one plot with the others) holding an
    image item."""

    def __init__(self, layout: pg.GraphicsLayoutWidget, col: int, title: str) -> None:
        self.label = QLabel(title)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # labels of any length keep the three columns equal (and over their pictures)
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.box = layout.addViewBox(row=0, col=col, lockAspect=True, invertY=True,
                                     enableMouse=False)
        self.item = pg.ImageItem(axisOrder="row-major")
        self.item.setBorder(pg.mkPen("#3a3f4b"))  # a dark image's edge on the dark plot
        self.box.addItem(self.item)
        layout.ci.layout.setColumnStretchFactor(col, 1)  # three equal pictures
        self.image: np.ndarray | None = None  # uint8 [H, W] or [H, W, 3] shown

    def show(self, image: np.ndarray | None) -> None:
        if image is None:
            self.item.clear()
            self.image = None
            return
        pixels = to_uint8(image)
        pixels = pixels[..., 0] if pixels.shape[-1] == 1 else pixels[..., :3]
        self.item.setImage(pixels, levels=(0, 255), autoLevels=False)
        self.box.setRange(QRectF(0, 0, pixels.shape[1], pixels.shape[0]), padding=0.02)
        self.image = pixels


class TranslateBox(QWidget):
    """Drop (or choose) an image; see it beside its translations A → B and B → A.

    Signals:
        translate_requested(int, str): a request id and the image file to translate.
    """

    translate_requested = Signal(int, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self._request_id = 0
        self.translator = None
        self.result = None  # the `TranslationResult` shown
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        head = QHBoxLayout()
        title = QLabel("Translate an image")
        title.setObjectName("viewTitle")
        head.addWidget(title)
        head.addStretch(1)
        self.model_label = QLabel("")
        self.model_label.setObjectName("caption")
        head.addWidget(self.model_label)
        layout.addLayout(head)

        self.drop_zone = QFrame()
        self.drop_zone.setObjectName("dropZone")
        zone = QHBoxLayout(self.drop_zone)
        zone.setContentsMargins(10, 8, 10, 8)
        self.hint = QLabel(NO_MODEL)
        self.hint.setObjectName("caption")
        self.hint.setWordWrap(True)
        zone.addWidget(self.hint, 1)
        self.choose_button = QPushButton("Choose image…")
        self.choose_button.setToolTip("Pick an image file to translate")
        self.choose_button.clicked.connect(self.choose_image)
        zone.addWidget(self.choose_button)
        layout.addWidget(self.drop_zone)
        self.message = QLabel("")  # what happened to the last request, under where it was made
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)

        self.view = theme.plot_widget(layout=True)
        self.view.setMinimumHeight(200)
        self.pictures = {"input": _Picture(self.view, 0, "Input")}
        for col, direction in enumerate(DIRECTIONS, start=1):
            self.pictures[direction] = _Picture(self.view, col, direction_label(direction))
        titles = QHBoxLayout()
        for picture in self.pictures.values():
            titles.addWidget(picture.label, 1)
        layout.addLayout(titles)
        layout.addWidget(self.view, 1)
        self.set_model(None)

    # -- model -----------------------------------------------------------------------------------

    def set_model(self, translator: object | None) -> None:
        """Shows which model translates (a `Translator`), or that there is none."""
        self.translator = translator
        ready = translator is not None and getattr(translator, "kind", "images") == "images"
        self.choose_button.setEnabled(ready)
        self.clear()
        if translator is None:
            self.hint.setText(NO_MODEL)
            self.model_label.setText("")
            return
        names = tuple(translator.names)
        self.model_label.setText(getattr(translator, "description", "") or "")
        if not ready:
            self.hint.setText(f"This model translates 2D points ({names[0]} ⇄ {names[1]}): the "
                              "Training tab's translation field draws its mapping.")
            return
        self.hint.setText(f"Drop an image here (PNG, JPEG, …), from {names[0]} or "
                          f"{names[1]}: it is translated both ways.")
        for direction in DIRECTIONS:
            picture = self.pictures[direction]
            known = direction in translator.directions
            text = direction_label(direction, names) if known else f"{direction}: not in model"
            picture.label.setText(text)
            picture.label.setEnabled(known)

    def clear(self) -> None:
        """Empties the pictures and the message."""
        self.result = None
        for picture in self.pictures.values():
            picture.show(None)
        self.pictures["input"].label.setText("Input")
        self.message.setText("")

    # -- requests --------------------------------------------------------------------------------

    def translate_file(self, path: str) -> int:
        """Asks for `path` to be translated; returns the request's id (0: no model)."""
        if self.translator is None:
            self.show_error(NO_MODEL)
            return 0
        self._request_id += 1
        self.message.setStyleSheet(f"color: {theme.MUTED};")
        self.message.setText(f"translating {Path(path).name}…")
        self.translate_requested.emit(self._request_id, str(path))
        return self._request_id

    def choose_image(self) -> None:
        """Asks for an image file and translates it."""
        from ganstudio.ui.data_sources import image_suffixes

        pattern = " ".join(f"*{s}" for s in image_suffixes())
        path, _ = QFileDialog.getOpenFileName(self, "Translate an image", str(Path.home()),
                                              f"Images ({pattern});;All files (*)")
        if path:
            self.translate_file(path)

    def show_result(self, request_id: int, result: dict) -> bool:
        """Shows a result (a `TranslationResult`) unless a newer request went out since.

        Returns:
            True when it was shown.
        """
        if request_id != self._request_id:
            return False
        self.result = result
        self.pictures["input"].show(result["input"])
        self.pictures["input"].label.setText(f"Input: {result.get('source', 'image')}")
        for direction in DIRECTIONS:
            self.pictures[direction].show(result["outputs"].get(direction))
        self.message.setText("")
        return True

    def show_error(self, message: str) -> None:
        """Says what went wrong with the last request (the pictures are cleared)."""
        for picture in self.pictures.values():
            picture.show(None)
        self.pictures["input"].label.setText("Input")
        self.result = None
        self.message.setStyleSheet(f"color: {theme.ERROR};")
        self.message.setText(message)

    # -- drag and drop ---------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        """Accepts a drag of local files (over the window's own drop handling)."""
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()
            self._highlight(True)
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:  # noqa: N802 - Qt's name
        """Removes the highlight."""
        self._highlight(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        """Translates the first dropped file."""
        self._highlight(False)
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        paths = [u.toLocalFile() for u in urls if u.isLocalFile()]
        event.acceptProposedAction()
        self.drop_paths(paths)

    def drop_paths(self, paths: list[str]) -> int:
        """What a drop does: translates the first path (the others are named as left out).

        Returns:
            The request id (0 when nothing was asked).
        """
        if not paths:
            return 0
        request = self.translate_file(paths[0])
        if request and len(paths) > 1:
            self.message.setText(f"translating {Path(paths[0]).name} (one image at a time: "
                                 f"the other {len(paths) - 1} were left out)…")
        return request

    def _highlight(self, active: bool) -> None:
        self.drop_zone.setProperty("active", "true" if active else "false")
        self.drop_zone.style().unpolish(self.drop_zone)
        self.drop_zone.style().polish(self.drop_zone)
