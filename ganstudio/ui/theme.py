"""The studio's dark theme: Qt palette, a small style sheet, pyqtgraph defaults and colors."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QLinearGradient, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QApplication, QGraphicsItem, QLabel

BACKGROUND = "#1b1d23"
PANEL = "#23262e"
PLOT_BACKGROUND = "#15171c"
TEXT = "#d9dce3"
MUTED = "#8a90a0"
ACCENT = "#5b9bff"
REAL = "#3ddc97"
FAKE = "#ff8c5a"
D_COLOR = "#5b9bff"
G_COLOR = "#ff8c5a"
VALUE_COLOR = "#c792ea"
PUSH_COLOR = "#ffd166"
ERROR = "#e5484d"
WARNING = "#f5a524"
INFO = "#3e7bfa"

STYLE_SHEET = f"""
QMainWindow, QWidget {{ background: {BACKGROUND}; color: {TEXT}; }}
QToolTip {{ background: {PANEL}; color: {TEXT}; border: 1px solid #3a3f4b; padding: 4px; }}
QGroupBox {{ border: 1px solid #32363f; border-radius: 6px; margin-top: 14px; padding: 8px 6px 6px 6px;
             background: {PANEL}; font-weight: 600; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 8px; padding: 0 4px; color: {MUTED}; }}
QGroupBox QWidget {{ background: {PANEL}; font-weight: 400; }}
QLineEdit, QSpinBox, QDoubleSpinBox, QComboBox, QPlainTextEdit {{
    background: #1a1c22; border: 1px solid #3a3f4b; border-radius: 4px; padding: 2px 4px;
    selection-background-color: {ACCENT}; }}
QComboBox QAbstractItemView {{ background: #1a1c22; selection-background-color: {ACCENT}; }}
QPushButton, QToolButton {{ background: #2d313b; border: 1px solid #3a3f4b; border-radius: 4px;
    padding: 4px 10px; }}
QPushButton:hover, QToolButton:hover {{ background: #363b47; }}
QPushButton:disabled, QToolButton:disabled {{ color: #5d6270; }}
QPushButton#primary {{ background: #2f6fed; border-color: #2f6fed; color: white; font-weight: 600; }}
QPushButton#primary:disabled {{ background: #2a3550; color: #7f8aa3; }}
QToolBar {{ background: {PANEL}; border: none; border-bottom: 1px solid #32363f; spacing: 4px;
    padding: 4px; }}
QTabWidget::pane {{ border: 1px solid #32363f; border-radius: 4px; top: -1px; }}
QTabBar::tab {{ background: {PANEL}; padding: 6px 14px; border: 1px solid #32363f;
    border-bottom: none; border-top-left-radius: 4px; border-top-right-radius: 4px; }}
QTabBar::tab:selected {{ background: #2d313b; color: white; }}
QStatusBar {{ background: {PANEL}; border-top: 1px solid #32363f; }}
QStatusBar QLabel {{ padding: 0 8px; color: {TEXT}; }}
QScrollArea {{ border: none; }}
QSlider::groove:horizontal {{ height: 4px; background: #3a3f4b; border-radius: 2px; }}
QSlider::handle:horizontal {{ background: {ACCENT}; width: 12px; margin: -5px 0; border-radius: 6px; }}
QLabel#caption {{ color: {MUTED}; }}
QLabel#viewTitle {{ color: {TEXT}; font-weight: 600; }}
QFrame#dropZone {{ border: 1px dashed #4a5060; border-radius: 6px; }}
QFrame#dropZone[active="true"] {{ border: 1px solid {ACCENT}; background: #23314d; }}
QMenu {{ background: {PANEL}; border: 1px solid #3a3f4b; }}
QMenu::item:selected {{ background: {ACCENT}; }}
QMenuBar {{ background: {PANEL}; }}
QMenuBar::item:selected {{ background: #363b47; }}
"""


def configure_pyqtgraph() -> None:
    """Sets pyqtgraph's global look (dark background, antialiasing, row-major images)."""
    pg.setConfigOptions(antialias=False, background=PLOT_BACKGROUND, foreground=TEXT,
                        imageAxisOrder="row-major")


def plot_widget(layout: bool = False) -> pg.GraphicsView:
    """A new `pg.PlotWidget` (or `pg.GraphicsLayoutWidget` with `layout=True`) whose viewport
    is marked opaque.

    The view paints its whole background itself, so Qt need not repaint the panels behind it
    each time a live plot changes; those repaints were most of what the window cost the
    training thread (benchmarks/gui_overhead.py).
    """
    view = pg.GraphicsLayoutWidget() if layout else pg.PlotWidget()
    view.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
    if not layout:
        # An axis replays its tick labels' text on every repaint of the view, even when only a
        # curve changed (most of the paint samples in a py-spy profile of the window training).
        # Cached, an axis is drawn again only when its range, size or label changes.
        for axis in view.getPlotItem().axes.values():
            axis["item"].setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    return view


def steady_label(text: str, widest: str,
                 align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft) -> QLabel:
    """A label for numbers that change while training, sized once to fit `widest`.

    A label of fixed size does not ask its parents to lay out again when its text changes;
    a growing one makes the whole window re-lay out and repaint several times a second.

    Args:
        text: The first text.
        widest: The widest text it will show (e.g. "step 10,000,000").
        align: Horizontal alignment inside the fixed box.

    Returns:
        The label.
    """
    label = QLabel(widest)
    label.ensurePolished()
    hint = label.sizeHint()
    label.setFixedSize(hint.width() + label.fontMetrics().averageCharWidth(), hint.height())
    label.setAlignment(align | Qt.AlignmentFlag.AlignVCenter)
    label.setText(text)
    return label


def apply_theme(app: QApplication) -> None:
    """Applies the Fusion style, the dark palette and the style sheet to the application.

    Args:
        app: The running QApplication.
    """
    app.setStyle("Fusion")
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: BACKGROUND,
        QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.Base: "#1a1c22",
        QPalette.ColorRole.AlternateBase: PANEL,
        QPalette.ColorRole.ToolTipBase: PANEL,
        QPalette.ColorRole.ToolTipText: TEXT,
        QPalette.ColorRole.Text: TEXT,
        QPalette.ColorRole.Button: "#2d313b",
        QPalette.ColorRole.ButtonText: TEXT,
        QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.PlaceholderText: MUTED,
    }
    for role, color in roles.items():
        pal.setColor(role, QColor(color))
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#5d6270"))
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#5d6270"))
    app.setPalette(pal)
    app.setStyleSheet(STYLE_SHEET)
    configure_pyqtgraph()


def app_icon() -> QIcon:
    """The studio's icon, drawn in code (two interlocking players on a gradient)."""
    pix = QPixmap(128, 128)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    grad = QLinearGradient(QPointF(0, 0), QPointF(128, 128))
    grad.setColorAt(0.0, QColor("#2f6fed"))
    grad.setColorAt(1.0, QColor("#7b3fe4"))
    p.setBrush(QBrush(grad))
    p.setPen(Qt.PenStyle.NoPen)
    p.drawRoundedRect(QRectF(4, 4, 120, 120), 26, 26)
    p.setPen(QPen(QColor(REAL), 9))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawEllipse(QRectF(22, 34, 52, 52))
    p.setPen(QPen(QColor(FAKE), 9))
    p.drawEllipse(QRectF(54, 42, 52, 52))
    p.end()
    return QIcon(pix)
