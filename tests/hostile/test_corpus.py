"""Every case of the hostile-input corpus, through the real CLI in this process: a clean
refusal in one line (exit 2), or a safe success, and the user's files as they were.

`benchmarks/hostile_inputs.py` runs the same cases each in its own process, the big ones
included, and prints the totals with each case's peak memory.
"""

from __future__ import annotations

import re
import shutil
import sys

import pytest

from ganstudio.cli import main
from tests.hostile.cases import CASES, NEEDS_RUN, Case, remove_tree, tiny_run

# Downloads fail at once; each process keeps its own Keras cache, so this one runs apart.
OWN_PROCESS = {"dataset-offline-keras"}

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and symlinks")


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """A folder holding a finished tiny run in `run/` (made once, copied per case)."""
    template = tmp_path_factory.mktemp("template")
    assert main(tiny_run(template / "run")) == 0
    return template


def _cases() -> list:
    return [pytest.param(c, id=c.name) for c in CASES if not c.big and c.name not in OWN_PROCESS]


@pytest.mark.timeout(180)
@pytest.mark.parametrize("case", _cases())
def test_case(case: Case, tmp_path, monkeypatch, capsys, request):
    folder = tmp_path / "case"
    if case.name in NEEDS_RUN:
        shutil.copytree(request.getfixturevalue("finished_run"), folder, symlinks=True)
    else:
        folder.mkdir()
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.chdir(folder)
    argv = case.build(folder)
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own exit for option and command typos
        code = exc.code
    out, err = capsys.readouterr()
    lines = [ln for ln in err.splitlines() if ln.startswith("ganstudio: ")]
    assert code == case.exit, err[-3000:]
    assert "Traceback" not in err
    if case.exit == 2:
        assert len(lines) == 1, err
        assert re.search(case.says, lines[0]), lines[0]
    elif case.says:
        assert re.search(case.says, out + err), (out + err)[-3000:]
    if case.check is not None:
        case.check(folder)
    remove_tree(folder)  # pytest's own clean-up recurses per folder level


def test_every_case_has_a_unique_name_and_an_expectation():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))
    assert all(c.says or c.exit == 0 for c in CASES)
    assert set(names) >= NEEDS_RUN
