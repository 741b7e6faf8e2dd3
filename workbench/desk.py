"""Review at the desk: short keys to type (``L-3f2a9c1d`` a finding, ``P-cf6a4575`` a pair) and the
decisions an analyst wrote in the review workbook read back (``search.py review --import
tables.xlsx``), with a report of what changed, what was already so and what was refused, each
refusal naming its sheet and cell.

The workbook is the one ``search.py export`` writes (``tables.xlsx``), English or Chinese headers:
its ``lint`` and ``duplicates`` sheets carry ``review_key`` (复核编号), ``decision`` (复核结论) and
``note`` (复核说明).  A decision may be written as the tool writes it (confirmed, dismissed,
explained, open) or in Chinese (确认, 排除, 已说明, 待定: :data:`graph.vocabulary.DECISION_WORDS`);
an empty decision cell says nothing and changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from graph.errors import InputError, LookupFailed
from graph.export import SHEET_TITLES
from graph.ids import short_key
from graph.vocabulary import COLUMNS, DECISION_WORDS, DECISIONS, column_of

__all__ = ["IMPORTED_SHEETS", "ImportReport", "Row", "import_rows", "read_decisions", "resolve_short"]

IMPORTED_SHEETS = ("lint", "duplicates")  # the sheets of the workbook that hold decisions (or their Chinese names)
SHORT = re.compile(r"[LP]-[0-9a-f]{8}")
_WANTED = ("review_key", "decision", "note")


@dataclass(frozen=True)
class Row:
    """One decision as the workbook holds it, and where (``tables.xlsx!lint!J12``)."""

    key: str
    decision: str
    note: str
    where: str


@dataclass
class ImportReport:
    """What an import did: decisions recorded, rows already so, rows refused (each with its place)."""

    changed: list[Row] = field(default_factory=list)
    unchanged: int = 0
    refused: list[str] = field(default_factory=list)

    def summary(self) -> str:
        head = f"{len(self.changed)} decisions recorded, {self.unchanged} already so, {len(self.refused)} refused"
        return "\n".join([head, *(f"  refused: {r}" for r in self.refused)])


def resolve_short(text: str, keys: Iterable[str]) -> str:
    """The review key a short key stands for, among ``keys``; any other text is returned as it is.

    >>> resolve_short('P-cf6a4575', ['pair:project:-:2024:402:乙|project:-:2024:402:甲'])
    'pair:project:-:2024:402:乙|project:-:2024:402:甲'
    """
    if not SHORT.fullmatch(text):
        return text
    found = [k for k in keys if short_key(k) == text]
    if len(found) != 1:
        raise LookupFailed(f"{text} is no finding or pair of this index (`search.py lint` shows each one's key)")
    return found[0]


def _decision(raw: object) -> str:
    text = "" if raw is None else str(raw).strip()
    return DECISION_WORDS.get(text, text.lower())


def _header_map(header: Iterable[object]) -> dict[str, int]:
    """Column positions of review_key, decision and note, by their English or Chinese headers."""
    chinese = {v[0]: k for k, v in COLUMNS.items()}
    at: dict[str, int] = {}
    for j, cell in enumerate(header):
        name = column_of(chinese.get(str(cell or "").strip(), str(cell or "").strip()))
        if name in _WANTED and name not in at:
            at[name] = j
    return at


def read_decisions(path: str | Path) -> Iterator[Row]:
    """Every row of the workbook's lint and duplicates sheets that holds a decision."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    path = Path(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is no workbook
        raise InputError(str(path), f"cannot open the review workbook ({type(exc).__name__}: {exc})") from exc
    names = {*IMPORTED_SHEETS, *(SHEET_TITLES[s] for s in IMPORTED_SHEETS)}
    sheets = [s for s in wb.sheetnames if s in names]
    if not sheets:
        raise InputError(str(path), f"no {' or '.join(IMPORTED_SHEETS)} sheet; give the workbook `export` wrote")
    for name in sheets:
        rows = wb[name].iter_rows(values_only=True)
        at = _header_map(next(rows, ()))
        if "review_key" not in at or "decision" not in at:
            raise InputError(f"{path.name}!{name}", "no review_key (复核编号) or decision (复核结论) column")
        for r, values in enumerate(rows, start=2):
            cells = list(values) + [None] * 3
            decision = _decision(cells[at["decision"]])
            if not decision:
                continue
            note = cells[at["note"]] if "note" in at else None
            where = f"{path.name}!{name}!{get_column_letter(at['decision'] + 1)}{r}"
            yield Row(str(cells[at["review_key"]] or "").strip(), decision, str(note or "").strip(), where)


def import_rows(rows: Iterable[Row], known: set[str], current: Mapping[str, tuple[str, str]]) -> ImportReport:
    """Sort the workbook's rows into what to record, what is already so and what is refused:
    ``known`` the keys of this index's findings and pairs, ``current`` each key's decision and note."""
    report = ImportReport()
    for row in rows:
        if row.decision not in DECISIONS:
            words = ", ".join([*DECISIONS, *DECISION_WORDS])
            report.refused.append(f"{row.where}: decision {row.decision!r} is none of {words}")
        elif row.key not in known:
            report.refused.append(f"{row.where}: {row.key!r} is no finding or pair of this index")
        elif current.get(row.key) == (row.decision, row.note):
            report.unchanged += 1
        else:
            report.changed.append(row)
    return report
