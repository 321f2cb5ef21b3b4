"""Shared test set-up: quiet TensorFlow, no GPU surprises, deterministic threads."""

import contextlib
import os
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# keras writes keras.json (and dataset caches) under KERAS_HOME: keep tests away from the user's
os.environ.setdefault("KERAS_HOME", tempfile.mkdtemp(prefix="ganstudio-test-keras-"))


def run_tf_only(script: str, *args: str, cwd) -> dict:
    """Runs `script` in a fresh Python process (`python -c script args...`) and returns the
    JSON object it prints last: how the tests check an export from TensorFlow alone."""
    import json

    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True,
                          env=env, cwd=cwd, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def run_lock_held_elsewhere(folder):
    """Another process holds `folder`'s run lock for as long as the block runs (then it is
    killed, and the system lets its lock go)."""
    code = ("import sys, time; from ganstudio.core.run_folder import RunLock; "
            "RunLock(sys.argv[1]).acquire(); print('locked', flush=True); time.sleep(120)")
    holder = subprocess.Popen([sys.executable, "-c", code, str(folder)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield holder
    finally:
        holder.kill()
        holder.wait(10)
