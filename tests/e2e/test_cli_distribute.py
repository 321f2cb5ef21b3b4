"""`ganstudio train` on several devices and machines: two workers on loopback, and the
one-line errors for what cannot be done."""

import json
import os
import socket
import subprocess
import sys

from tests.e2e.conftest import error_lines

SMALL = ["--dataset", "ring8", "--batch", "64", "--set", "net.width=32", "--jit", "off"]


def _free_ports(n: int) -> list[int]:
    """Ports free on loopback now (held open together so that they differ)."""
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def test_two_workers_on_loopback_finish_in_step_and_the_chief_exports(tmp_path):
    ports = _free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3",
           "KERAS_HOME": str(tmp_path / "keras-home"), "no_proxy": "*", "NO_PROXY": "*"}
    procs = []
    for index in range(2):
        tf_config = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "ganstudio", "train", *SMALL, "--strategy", "multiworker",
             "--steps", "300", "--no-eval", "--out", f"w{index}"],
            cwd=tmp_path, env={**env, "TF_CONFIG": tf_config}, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True))
    try:
        outputs = [p.communicate(timeout=400) for p in procs]
    finally:
        for p in procs:  # a worker left waiting for the other one must not outlive the test
            if p.poll() is None:
                p.kill()
                p.communicate()
    for p, (_, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err[-3000:]
    runs = [json.loads((tmp_path / f"w{i}" / "run.json").read_text()) for i in range(2)]
    assert [r["steps"] for r in runs] == [300, 300]
    assert runs[0]["weights_digest"] == runs[1]["weights_digest"]
    assert runs[0]["weights_digest"].startswith("sha256:")
    assert [r["distribute"]["chief"] for r in runs] == [True, False]
    assert runs[0]["distribute"] == {"strategy": "multiworker", "replicas": 2, "workers": 2,
                                     "devices": ["/device:CPU:0"], "task": ["worker", 0],
                                     "chief": True}
    # the chief writes the whole run and exports; the other worker only its run.json
    chief = tmp_path / "w0"
    assert runs[0]["export"]["ok"] is True
    assert (chief / "generator" / "saved_model.pb").is_file()
    assert (chief / "checkpoints" / "ckpt-00000300.npz").is_file()
    assert (chief / "samples.png").is_file()
    worker = {p.name for p in (tmp_path / "w1").iterdir()} - {".ganstudio.lock"}
    assert sorted(worker) == ["config.toml", "run.json"]
    assert "this is worker 0 (chief)" in outputs[0][1]
    assert "worker finished at step 300" in outputs[1][1]


def test_impossible_distribution_settings_are_one_line_errors(cli, tmp_path):
    cases = [
        (["--strategy", "none", "--devices", "2"], "need train.strategy mirrored"),
        (["--strategy", "multiworker"], "needs the TF_CONFIG environment variable"),
        (["--strategy", "mirrored", "--devices", "2", "--jit", "on"], "XLA cannot compile"),
        (["--family", "ae", "--dataset", "digits", "--strategy", "mirrored", "--devices", "2"],
         "ae trains on one device only"),
    ]
    for i, (args, expected) in enumerate(cases):
        proc = cli("train", *SMALL, "--steps", "5", *args, "--out", f"run{i}")
        assert proc.returncode == 2, proc.stderr
        lines = error_lines(proc.stderr)
        assert len(lines) == 1 and expected in lines[0], proc.stderr
