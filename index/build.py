"""Read source documents and write an index directory: the library behind ``build_index.py``.

>>> import tempfile
>>> report = build(['data/beibei_2024_key_projects.txt'], tempfile.mkdtemp())
>>> report.counts['projects'], report.counts['indicators'], report.counts['toc_entries']
(94, 520, 94)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.defaults import DEFAULT_OUT, DEFAULT_SAMPLE
from graph.errors import InputError
from graph.models import Diagnostic, ParsedDocument
from graph.read.issuers import IssuerResolver
from graph.read.source import find_sources
from graph.read.tables import parse_file
from graph.store import write_index

__all__ = ["DEFAULT_OUT", "DEFAULT_SAMPLE", "BuildReport", "build"]


def _shown(path: Path) -> Path:
    """A path relative to the working directory when it lies below it, as users typed it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


@dataclass(frozen=True)
class BuildReport:
    """What a build read and wrote."""

    out: Path
    docs: tuple[ParsedDocument, ...]
    errors: tuple[Diagnostic, ...]  # files skipped with keep_going
    counts: dict[str, int]
    manifest: dict[str, Any]

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [*self.errors, *(g for d in self.docs for g in d.diagnostics)]


def build(
    paths: Sequence[str | Path],
    out: str | Path = DEFAULT_OUT,
    keep_going: bool = False,
    issuers_csv: str | Path | None = None,
) -> BuildReport:
    """Parse every ``.txt`` under ``paths`` and write the index to ``out``.

    An unreadable file raises its :class:`~graph.errors.InputError`; with ``keep_going`` it is
    skipped, reported in ``errors`` and in ``diagnostics.csv``, and the rest is built.
    """
    resolver = IssuerResolver.from_csv(issuers_csv) if issuers_csv else IssuerResolver.from_package()
    files = [_shown(f) for f in find_sources(list(paths))]
    docs: list[ParsedDocument] = []
    errors: list[Diagnostic] = []
    for f in files:
        try:
            docs.append(parse_file(f, resolver.known_codes))
        except InputError as exc:
            if not keep_going:
                raise
            errors.append(Diagnostic("error", type(exc).__name__, exc.reason, exc.path, exc.line))
    if not docs:
        raise InputError(", ".join(map(str, paths)), "no readable document among the inputs; nothing to build")
    if errors:
        # Keep the skipped files on record in the index itself.
        first = docs[0]
        docs[0] = ParsedDocument(
            first.path, first.encoding, first.projects, first.toc, (*errors, *first.diagnostics), first.preamble
        )
    _, manifest = write_index(docs, out, resolver)
    return BuildReport(Path(out), tuple(docs), tuple(errors), manifest["counts"], manifest)
