"""The index on disk survives everything a build can go through: failure, a kill, a second build,
a wrong --out.  Real processes, real signals, real files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import build_index
from graph.defaults import DEFAULT_SAMPLE
from graph.errors import IndexBusy, UsageError
from graph.store import load_index
from index.build import _lock, build

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests/fixtures/two_tables.txt"


@pytest.fixture
def index(tmp_path: Path) -> Path:
    out = tmp_path / "idx"
    build([FIXTURE], out, model=None)
    return out


def test_a_failed_build_leaves_the_previous_index(index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = (index / "manifest.json").read_bytes()
    assert build_index.main([str(DEFAULT_SAMPLE), "--out", str(index), "--model", "/no/such/model"]) == 1
    assert "cannot load sentence-transformers model" in capsys.readouterr().err
    assert (index / "manifest.json").read_bytes() == before and len(load_index(index).projects) == 2
    assert [p.name for p in index.parent.iterdir() if p.name.startswith(".")] == []  # nothing left behind


def test_a_killed_build_leaves_the_previous_index(index: Path) -> None:
    """SIGKILL in the middle of writing (the graph files are being written): the old index loads."""
    code = (
        "import sys, time, graph.store as s\n"
        "orig = s.write_index_rows\n"
        "def slow(*a):\n"
        "    print('writing', flush=True); time.sleep(30); return orig(*a)\n"
        "s.write_index_rows = slow\n"
        "import build_index\n"
        f"sys.exit(build_index.main([{str(DEFAULT_SAMPLE)!r}, '--out', {str(index)!r}, '--no-search']))\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert len(load_index(index).projects) == 2  # untouched
    build([DEFAULT_SAMPLE], index, model=None)  # the stale lock of the dead build is taken over
    assert len(load_index(index).projects) == 94


def test_a_second_build_into_the_same_folder_is_refused(index: Path) -> None:
    with _lock(index):
        with pytest.raises(IndexBusy, match=r"another build \(pid \d+\) is writing this index"):
            build([DEFAULT_SAMPLE], index, model=None)
    assert len(load_index(index).projects) == 2


def test_two_builds_at_once_leave_one_correct_index(tmp_path: Path) -> None:
    """The overlap is forced: the first build is stopped (SIGSTOP) while it holds the lock, the second
    runs then and must be refused; the first, let go, finishes a correct index."""
    out = tmp_path / "idx"
    lock = tmp_path / ".idx.lock"
    cmd = [sys.executable, str(ROOT / "build_index.py"), "--out", str(out), "--no-search"]
    first = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not lock.exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    first.send_signal(signal.SIGSTOP)
    try:
        assert lock.exists(), "the first build never took the lock"
        second = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    finally:
        first.send_signal(signal.SIGCONT)
    code, (_, err) = first.wait(timeout=120), first.communicate()
    assert second.returncode == 1 and f"another build (pid {first.pid}) is writing this index" in second.stderr
    assert code == 0, err
    idx = load_index(out)  # every file matches the manifest
    assert len(idx.projects) == 94 and round(float(idx.projects["amount"].sum()), 2) == 41826.39


def test_out_that_is_not_an_index_is_left_alone(tmp_path: Path) -> None:
    mine = tmp_path / "my-work"
    (mine / "search").mkdir(parents=True)
    (mine / "search" / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(UsageError, match="is not an index"):
        build([FIXTURE], mine, model=None)
    assert (mine / "search" / "notes.txt").read_text(encoding="utf-8") == "keep me"
    afile = tmp_path / "a-file"
    afile.write_text("x", encoding="utf-8")
    with pytest.raises(UsageError, match="is not a folder"):
        build([FIXTURE], afile, model=None)


def test_unwritable_out_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if os.geteuid() == 0:  # root writes anywhere; a path under a file cannot be written by anyone
        target = tmp_path / "a-file" / "idx"
        (tmp_path / "a-file").write_text("x", encoding="utf-8")
    else:  # pragma: no cover
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o500)
        target = ro / "idx"
    assert build_index.main([str(FIXTURE), "--out", str(target), "--no-search"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err


def test_ctrl_c_is_one_line(tmp_path: Path) -> None:
    code = (
        "import graph.store as s\n"
        "def interrupted(*a):\n"
        "    raise KeyboardInterrupt\n"
        "s.write_index_rows = interrupted\n"
        "import build_index\n"
        "build_index.run()\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code, "--out", str(tmp_path / "idx"), "--no-search"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert r.returncode == 130 and r.stderr.strip() == "interrupted; the previous index (if any) is unchanged"
    assert not (tmp_path / "idx").exists()


def test_the_swap_replaces_the_whole_directory(index: Path) -> None:
    """A file the old index listed (an older version's table) does not outlive the rebuild; a file
    it did not list is the user's, and is refused in tests/test_safety.py."""
    (index / "stale-extra.csv").write_text("x", encoding="utf-8")
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"]["stale-extra.csv"] = {"size": 1, "sha256": ""}
    (index / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    t = time.time()
    build([DEFAULT_SAMPLE], index, model=None)
    assert not (index / "stale-extra.csv").exists() and (index / "manifest.json").stat().st_mtime >= t - 1


def test_an_unreadable_file_raises_its_own_error(tmp_path: Path) -> None:
    """Without --keep-going, the error raised is the file's own kind, naming it."""
    from graph.errors import EmptyFileError

    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    with pytest.raises(EmptyFileError, match=r"empty\.txt"):
        build([tmp_path / "empty.txt"], tmp_path / "idx", model=None)
