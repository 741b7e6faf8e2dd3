"""The memory of this process and of its children, sampled from ``/proc`` while a step runs.

A bench helper (Linux only).  ``RUSAGE_CHILDREN`` cannot say a worker's memory: a spawned worker
is forked before it runs Python, and Linux counts the pages it shared with its parent then as its
own peak.  So a thread reads ``/proc/<pid>/status`` (``VmRSS``, ``VmHWM``) or
``/proc/<pid>/smaps_rollup`` (``Private_Dirty``, ``Pss``, ``Rss``) of this process and of every
child every :data:`SAMPLE_EVERY_S` and keeps the peaks.  A child that still shares this process's
address space (``subprocess`` starts a child with ``vfork``: until it execs, its ``/proc`` figures
are this process's) is left out of a reading; ``kcmp(2)`` tells (:func:`shares_our_memory`):

>>> with ProcPeaks("status", ("VmRSS",)) as peaks:
...     _ = bytearray(1 << 20)
>>> peaks.parent["VmRSS"] > 0, peaks.child["VmRSS"]
(True, 0.0)
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

SAMPLE_EVERY_S = 0.2
PROC = Path("/proc")
KCMP_SYSCALL = {"x86_64": 312, "aarch64": 272}  # kcmp(2)'s number, per machine
KCMP_VM = 1  # kcmp's type: do the two share one address space?


def fields_mib(pid: int | str, file: str, names: tuple[str, ...]) -> dict[str, float]:
    """MiB of each of ``names`` in ``/proc/<pid>/<file>`` (``status`` or ``smaps_rollup``); empty
    once the process has gone."""
    try:
        lines = (PROC / str(pid) / file).read_text().splitlines()
    except OSError:
        return {}
    got = {}
    for line in lines:
        key, _, rest = line.partition(":")
        if key in names:
            got[key] = int(rest.split()[0]) / 1024  # the kernel writes kB
    return got


def children() -> list[int]:
    """This process's children, over every thread's task: a pool may start its workers from any thread."""
    kids: list[int] = []
    for task in (PROC / "self" / "task").iterdir():
        try:
            kids += [int(c) for c in (task / "children").read_text().split()]
        except OSError:  # the thread ended while listed
            pass
    return kids


def _kcmp_vm() -> Callable[[int], int] | None:
    """kcmp(2) of this process's address space against a pid's (0: the same), where it works."""
    number = KCMP_SYSCALL.get(platform.machine())
    if number is None or not sys.platform.startswith("linux"):
        return None
    syscall = ctypes.CDLL(None, use_errno=True).syscall
    if syscall(number, os.getpid(), os.getpid(), KCMP_VM, 0, 0) != 0:  # refused (seccomp, an older kernel)
        return None
    return lambda pid: syscall(number, os.getpid(), pid, KCMP_VM, 0, 0)  # getpid each time: a fork has its own


_KCMP = _kcmp_vm()
KCMP_WORKS = _KCMP is not None


def shares_our_memory(pid: int) -> bool:
    """Whether ``pid`` shares this process's address space (a ``vfork`` child before its exec;
    this process itself).  False where :data:`KCMP_WORKS` is not, or once ``pid`` has gone.

    >>> shares_our_memory(os.getpid()) == KCMP_WORKS
    True
    """
    return _KCMP is not None and _KCMP(pid) == 0


class ProcPeaks(threading.Thread):
    """Peaks of ``names`` from ``file`` while it runs (a context manager, or ``start`` and ``stop``):
    ``parent`` this process's, ``child`` the largest of any one child, ``children`` the largest sum
    over the children at once, ``together`` the largest sum of this process's and its children's."""

    def __init__(self, file: str, names: tuple[str, ...], every_s: float = SAMPLE_EVERY_S) -> None:
        super().__init__(daemon=True)
        if not KCMP_WORKS:
            print(
                "proc_memory: kcmp(2) is not available here, so a child read between its vfork and its"
                " exec counts this process's memory as its own",
                file=sys.stderr,
            )
        self.file, self.names, self.every_s = file, names, every_s
        self._stop_event = threading.Event()
        self.parent = dict.fromkeys(names, 0.0)
        self.child = dict.fromkeys(names, 0.0)
        self.children = dict.fromkeys(names, 0.0)
        self.together = dict.fromkeys(names, 0.0)

    def sample(self) -> None:
        """One reading of this process and its children, folded into the peaks."""
        here = fields_mib("self", self.file, self.names)
        own = [c for c in children() if not shares_our_memory(c)]
        kids = [r for r in (fields_mib(c, self.file, self.names) for c in own) if r]
        for k in self.names:
            theirs = [r.get(k, 0.0) for r in kids]
            self.parent[k] = max(self.parent[k], here.get(k, 0.0))
            self.child[k] = max([self.child[k], *theirs])
            self.children[k] = max(self.children[k], sum(theirs))
            self.together[k] = max(self.together[k], here.get(k, 0.0) + sum(theirs))

    def run(self) -> None:
        self.sample()
        while not self._stop_event.wait(self.every_s):
            self.sample()

    def stop(self) -> None:
        """Stop sampling, after one last reading."""
        self._stop_event.set()
        self.join()
        self.sample()

    def __enter__(self) -> ProcPeaks:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
