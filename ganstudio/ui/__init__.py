"""The studio: a PySide6 + pyqtgraph window to train and watch GANs.

Qt only; this package never imports TensorFlow or Keras itself. The worker threads import the
core (and so TensorFlow) lazily, after the window is on screen.
"""

from ganstudio.ui.qtcompat import ensure_bool_refcount_safe

ensure_bool_refcount_safe()
