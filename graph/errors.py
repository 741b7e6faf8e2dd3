"""One exception hierarchy for everything that can go wrong with input and indexes."""

from __future__ import annotations

__all__ = [
    "BudgetGraphError",
    "EmptyFileError",
    "EncodingError",
    "IndexFormatError",
    "InputError",
    "LookupFailed",
    "NoTablesError",
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


class EmptyFileError(InputError):
    """The file has no text at all."""


class EncodingError(InputError):
    """The file is neither UTF-8 nor GB18030."""


class NoTablesError(InputError):
    """The file has text but no 绩效目标表 table in it."""


class IndexFormatError(BudgetGraphError):
    """An index directory is missing, incomplete, tampered with or of another version."""


class LookupFailed(BudgetGraphError, KeyError):
    """A project, document or department asked for is not in the graph."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""
