"""Read source files as text: UTF-8 first, GB18030 as a fallback, clear errors otherwise.

>>> p = tmp_path / "gbk.txt"
>>> _ = p.write_bytes("森林防火经费".encode("gbk"))
>>> text, encoding, said = read_text(p)
>>> text, encoding, [d.code for d in said]
('森林防火经费', 'gb18030', ['not-utf8'])
>>> _ = p.write_bytes(b"  \\n")
>>> read_text(p)
Traceback (most recent call last):
...
graph.errors.EmptyFileError: ...gbk.txt: the file is empty; expected the text of a 预算绩效目标表 document
"""

from __future__ import annotations

import os
from pathlib import Path

from graph.codes import Code
from graph.errors import EmptyFileError, EncodingError
from graph.i18n import refusal_at
from graph.models import Diagnostic

__all__ = ["SOURCE_SUFFIXES", "find_sources", "read_text", "scan_sources"]


def read_text(path: str | Path) -> tuple[str, str, list[Diagnostic]]:
    """Return ``(text, encoding, diagnostics)`` for one file.

    UTF-8 (with or without BOM) is tried first; if it fails, GB18030 (which covers GBK and
    GB2312), with a warning naming the first byte that was not UTF-8.  Raises
    :class:`EmptyFileError` for a file with no text and :class:`EncodingError` naming the
    byte offset when neither decoding works.
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise refusal_at(str(p), "cannot-read", reason=exc.strerror or exc) from exc
    diags: list[Diagnostic] = []
    if not data.strip():
        raise EmptyFileError(str(p), "the file is empty; expected the text of a 预算绩效目标表 document")
    try:
        text = data.decode("utf-8-sig")
        encoding = "utf-8"
    except UnicodeDecodeError as utf8_err:
        offset = utf8_err.start
        line = data.count(b"\n", 0, offset) + 1
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as gb_err:
            raise EncodingError(
                str(p),
                f"not UTF-8 (bad byte 0x{data[offset]:02x} at byte offset {offset}) and not GB18030 "
                f"(bad byte at offset {gb_err.start}); convert it to UTF-8, e.g. "
                f"`iconv -f <encoding> -t utf-8 {p.name}`",
                line=line,
            ) from gb_err
        encoding = "gb18030"
        diags.append(
            Diagnostic(
                "warning",
                Code.NOT_UTF8,
                f"not UTF-8 (byte offset {offset}); read as GB18030",
                str(p),
                line,
            )
        )
    if "\x00" in text:
        raise EncodingError(str(p), "the file contains NUL bytes; it looks binary (a PDF?), extract its text first")
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding, diags


SOURCE_SUFFIXES = (
    ".txt",
    ".csv",
    ".pdf",
    ".docx",
    ".xlsx",
    ".xls",
    ".doc",
    ".ods",
    ".odt",
)  # a folder's files read (any case)


def _in_folder(folder: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The regular files under ``folder`` (hidden ones left out, as git does), and what could not be
    looked into or is not a file (a folder without permission, a pipe, a device), each with why."""
    files: list[Path] = []
    odd: list[tuple[Path, str]] = []

    def unreadable(exc: OSError) -> None:
        odd.append((Path(exc.filename or folder), f"a folder that cannot be read ({exc.strerror}); skipped"))

    for root, dirs, names in os.walk(folder, onerror=unreadable):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            f = Path(root) / name
            if name.startswith("."):
                continue
            if f.is_file():
                files.append(f)
            elif not f.is_symlink() or f.exists():
                odd.append((f, "not a regular file (a pipe, a device or a socket); skipped"))
            else:
                odd.append((f, "a link to nothing; skipped"))
    return sorted(files), odd


def _readable(f: Path) -> bool:
    return f.suffix.lower() in SOURCE_SUFFIXES


def find_sources(paths: list[str | Path]) -> list[Path]:
    """Expand files and folders into a sorted list of the files to read (``.txt``, ``.pdf``,
    ``.docx``, ``.xlsx``, in any case; their kind is then told by their content).

    Raises :class:`InputError` for a path that does not exist or a folder with none of them.
    """
    return scan_sources(paths)[0]


def scan_sources(paths: list[str | Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The files to read (as :func:`find_sources`), and what in the given folders is not read, with
    why (of no known kind, an unreadable folder, a pipe or device), to be said; one walk of each folder."""
    found: list[Path] = []
    unread: list[tuple[Path, str]] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            inside, odd = _in_folder(p)
            files = [f for f in inside if _readable(f)]
            if not files:
                raise refusal_at(str(p), "empty-folder", suffixes="/".join(SOURCE_SUFFIXES))
            found.extend(files)
            unread.extend((f, f"not a {'/'.join(SOURCE_SUFFIXES)} file; skipped") for f in inside if not _readable(f))
            unread.extend(odd)
        elif p.is_file():
            found.append(p)
        elif p.exists():
            raise refusal_at(str(p), "not-regular")
        else:
            raise refusal_at(str(p), "no-such-file")
    seen: set[Path] = set()
    unique = []
    for f in found:
        r = f.resolve()
        if r not in seen:
            seen.add(r)
            unique.append(f)
    return unique, unread
