"""Progress on long work, on stderr, only where a person watches (a terminal) and asked for it.

>>> list(progress([1, 2, 3], "pages"))  # not a terminal under doctest: the items, and nothing printed
[1, 2, 3]
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

__all__ = ["progress"]

T = TypeVar("T")


def progress(items: Iterable[T], what: str, total: int | None = None, when: bool = True) -> Iterator[T]:
    """``items``, with a bar (tqdm: count, rate, time left) on stderr when ``when`` and stderr is a terminal."""
    if not (when and sys.stderr.isatty()):
        yield from items
        return
    from tqdm import tqdm

    yield from tqdm(items, desc=what, total=total, unit="", leave=False, file=sys.stderr)
