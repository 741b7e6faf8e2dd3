"""The table of contents (目录): read its entries and cross-check them against the tables.

>>> e = parse_toc_line('27. 人力社保相关事业发展资金绩效目标表（区人社局）\\t27', 'f', 42)
>>> (e.number, e.name, e.department_short, e.page)
(27, '人力社保相关事业发展资金', '区人社局', 27)
>>> parse_toc_line('预算报告', 'f', 1) is None
True

Leaders and page numbers as writers set them: a tab, dots typed or drawn by a tab stop, or spaces.

>>> [parse_toc_line(x, 'f', 1).page for x in (
... '3. 甲绩效目标表（区纪委）……3', '3. 甲绩效目标表 ........ 12', '3. 甲绩效目标表  4', '3. 甲绩效目标表（区纪委）5',
... '3. 甲绩效目标表（区纪委）. 6')]
[3, 12, 4, 5, 6]
>>> parse_toc_line('1. 甲绩效目标表（区纪委）.', 'f', 1).name
'甲'
>>> first = parse_toc_line('3. 北碚区文笔山公园管理用房（廉政教育中心）运行项目绩效目标', 'f', 7)
>>> joined = join_entry(first, '表（区纪委）……3')
>>> (joined.name, joined.department_short, joined.page, joined.span.end_line)
('北碚区文笔山公园管理用房（廉政教育中心）运行项目', '区纪委', 3, 8)
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import replace

from graph.codes import Code
from graph.constants import TOC_BEST_MATCH_RATIO, TOC_SAME_POSITION_RATIO
from graph.models import Diagnostic, Project, Span, TocEntry
from graph.text import squash, width_key

__all__ = ["crosscheck_toc", "is_toc_heading", "join_entry", "parse_toc_line", "toc_gaps", "toc_mismatch"]

# between an entry's name and its page number (one dot too, after the name: OCR reads a drawn leader as one)
_LEADER = (
    r"(?:\s*[.…·．‥⋯]{2,}\s*|(?<=[）)表标])\s*[.…·．‥⋯]\s*|\t+\s*|\s{2,}"
    r"|(?<=[表标])\s+|(?<=[）)])\s*)"
)
_TRAILING_LEADER = "  .…·．‥⋯\t"
_ENTRY = re.compile(rf"^\s*(\d{{1,4}})\s*[.、．]\s*(.+?)\s*(?:{_LEADER}(\d{{1,4}}))?\s*$")
_PAGE_ONLY = re.compile(r"^[\s.…·．‥⋯]*\d{1,4}\s*$")
_NAME = re.compile(r"^(?P<name>.+?)(?:绩效目标表|绩效目标)\s*(?:[（(](?P<dept>[^（）()]*)[）)])?\s*$")


def is_toc_heading(line: str) -> bool:
    return squash(line) in ("目录", "目次")


def parse_toc_line(line: str, file: str, lineno: int) -> TocEntry | None:
    """One numbered contents line, or None when the line is not one."""
    m = _ENTRY.match(line)
    if not m:
        return None
    text = m.group(2).strip().rstrip(_TRAILING_LEADER)
    nm = _NAME.match(text)
    name, dept = (nm.group("name").strip(), (nm.group("dept") or "").strip()) if nm else (text, "")
    page = int(m.group(3)) if m.group(3) else None
    return TocEntry(int(m.group(1)), name, dept, page, Span(file, lineno, lineno, line))


def join_entry(entry: TocEntry | None, line: str) -> TocEntry | None:
    """``entry`` with the next line, when that line is the rest of a wrapped entry: the entry has no
    page number yet, and the line is no entry of its own."""
    if entry is None or entry.page is not None or _ENTRY.match(line) or not line.strip():
        return None
    if entry.span.raw.rstrip().endswith(("）", ")")) and not _PAGE_ONLY.match(line):
        return None  # the entry is whole; only its page number may follow (a heading never joins it)
    joined = parse_toc_line(entry.span.raw.rstrip() + line.strip(), entry.span.file, entry.span.line)
    if joined is None:
        return None
    return replace(joined, span=Span(entry.span.file, entry.span.line, entry.span.line + 1, joined.span.raw))


def crosscheck_toc(toc: Sequence[TocEntry], projects: Sequence[Project]) -> list[Diagnostic]:
    """Entries with no table, tables with no entry, and names that differ between the two.

    Names are matched exactly after width and space normalisation; what is left is paired by
    position (the n-th entry with the n-th table) when the names are similar, then by best
    similarity.
    """
    if not toc:
        return []
    file = toc[0].span.file
    diags: list[Diagnostic] = []
    free_projects = {i: width_key(p.name) for i, p in enumerate(projects)}
    by_name: dict[str, list[int]] = {}
    for i, n in free_projects.items():
        by_name.setdefault(n, []).append(i)
    pending: list[tuple[int, TocEntry]] = []
    for k, entry in enumerate(toc):
        hits = by_name.get(width_key(entry.name))
        if hits:
            free_projects.pop(hits.pop(0))
        else:
            pending.append((k, entry))
    still: list[TocEntry] = []
    for k, entry in pending:
        want = width_key(entry.name)
        ratios = {i: difflib.SequenceMatcher(None, want, name).ratio() for i, name in free_projects.items()}
        best = k if ratios.get(k, 0.0) >= TOC_SAME_POSITION_RATIO else None
        if best is None and ratios:
            cand = max(ratios, key=lambda i: ratios[i])
            best = cand if ratios[cand] >= TOC_BEST_MATCH_RATIO else None
        if best is None:
            still.append(entry)
            continue
        free_projects.pop(best)
        p = projects[best]
        diags.append(
            Diagnostic(
                "warning",
                Code.TOC_NAME_DIFFERS,
                f"contents entry {entry.number} (line {entry.span.line}) says {entry.name!r}, "
                f"the table says {p.name!r}",
                p.span.file,
                p.span.line,
            )
        )
    for entry in still:
        diags.append(
            Diagnostic(
                "warning",
                Code.TOC_MISSING_TABLE,
                f"contents entry {entry.number} {entry.name!r} has no table",
                file,
                entry.span.line,
            )
        )
    for i in sorted(free_projects):
        p = projects[i]
        diags.append(
            Diagnostic(
                "warning", Code.TOC_MISSING_ENTRY, f"table {p.name!r} has no contents entry", p.span.file, p.span.line
            )
        )
    return [*toc_gaps(toc), *diags]


def toc_gaps(toc: Sequence[TocEntry]) -> list[Diagnostic]:
    """The contents' numbers run 1, 2, 3 …: a number skipped is an entry deleted, and its table with
    it, though the count of entries and tables still agree (a list restarting at 1 is a new part).

    >>> from graph.models import Span
    >>> entries = [TocEntry(n, f'项目{n}', '', n, Span('a.txt', n, n)) for n in (1, 2, 4)]
    >>> [d.message for d in toc_gaps(entries)]
    ['contents entries jump from 2 to 4: entry 3 and its table are not in the document; is a table missing?']
    """
    out = []
    previous = 0
    for entry in toc:
        if entry.number > previous + 1:
            skipped = f"{previous + 1}" if entry.number == previous + 2 else f"{previous + 1}–{entry.number - 1}"
            where = f"start at {entry.number}" if not previous else f"jump from {previous} to {entry.number}"
            message = (
                f"contents entries {where}: entry {skipped} and its table are not in the document; is a table missing?"
            )
            out.append(Diagnostic("warning", Code.TOC_GAP, message, entry.span.file, entry.span.line))
        previous = entry.number
    return out


SHOWN_MISMATCHES = 5  # entries and tables named in the message when the contents and the tables disagree


def toc_mismatch(toc: Sequence[TocEntry], projects: Sequence[Project], crosschecked: Sequence[Diagnostic]) -> str:
    """The message refusing a document whose 目录 lists another number of tables than it holds."""
    lost = [d.message for d in crosschecked if d.code == Code.TOC_MISSING_TABLE][:SHOWN_MISMATCHES]
    extra = [f"{d.message} ({d.file}:{d.line})" for d in crosschecked if d.code == Code.TOC_MISSING_ENTRY]
    said = "; ".join([*lost, *extra[:SHOWN_MISMATCHES]])
    return (
        f"the contents (目录) list {len(toc)} tables but {len(projects)} were read ({said}): tables were lost or "
        "taken apart in reading, or the contents are out of date; check the file, or give its original "
        "(Word, Excel, or the PDF itself); with --keep-going the build skips it and says so"
    )
