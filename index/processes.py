"""The build on this machine's cores: each file parsed, and each project's text cut into BM25's
tokens, by one of ``workers`` local processes.

The local build reads a file at a time in its own process; with many files (a province's year is
thousands of PDFs, scans among them) that is one core of several.  :func:`parse_in_processes`
gives the same documents, in the same order, from a pool of processes started fresh (``spawn``:
nothing of the caller's threads or loaded model is copied into them).  Each document comes back as
soon as it and every one before it are read, so the caller writes it out (the build's spill) while
the rest are read: at most ``workers`` × :data:`PENDING_PER_WORKER` documents wait in memory.

:func:`cut_in_processes` does the same for jieba's cutting of the texts BM25 indexes (most of the
time the search files take): the same tokens, in order, each worker with the build's tokenizer.

The documents are passed between processes by ``multiprocessing`` (pickle) and never written as
pickles: the index is written from them as from the single-process build's.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from graph.constants import PARALLEL_MIN_FILES, PARALLEL_MIN_TEXTS
from graph.errors import InputError
from graph.export import batches
from graph.forked import die_with_parent
from graph.models import Diagnostic, ParsedDocument
from graph.read.identity import Override
from graph.read.spec import LayoutSpec

__all__ = ["cut_in_processes", "cuts_in_processes", "parse_in_processes", "parse_or_diagnostic", "reads_in_processes"]

PENDING_PER_WORKER = 4  # files (or batches of texts) handed to the pool ahead of the one waited for, per worker
CUT_BATCH = 256  # texts a worker cuts at a time
T = TypeVar("T")
Layouts = dict[str, LayoutSpec]  # graph.read.spec.load_layouts: a layout's name -> its description


def reads_in_processes(files: int, workers: int) -> bool:
    """Whether ``files`` files are read by ``workers`` processes rather than here.

    >>> reads_in_processes(100, 2), reads_in_processes(100, 1), reads_in_processes(3, 4)
    (True, False, False)
    """
    return workers > 1 and files >= PARALLEL_MIN_FILES


_STATE: dict[str, object] = {}  # in a worker: what every file is read with, set once by _start


def _start(known: frozenset[str], cwd: str, layouts: Layouts | None, ocr: str) -> None:
    from graph.read.spec import load_layouts

    die_with_parent()  # a killed build leaves no reader behind
    os.chdir(cwd)  # read each path as the user gave it, so every record names the file as they do
    _STATE.update(known=known, layouts=load_layouts() if layouts is None else layouts, ocr=ocr)


def parse_or_diagnostic(
    path: Path, known: frozenset[str], override: Override, layouts: Any, ocr: str
) -> ParsedDocument | Diagnostic:
    """``parse_file``'s document, or the :class:`~graph.models.Diagnostic` of the error that names
    the file: what a worker (here, or a Ray task) hands back for one file."""
    from graph.read.layouts import parse_file

    try:
        return parse_file(path, known, override, layouts, ocr)
    except InputError as exc:
        return exc.diagnostic()


def _parse_one(path: str, override: Override) -> ParsedDocument | Diagnostic:
    return parse_or_diagnostic(Path(path), _STATE["known"], override, _STATE["layouts"], _STATE["ocr"])  # type: ignore[arg-type]


def _in_order(
    pool: ProcessPoolExecutor, work: Callable[..., T], calls: Iterable[tuple[Any, ...]], workers: int
) -> Iterator[T]:
    """``work(*call)`` of each call on ``pool``, in the order given, each as soon as it and those
    before it are done; at most ``workers`` × :data:`PENDING_PER_WORKER` calls are handed out ahead."""
    pending: deque[Future[T]] = deque()
    try:
        for call in calls:
            pending.append(pool.submit(work, *call))
            if len(pending) >= workers * PENDING_PER_WORKER:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:  # stopped early (an error, or the caller gave up): nothing more is started
        for f in pending:
            f.cancel()


def parse_in_processes(
    files: Sequence[tuple[Path, Override]],
    known_codes: frozenset[str],
    workers: int,
    layouts: Layouts | None = None,
    ocr: str = "auto",
) -> Iterator[ParsedDocument | Diagnostic]:
    """Each file's document, or the :class:`~graph.models.Diagnostic` of the error that names it, in
    the order given, read by ``workers`` processes with ``layouts`` (loaded by the caller, who
    reports a bad description; None: the package's own).  An error that is not the file's (a bug)
    is raised here, as the single-process build raises it."""
    ctx = multiprocessing.get_context("spawn")
    start = (known_codes, os.getcwd(), layouts, ocr)
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_start, initargs=start) as pool:
        yield from _in_order(pool, _parse_one, ((str(f), o) for f, o in files), workers)


def cuts_in_processes(texts: int, workers: int) -> bool:
    """Whether ``texts`` texts are cut by ``workers`` processes rather than here (below
    :data:`~graph.constants.PARALLEL_MIN_TEXTS`, starting them costs more than it saves).

    >>> cuts_in_processes(100_000, 2), cuts_in_processes(100, 2), cuts_in_processes(100_000, 1)
    (True, False, False)
    """
    return workers > 1 and texts >= PARALLEL_MIN_TEXTS


def _start_cutting(userdict: str) -> None:
    from index.lexical import Tokens

    die_with_parent()
    _STATE["tokens"] = Tokens.load(userdict)


def _cut(texts: list[str]) -> list[list[str]]:
    tokens = _STATE["tokens"]
    return [tokens.cut(t) for t in texts]  # type: ignore[attr-defined]


def cut_in_processes(userdict: Path, texts: Iterable[str], workers: int) -> Iterator[list[str]]:
    """``Tokens.load(userdict).cut(text)`` of each text, in order, cut by ``workers`` processes
    :data:`CUT_BATCH` texts at a time; the texts are taken as they come (a generator over 10^6
    projects is never held whole).

    >>> import tempfile, pathlib
    >>> words = pathlib.Path(tempfile.mkdtemp()) / "userdict.txt"
    >>> _ = words.write_text("森林防火", encoding="utf-8")
    >>> list(cut_in_processes(words, iter(["北碚区森林防火", "群众满意度"]), workers=2))
    [['北碚', '北碚区', '森林', '防火', '森林防火'], ['群众', '满意', '满意度']]
    """
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_start_cutting, initargs=(str(userdict),)) as pool:
        for cut in _in_order(pool, _cut, ((some,) for some in batches(texts, CUT_BATCH)), workers):
            yield from cut
