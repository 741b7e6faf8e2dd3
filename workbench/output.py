"""Output shared by every command: an aligned table, JSON, or CSV, from the same rows.

A command returns :class:`Rows`: the full records (for ``--json`` and ``--csv``), optionally a
shorter table for the terminal, and an exit status.  :func:`emit` prints them one way for all.

>>> emit(Rows([{'project': '森林防火', 'amount': 50.0}]), as_json=False)
project   amount
森林防火   50.00
>>> emit(Rows([{'project': '森林防火'}]), as_json=True)
[
  {
    "project": "森林防火"
  }
]
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from graph.errors import UsageError
from graph.export import csv_text, flat_cell, rows_frame, write_csv
from graph.i18n import header, label
from graph.text import display_width, printable

__all__ = ["Rows", "emit", "print_rows", "records"]

MIN_COLUMN = 8  # a text column fitted to the terminal keeps at least this many characters
WHOLE = frozenset({"#", "key", "rule", "severity", "where", "file", "line", "status", "decision"})  # never cut
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Rows:
    """What a command produced: ``full`` records, an optional terminal ``table`` of them, the
    columns to show, ``csv`` rows when they differ from ``full``, a ``message`` for commands that
    write files, and the exit ``status``."""

    full: list[dict[str, Any]]
    table: list[dict[str, Any]] | None = None
    columns: list[str] | None = None
    csv: list[dict[str, Any]] | Callable[[], list[dict[str, Any]]] | None = None  # a callable: made when written
    message: str | None = None
    status: int = 0
    footer: str | None = None  # a line after the table (a listing's total); not in JSON or CSV


def records(df: Any) -> list[dict[str, Any]]:
    """DataFrame rows as plain dicts (NaN as None, JSON text in ``values`` decoded)."""
    rows = json.loads(df.to_json(orient="records", force_ascii=False))
    for r in rows:
        if isinstance(r.get("values"), str):
            r["values"] = json.loads(r["values"])
    return list(rows)


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return printable(str(flat_cell(value)).replace("\n", " "))  # no control character reaches the terminal


def _fit(widths: list[int], fixed: list[bool], room: int | None) -> list[int]:
    """Column widths within ``room`` characters: the widest free-text column gives way first, to no
    less than :data:`MIN_COLUMN`; ``fixed`` ones (numbers, keys, places) keep their width.

    >>> _fit([10, 40, 6], [False, False, True], 40)
    [10, 20, 6]
    """
    out = list(widths)
    if room is None:
        return out
    while sum(out) + 2 * (len(out) - 1) > room:
        texts = [j for j, w in enumerate(out) if not fixed[j] and w > MIN_COLUMN]
        if not texts:
            break
        widest = max(texts, key=lambda j: out[j])
        out[widest] -= 1
    return out


def _cut(text: str, width: int) -> str:
    """``text`` cut to ``width`` display columns, with … where it was cut."""
    if display_width(text) <= width:
        return text
    used = 0
    for n, ch in enumerate(text):
        used += display_width(ch)
        if used > width - 1:  # room for the …
            return text[:n] + "…"
    return text


def terminal_width() -> int | None:
    """The terminal's width when standard output is one; None for a pipe or a file (lines kept whole)."""
    import shutil

    return shutil.get_terminal_size().columns if sys.stdout.isatty() else None


def print_rows(
    rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None, lang: str = "en", width: int | None = None
) -> None:
    """An aligned table (CJK characters count two columns; numbers right-aligned), its headers and
    words (警告, 确认 …) in ``lang`` (:mod:`graph.i18n`), fitted to ``width`` characters when given
    (the widest text columns cut with …)."""
    if not rows:
        print("（无结果）" if lang == "zh" else "(no rows)")
        return
    cols = list(columns or rows[0].keys())
    cells = [[_cell(label(r.get(c), lang)) for c in cols] for r in rows]
    names = [header(c, lang) for c in cols]
    widths = [max(display_width(c), *(display_width(row[j]) for row in cells)) for j, c in enumerate(names)]
    numeric = [all(_NUMBER.fullmatch(row[j]) or not row[j] for row in cells) for j in range(len(cols))]
    widths = _fit(widths, [num or c in WHOLE for num, c in zip(numeric, cols, strict=True)], width)
    names = [_cut(n, w) for n, w in zip(names, widths, strict=True)]
    cells = [[_cut(v, w) for v, w in zip(row, widths, strict=True)] for row in cells]

    def line(values: Sequence[str]) -> str:
        out = []
        for v, w, num in zip(values, widths, numeric, strict=True):
            pad = " " * (w - display_width(v))
            out.append(pad + v if num else v + pad)
        return "  ".join(out).rstrip()

    print(line(names))
    for row in cells:
        print(line(row))


def _write_csv(rows: list[dict[str, Any]], target: str, bom: bool = True, chinese: bool = False) -> None:
    if target == "-":
        sys.stdout.write(csv_text(rows_frame(rows), chinese=chinese))
    else:
        write_csv(rows_frame(rows), target, bom=bom, chinese=chinese)
        print(f"wrote {len(rows)} rows to {target}", file=sys.stderr)


def _only(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> list[dict[str, Any]]:
    """The rows with only ``columns`` (``--columns``); a column the table lacks is a UsageError."""
    have = list(dict.fromkeys(k for r in rows for k in r))
    unknown = [c for c in columns if c not in have]
    if rows and unknown:
        raise UsageError(f"--columns: no column {', '.join(unknown)}; this table has {', '.join(have)}")
    return [{c: r.get(c) for c in columns} for r in rows]


def emit(
    rows: Rows,
    as_json: bool,
    csv: str | None = None,
    bom: bool = True,
    lang: str = "en",
    columns: Sequence[str] = (),
) -> None:
    """Print ``rows`` as JSON or a table, and write them as CSV when asked (``-``: CSV only; a
    file gets a UTF-8 BOM for Excel unless ``bom=False``).  ``lang`` ``zh`` gives the table and the
    CSV Chinese headers; JSON keys never change.  ``columns`` (``--columns``) chooses the table's
    columns; at a terminal the table is fitted to its width (pipes and files get whole lines)."""
    if csv:
        made = rows.csv() if callable(rows.csv) else rows.csv
        _write_csv(made if made is not None else rows.full, csv, bom, chinese=lang == "zh")
        if csv == "-":
            return
    if as_json:
        print(json.dumps(rows.full, ensure_ascii=False, indent=2))
    elif rows.message is not None:
        print("\n".join(printable(line) for line in rows.message.split("\n")))
    else:
        table = rows.table if rows.table is not None else rows.full
        shown = rows.columns if rows.table is None else None
        if columns:
            table, shown = _only(table, columns), list(columns)
        print_rows(table, shown, lang, terminal_width())
        if rows.footer:
            print(printable(rows.footer))
