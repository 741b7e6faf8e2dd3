"""One exception hierarchy: every error this project raises on purpose derives from
:class:`BudgetGraphError`, so a command-line tool catches that one class and nothing else.

::

    BudgetGraphError
    ├── InputError             a source document (or a user-supplied table) cannot be read
    │   ├── UnreadableFiles    several of the files given cannot be read (each named)
    │   ├── EmptyFileError
    │   ├── EncodingError
    │   ├── NoTablesError
    │   └── IssuerTableError   a curated issuer table (--issuers) is malformed
    ├── IndexFormatError       an index directory is missing, incomplete, edited or of another version
    ├── IndexBusy              another build is writing the same index directory
    ├── StoreError             a SQLite file (review decisions, the database export) cannot be used
    ├── LookupFailed           a project, document or department asked for is not there (or is ambiguous)
    ├── UsageError             an argument out of range (--top 0, a negative amount)
    ├── ModelError             the embedding model cannot be found, converted or read
    ├── MissingExtra           an optional dependency is not installed (names the extra to install)
    └── FontMissing            no font with Chinese glyphs for the charts

>>> issubclass(MissingExtra, ImportError) and issubclass(LookupFailed, KeyError)
True
>>> print(InputError("a.txt", "empty file", line=3))
a.txt:3: empty file
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from graph.models import Diagnostic

__all__ = [
    "BudgetGraphError",
    "EmptyFileError",
    "EncodingError",
    "FontMissing",
    "IndexBusy",
    "IndexFormatError",
    "InputError",
    "IssuerTableError",
    "LookupFailed",
    "MissingExtra",
    "ModelError",
    "NoTablesError",
    "StoreError",
    "UnreadableFiles",
    "UsageError",
    "require",
    "sqlite_trouble",
]


class BudgetGraphError(Exception):
    """Base class: every error this package raises on purpose."""


class InputError(BudgetGraphError):
    """A source document cannot be read.  The message names the file (and line/offset)."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.reason = message
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")

    def diagnostic(self) -> Diagnostic:
        """The error as a file skipped with ``--keep-going`` is reported (and kept in the index)."""
        from graph.models import Diagnostic

        return Diagnostic("error", type(self).__name__, self.reason, self.path, self.line)


class UnreadableFiles(InputError):
    """Several of the files given cannot be read: one error naming each, with why, and what to do.

    >>> from graph.models import Diagnostic
    >>> print(UnreadableFiles([Diagnostic("error", "EmptyFileError", "the file is empty", "a.txt")], 3))
    1 of 3 files cannot be read:
      a.txt: the file is empty
    fix or remove it, or build from the others with --keep-going
    """

    lines = True  # the message is several lines; no line break inside a name or a message

    def __init__(self, errors: Sequence[Diagnostic], total: int) -> None:
        from graph.models import place_of

        def one_line(text: str) -> str:  # a line break in a name cannot start a line of its own
            return text.replace("\r", "\\r").replace("\n", "\\n")

        self.errors = tuple(errors)
        self.path, self.line = errors[0].file, None
        listed = [f"  {one_line(place_of(d.file, d.line))}: {one_line(d.message)}" for d in errors]
        them = "it" if len(errors) == 1 else "them"
        self.reason = f"{len(errors)} of {total} files cannot be read"
        BudgetGraphError.__init__(
            self,
            "\n".join(
                [f"{self.reason}:", *listed, f"fix or remove {them}, or build from the others with --keep-going"]
            ),
        )


class EmptyFileError(InputError):
    """The file has no text at all."""


class EncodingError(InputError):
    """The file is neither UTF-8 nor GB18030."""


class NoTablesError(InputError):
    """The file has text but no 绩效目标表 table in it."""


class InconsistentDocument(InputError):
    """The document contradicts itself: its 目录 lists other tables than it holds, a table has no name."""


class NotProjectsError(InputError):
    """The file is a budget table, but not of projects (a 部门整体支出绩效目标表: a department as a whole)."""


class IssuerTableError(InputError):
    """A curated issuer table (``code,name,level``) is missing a column or has a bad row."""


class IndexFormatError(BudgetGraphError):
    """An index directory is missing, incomplete, tampered with or of another version."""


class IndexBusy(BudgetGraphError):
    """Another build holds the lock of the index directory being written."""


class WorkerStopped(BudgetGraphError):
    """A process working beside this one (:mod:`graph.forked`) stopped before it finished: killed,
    or out of memory.  The message names its work."""


class StoreError(BudgetGraphError):
    """A SQLite file of ours cannot be used: locked by another program, the disk full, or not ours.
    The message names the file and says what to do."""


def sqlite_trouble(path: object, exc: Exception, what: str) -> StoreError:
    """The :class:`StoreError` for a ``sqlite3`` error on ``path`` (``what``: the review file…).

    >>> import sqlite3
    >>> print(sqlite_trouble('r.sqlite', sqlite3.OperationalError('database is locked'), 'the review file'))
    r.sqlite: the review file is locked by another program (a second review, DB Browser); close it and try again
    """
    text = str(exc)
    if "locked" in text or "busy" in text:
        advice = "is locked by another program (a second review, DB Browser); close it and try again"
    elif "full" in text:
        advice = "cannot be written: the disk is full; free some space and try again (nothing written was lost)"
    elif "not a database" in text or "malformed" in text or "no such table" in text or "no column" in text:
        advice = f"is not one of ours or is damaged ({text}); move it aside (a new one is then made)"
    elif "readonly" in text or "unable to open" in text:
        advice = f"cannot be opened for writing ({text}); check its permissions and the folder's"
    else:
        advice = f"cannot be used ({type(exc).__name__}: {text})"
    return StoreError(f"{path}: {what} {advice}")


class LookupFailed(BudgetGraphError, KeyError):
    """A project, document or department asked for is not in the graph."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class UsageError(BudgetGraphError, ValueError):
    """An argument is out of its range (``k`` below 1, a negative amount)."""


class ModelError(BudgetGraphError):
    """The embedding model cannot be found, converted or read."""


class MissingExtra(BudgetGraphError, ImportError):
    """An optional dependency is not installed; the message names the extra that brings it."""


class FontMissing(BudgetGraphError):
    """No font with Chinese glyphs is installed for the charts."""


def require(module: str, extra: str, feature: str) -> None:
    """Raise :class:`MissingExtra` unless ``module`` can be imported (txtai's habit).

    >>> require("json", "search", "search")
    >>> require("no_such_module_xyz", "search", "semantic search")
    Traceback (most recent call last):
    ...
    graph.errors.MissingExtra: semantic search needs no_such_module_xyz: pip install 'budget-graph[search]'
    """
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise MissingExtra(f"{feature} needs {module}: pip install 'budget-graph[{extra}]'")
