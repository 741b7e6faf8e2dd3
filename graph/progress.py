"""Progress on long work, on stderr, only where a person watches (a terminal) and has not asked for
quiet (``--quiet``, or :func:`set_quiet`): bars over files, pages and embedding batches (tqdm: count,
rate, time left), and one line per step or per file as it is done.  Logs and pipes get none of it:
what a command prints on stdout is the same either way.

>>> list(progress([1, 2, 3], "pages"))  # not a terminal under doctest: the items, and nothing printed
[1, 2, 3]
>>> note("read a.txt: 94 projects")      # nor a line
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

__all__ = ["note", "progress", "set_quiet", "watched"]

T = TypeVar("T")
_QUIET = [False]  # one switch for the process: the command line's --quiet


def set_quiet(quiet: bool) -> None:
    """No bars and no progress lines from now on (``--quiet``), or them again."""
    _QUIET[0] = quiet


def watched() -> bool:
    """Whether progress is shown: stderr is a terminal and nobody asked for quiet."""
    return not _QUIET[0] and sys.stderr.isatty()


def progress(items: Iterable[T], what: str, total: int | None = None, when: bool = True) -> Iterator[T]:
    """``items``, with a bar (tqdm: count, rate, time left) on stderr when ``when`` and :func:`watched`."""
    if not (when and watched()):
        yield from items
        return
    from tqdm import tqdm

    yield from tqdm(items, desc=what, total=total, unit="", leave=False, file=sys.stderr)


def note(line: str) -> None:
    """One line of progress on stderr (above a bar, if one is drawn) when :func:`watched`."""
    if not watched():
        return
    from tqdm import tqdm

    tqdm.write(line, file=sys.stderr)
