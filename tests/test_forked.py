"""Work beside the build (graph.forked): done by a forked child while this process goes on, its
error raised here as itself, a child that dies named, a failed block taking the child with it, and
the work done here first where no child is forked."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from graph import forked
from graph.errors import WorkerStopped
from graph.forked import beside

pytestmark = pytest.mark.skipif(not forked.FORKS, reason="children are forked on Linux with 2 cores or more")


def _write_later(path: Path, seconds: float) -> None:
    time.sleep(seconds)
    path.write_text(str(os.getpid()), encoding="utf-8")


def test_the_child_works_while_this_process_goes_on(tmp_path: Path) -> None:
    out = tmp_path / "child.txt"
    with beside("child.txt", _write_later, out, 0.5):
        assert not out.exists()  # the block runs before the child is done
    assert out.read_text(encoding="utf-8") != str(os.getpid())  # written, by another process


def test_an_error_in_the_child_is_raised_here_as_itself(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "x"
    with pytest.raises(FileNotFoundError, match="no-such-folder"), beside("x", _write_later, missing, 0):
        pass


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_child_that_dies_is_named(tmp_path: Path) -> None:
    with pytest.raises(WorkerStopped, match=r"writing graph\.gexf stopped \(exit status -9"):
        with beside("graph.gexf", _die):
            pass


def test_an_error_in_the_block_stops_the_child(tmp_path: Path) -> None:
    out = tmp_path / "late.txt"
    with pytest.raises(ValueError, match="the block failed"), beside("late.txt", _write_later, out, 1.0):
        raise ValueError("the block failed")
    time.sleep(1.5)
    assert not out.exists()  # killed, not left to write into a build that failed


def test_without_a_fork_the_work_is_done_here_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forked, "FORKS", False)
    out = tmp_path / "here.txt"
    with beside("here.txt", _write_later, out, 0):
        assert out.read_text(encoding="utf-8") == str(os.getpid())
