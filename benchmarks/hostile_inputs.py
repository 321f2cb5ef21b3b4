"""The hostile-input corpus, each case in its own `ganstudio` process: outcome, time, peak memory.

    python benchmarks/hostile_inputs.py            # every case, the big ones included
    python benchmarks/hostile_inputs.py --only zip  # the cases whose name holds "zip"

Prints one row per case (clean or FAILING, exit status, seconds, peak resident memory, the
CLI's line) and the totals the way the tester counted them: cases tried, clean, failing, and
the peak memory of the worst case. Offline: downloads fail at once.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hostile.cases import CASES, NEEDS_RUN, Case, remove_tree, tiny_run  # noqa: E402

TIMEOUT_S = 120  # a hang (a FIFO read, a lock wait) counts as failing


def _env(home: Path) -> dict[str, str]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_HOME": str(home / "keras"),
           "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
           "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9"}
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(name, None)
    return env


def run_cli(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, float, float, str,
                                                                     str]:
    """Runs `ganstudio ARGS`; returns (exit, seconds, peak MiB, stdout, stderr)."""
    out, err = cwd / ".stdout", cwd / ".stderr"
    t0 = time.perf_counter()
    with open(out, "w") as so, open(err, "w") as se:
        proc = subprocess.Popen([sys.executable, "-m", "ganstudio", *args], cwd=cwd, env=env,
                                stdout=so, stderr=se, stdin=subprocess.DEVNULL)
        deadline = t0 + TIMEOUT_S
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                status = 124 << 8
                break
            time.sleep(0.05)
    seconds = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status) if status != 124 << 8 else 124
    proc.returncode = code
    texts = out.read_text(errors="replace"), err.read_text(errors="replace")
    out.unlink()
    err.unlink()
    return code, seconds, usage.ru_maxrss / 1024, *texts


def judge(case: Case, code: int, stdout: str, stderr: str, folder: Path) -> tuple[bool, str]:
    """Whether the outcome is the expected clean one, and the line to show."""
    lines = [ln for ln in stderr.splitlines() if ln.startswith("ganstudio: ")]
    shown = lines[-1] if lines else (stderr.strip().splitlines() or [""])[-1]
    if code != case.exit:
        return False, f"exit {code}, expected {case.exit}: {shown[:160]}"
    if case.exit == 2:
        if len(lines) != 1 or "Traceback" in stderr:
            return False, f"{len(lines)} error lines / traceback: {shown[:160]}"
        if case.says and not re.search(case.says, lines[0]):
            return False, f"message does not match {case.says!r}: {shown[:160]}"
    elif "Traceback" in stderr:
        return False, "a traceback on stderr"
    elif case.says and not re.search(case.says, stdout + stderr):
        return False, f"output does not match {case.says!r}"
    if case.check is not None:
        try:
            case.check(folder)
        except AssertionError as exc:
            return False, f"unsafe: {exc}"
    return True, shown or (stdout.strip().splitlines() or [""])[-1]


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run the cases whose name contains this text")
    parser.add_argument("--small", action="store_true", help="leave out the big cases")
    args = parser.parse_args()
    cases = [c for c in CASES if (not args.only or args.only in c.name)
             and not (args.small and c.big)]
    work = Path(tempfile.mkdtemp(prefix="ganstudio-hostile-"))
    env = _env(work)
    template = work / "template"
    template.mkdir()
    if any(c.name in NEEDS_RUN for c in cases):
        code, *_ , err = run_cli(tiny_run(template / "run"), template, env)
        if code != 0:
            sys.exit(f"could not make the tiny run: {err[-2000:]}")
    rows = []
    for case in cases:
        folder = work / case.name
        if case.name in NEEDS_RUN:
            shutil.copytree(template, folder, symlinks=True)
        else:
            folder.mkdir()
        argv = case.build(folder)
        code, seconds, peak, stdout, stderr = run_cli(argv, folder, env)
        clean, line = judge(case, code, stdout, stderr, folder)
        rows.append((case, clean, code, seconds, peak))
        print(f"{'clean ' if clean else 'FAILING'} {case.group:10s} {case.name:30s} exit {code:3d} "
              f"{seconds:6.1f} s {peak:7.0f} MiB  {line[:150]}", flush=True)
        remove_tree(folder)
    failing = [r for r in rows if not r[1]]
    worst = max(rows, key=lambda r: r[4])
    print(f"\n{len(rows)} cases tried: {len(rows) - len(failing)} clean, {len(failing)} failing; "
          f"peak memory {worst[4]:.0f} MiB ({worst[0].name}), "
          f"total {sum(r[3] for r in rows):.0f} s")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
