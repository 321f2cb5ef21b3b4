"""Shared test set-up: quiet TensorFlow, no GPU surprises, deterministic threads."""

import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# keras writes keras.json (and dataset caches) under KERAS_HOME: keep tests away from the user's
os.environ.setdefault("KERAS_HOME", tempfile.mkdtemp(prefix="ganstudio-test-keras-"))
