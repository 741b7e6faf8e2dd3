"""Work done beside this process: a function run in a child forked from it, its error raised here.

A forked child starts with this process's memory as it stands (copy on write: nothing is pickled or
copied first), so it can be handed what a fresh process cannot take, such as a graph whose projects
are read from open files.  The build writes its GraphML and GEXF this way, each beside the other
writers, on the machine's other cores (:func:`graph.export.graph_files_beside`).

Where a fork is not safe or not worth it (not Linux, or one core), the work runs here, first.

>>> import pathlib, tempfile
>>> out = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
>>> with beside("a.txt", out.write_text, "written by the child"):
...     pass  # this process goes on meanwhile
>>> out.read_text()
'written by the child'
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import pickle
import signal
import sys
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any

from graph.errors import WorkerStopped

__all__ = ["FORKS", "beside", "die_with_parent"]

FORKS = sys.platform == "linux" and (os.cpu_count() or 1) > 1  # a child is forked; otherwise work runs here
_PR_SET_PDEATHSIG = 1  # prctl(2): the signal a child gets when its parent dies


def die_with_parent() -> None:
    """In a child process: be killed when the process that started it dies (Linux; elsewhere
    nothing), so a killed build takes its readers and writers with it."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _run(work: Callable[..., Any], args: tuple[Any, ...], send: Connection) -> None:
    die_with_parent()
    error: BaseException | None = None
    try:
        work(*args)
    except BaseException as exc:
        error = exc
    try:
        send.send(error)
    except (pickle.PicklingError, TypeError, AttributeError):
        send.send(RuntimeError(f"{type(error).__name__}: {error}"))


@contextlib.contextmanager
def beside(what: str, work: Callable[..., Any], *args: Any, fork: bool = True) -> Iterator[None]:
    """``work(*args)`` in a child forked from this process while the block runs; the block's end
    waits for it and raises its error here (an ``OSError``, a full disk say, as itself), or
    :class:`~graph.errors.WorkerStopped` naming ``what`` it was doing if it died.  An error in the
    block kills the child.  Without ``fork`` or :data:`FORKS`, ``work`` runs here before the block."""
    if not (fork and FORKS):
        work(*args)
        yield
        return
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    sys.stdout.flush()  # the child leaves by os._exit: it never writes out what this process had buffered
    sys.stderr.flush()
    child = ctx.Process(target=_run, args=(work, args, send), daemon=True)
    gc.freeze()  # the child's collections leave this process's objects alone: fewer pages copied into it
    try:
        child.start()
    finally:
        gc.unfreeze()  # this process collects as before
    send.close()
    try:
        yield
    except BaseException:
        child.kill()
        child.join()
        recv.close()
        raise
    died = False
    try:
        error = recv.recv()
    except EOFError:  # it died without a word: killed, or out of memory
        error, died = None, True
    child.join()
    recv.close()
    if died:
        raise WorkerStopped(
            f"the process writing {what} stopped (exit status {child.exitcode}: killed, or out of memory); "
            "nothing was replaced; free some memory and build again"
        )
    if error is not None:
        raise error
