"""Synthetic variants of the bundled sample: the same tables written by other tools, with another
structure drawn at random from a seed.  Every variant must read back to the same records.

A variant takes some of the sample's tables and writes them with one writer — python-docx, openpyxl,
LibreOffice writer (Word → PDF, Word → ODT → PDF) or LibreOffice calc (Excel → PDF) — and a structure
drawn from its seed: a cover page, a 目录 with dot leaders and page numbers (over several pages when
it is long), page breaks, landscape or portrait pages, narrow columns (cells wrap), blank rows, merged
cells (values spanning the empty cells beside them, the 绩效指标 label merged down the indicator block,
一级/二级指标 merged over the rows that share them), a two-row indicator header, the indicator block as
a table of its own, its header repeated part way down (as a page break repeats it).

Synthetic: every value comes from the sample; only how it is laid out is made up.  ``expected`` gives
what a reader must find: the sample's own records of the tables chosen, and the warnings the sample has
for them.

>>> v = draw(3)
>>> v.seed, v.writer in WRITERS, 1 <= len(v.tables) <= 94
(3, True, True)
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from graph.defaults import DEFAULT_SAMPLE

WRITERS = ("docx", "xlsx", "writer-pdf", "odt-pdf", "calc-pdf")
PDF_WRITERS = ("writer-pdf", "odt-pdf", "calc-pdf")
WIDTH = 9  # grid columns of the sample's tables
HEADER_WORDS = ("一级指标", "二级指标", "三级指标", "计量单位", "指标性质", "指标值", "权重（%）", "是否核心指标")
_HEADING = re.compile(r"^\d{4}\s*年区级重点专项绩效目标表")
SIZES = (1, 3, 5, 8, 12, 94)  # how many tables a variant takes; 94 is the whole sample (a long 目录)
SIZE_WEIGHTS = (2, 5, 5, 4, 2, 1)


@dataclass(frozen=True)
class Table:
    """One of the sample's tables: its lines before the grid, its field rows, its indicator rows."""

    number: int  # 1-based, in the sample's order
    lines: tuple[str, ...]  # heading, 编制单位, 单位
    fields: tuple[tuple[str, ...], ...]
    header: tuple[str, ...]
    indicators: tuple[tuple[str, ...], ...]

    @property
    def regular(self) -> bool:
        """Every indicator row as the header lays it out (the sample has a few shifted ones)."""
        return all(len(r) == WIDTH and not r[0].strip() for r in self.indicators)


@dataclass(frozen=True)
class Sample:
    cover: tuple[str, ...]
    toc: tuple[str, ...]  # the contents lines as the sample has them
    tables: tuple[Table, ...]


def _pad(cells: list[str]) -> tuple[str, ...]:
    return tuple(cells + [""] * (WIDTH - len(cells)))


def load_sample(text: str | None = None) -> Sample:
    """The sample cut into cover, contents and tables."""
    lines = (text if text is not None else DEFAULT_SAMPLE.read_text(encoding="utf-8")).split("\n")
    starts = [i for i, ln in enumerate(lines) if _HEADING.match(ln)]
    head = lines[: starts[0]]
    at = next(i for i, ln in enumerate(head) if ln.replace(" ", "") == "目录")
    cover = tuple(ln for ln in head[:at] if ln.strip())
    toc = tuple(ln for ln in head[at + 1 :] if ln.strip())
    tables = []
    for n, (a, b) in enumerate(zip(starts, [*starts[1:], len(lines)], strict=True), start=1):
        block = [ln for ln in lines[a:b] if ln.strip()]
        plain = tuple(ln for ln in block if "\t" not in ln)
        grid = [ln.split("\t") for ln in block if "\t" in ln]
        h = next(i for i, r in enumerate(grid) if r[0].strip() == "绩效指标")
        fields = tuple(_pad(r) for r in grid[:h])
        tables.append(Table(n, plain, fields, _pad(grid[h]), tuple(tuple(r) for r in grid[h + 1 :])))
    return Sample(cover, toc, tuple(tables))


@dataclass(frozen=True)
class Variant:
    """How one document is made: which tables, which writer, which structure."""

    seed: int
    writer: str
    tables: tuple[int, ...]  # numbers of the sample's tables, in order
    cover: bool = False
    toc: bool = False
    toc_style: str = "tab"  # tab (a right tab stop with dot leaders), dots (dots typed), plain
    page_breaks: bool = False
    landscape: bool = True
    narrow: bool = False  # narrow columns: long cells wrap over many lines
    blank_rows: bool = False
    span_values: bool = False  # a value cell merged with the empty cells after it
    label_merge: bool = False  # 绩效指标 merged down the left of the indicator block
    level_merge: bool = False  # 一级/二级指标 merged over the rows that share them
    two_row_header: bool = False
    split_tables: bool = False  # the indicator block as a table of its own
    repeat_header: bool = False  # the indicator header again part way down
    one_sheet: bool = False  # Excel: every table on one sheet (else a sheet per table)

    @property
    def name(self) -> str:
        return f"variant{self.seed:04d}"

    @property
    def suffix(self) -> str:
        return {"docx": ".docx", "xlsx": ".xlsx"}.get(self.writer, ".pdf")


def draw(seed: int) -> Variant:
    """A variant drawn from ``seed`` (the same each run)."""
    r = random.Random(seed)
    size = r.choices(SIZES, SIZE_WEIGHTS)[0]
    first = r.randrange(0, 94 - size + 1)
    flag = lambda p=0.5: r.random() < p  # noqa: E731
    writer = r.choice(WRITERS)
    # LibreOffice calc splits a cell merged down over rows at a page break and draws its text outside
    # the table: not read (the reader warns there), so calc's variants merge cells across columns only
    # (a two-row header merges 权重 and 是否核心指标 down its rows)
    vertical = writer != "calc-pdf"
    label = flag() and vertical
    return Variant(
        seed=seed, writer=writer, tables=tuple(range(first + 1, first + size + 1)),
        cover=flag(), toc=flag(0.6), toc_style=r.choice(("tab", "dots", "plain")), page_breaks=flag(),
        landscape=flag(0.7), narrow=flag(0.3), blank_rows=flag(0.3), span_values=flag(), label_merge=label,
        level_merge=flag() and vertical, two_row_header=flag(0.3) and vertical, split_tables=flag(0.4),
        repeat_header=not label and flag(0.3), one_sheet=flag(0.3),
    )  # fmt: skip


# --- the document as blocks: paragraphs and grids with merges ---------------------------------------


@dataclass
class Grid:
    rows: list[tuple[str, ...]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1 inclusive
    header_rows: int = 0  # rows at the top repeated on every page (Word's 标题行重复)


Block = str | Grid  # a paragraph ("\f" alone: a page break) or a table


def _toc_lines(sample: Sample, v: Variant) -> list[str]:
    """The contents of the tables chosen, numbered anew, with page numbers after a tab (a tab stop with
    dot leaders in Word, the next cell in Excel), after typed dots, or after spaces."""
    entries = [sample.toc[n - 1] for n in v.tables]
    out = []
    for k, line in enumerate(entries, start=1):
        text, _, page = line.partition("\t")
        text = re.sub(r"^\d+", str(k), text.strip())
        page = str(k + (1 if v.cover else 0) + 1)
        if v.toc_style == "dots":
            out.append(f"{text}{'…' * 6}{page}")
        elif v.toc_style == "tab":
            out.append(f"{text}\t{page}")
        else:
            out.append(f"{text}  {page}")
    return out


def _indicator_grid(t: Table, v: Variant, r: random.Random) -> Grid:
    merge_ok = t.regular
    rows: list[tuple[str, ...]] = []
    merges: list[tuple[int, int, int, int]] = []
    if v.two_row_header:
        rows.append(("绩效指标", "指标", "", "", "目标", "", "", "权重（%）", "是否核心指标"))
        rows.append(("", *HEADER_WORDS[:6], "", ""))
        merges += [(0, 1, 0, 3), (0, 4, 0, 6), (0, 7, 1, 7), (0, 8, 1, 8)]
    else:
        rows.append(t.header)
    head = len(rows)
    body = list(t.indicators)
    if v.repeat_header and len(body) > 2:
        at = r.randrange(1, len(body))
        body = [*body[:at], *[("", *h[1:]) for h in rows], *body[at:]]
    rows += body
    if v.label_merge and merge_ok:
        rows = [("" if i else "绩效指标", *row[1:]) for i, row in enumerate(rows)]
        merges.append((0, 0, len(rows) - 1, 0))
    if v.level_merge and merge_ok and not v.repeat_header:
        rows, more = _merge_levels(rows, head)
        merges += more
    return Grid(rows, merges, header_rows=head if v.split_tables else 0)


def _merge_levels(
    rows: list[tuple[str, ...]], head: int
) -> tuple[list[tuple[str, ...]], list[tuple[int, int, int, int]]]:
    """一级指标 merged over each run of rows that share it, 二级指标 over each run inside it."""
    out = [list(r) for r in rows]
    merges = []
    for col in (1, 2):
        i = head
        while i < len(rows):
            j = i
            key = rows[i][1 : col + 1]
            while j + 1 < len(rows) and rows[j + 1][1 : col + 1] == key:
                j += 1
            if j > i:
                merges.append((i, col, j, col))
                for k in range(i + 1, j + 1):
                    out[k][col] = ""
            i = j + 1
    return [tuple(r) for r in out], merges


def _field_grid(t: Table, v: Variant, r: random.Random) -> Grid:
    rows = list(t.fields)
    merges = []
    if v.span_values:
        for i, row in enumerate(rows):
            filled = [c for c in range(WIDTH) if row[c].strip()]
            for c, nxt in zip(filled, [*filled[1:], WIDTH], strict=True):
                if c and nxt - 1 > c:
                    merges.append((i, c, i, nxt - 1))
    if v.blank_rows:
        at = r.randrange(1, len(rows) + 1)
        rows.insert(at, ("",) * WIDTH)
        merges = [(a + (a >= at), b, c + (c >= at), d) for a, b, c, d in merges]
    return Grid(rows, merges)


def blocks(sample: Sample, v: Variant) -> list[Block]:
    r = random.Random(v.seed * 7919 + 1)
    out: list[Block] = []
    if v.cover:
        out += [*sample.cover, "\f"]
    if v.toc:
        out += ["目 录", *_toc_lines(sample, v), "\f"]
    for k, n in enumerate(v.tables):
        t = sample.tables[n - 1]
        if v.page_breaks and k:
            out.append("\f")
        out += list(t.lines)
        fields, indicators = _field_grid(t, v, r), _indicator_grid(t, v, r)
        if v.split_tables:
            out += [fields, indicators]
        else:
            shift = len(fields.rows)
            merges = fields.merges + [(a + shift, b, c + shift, d) for a, b, c, d in indicators.merges]
            out.append(Grid(fields.rows + indicators.rows, merges))
    return out


# --- writers ----------------------------------------------------------------------------------------


def write_docx(sample: Sample, v: Variant, path: Path) -> Path:
    return docx_from_blocks(blocks(sample, v), path, landscape=v.landscape, narrow=v.narrow)


def docx_from_blocks(blocks: Sequence[Block], path: Path, landscape: bool = True, narrow: bool = False) -> Path:
    """Paragraphs and grids (with their merges) as a Word file; ``"\f"`` is a page break."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_BREAK, WD_TAB_ALIGNMENT, WD_TAB_LEADER
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = docx.Document()
    section = document.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    else:
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    section.footer.paragraphs[0].text = "预算绩效目标表"
    document.styles["Normal"].font.size = Pt(8)
    usable = section.page_width - Cm(3)
    pending_break = False
    for block in blocks:
        if isinstance(block, str):
            if block == "\f":
                pending_break = True
                continue
            p = document.add_paragraph()
            if pending_break:
                p.paragraph_format.page_break_before = True
                pending_break = False
            if "\t" in block:
                p.paragraph_format.tab_stops.add_tab_stop(usable, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
            p.add_run(block)
            continue
        if pending_break:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            pending_break = False
        table = document.add_table(rows=len(block.rows), cols=max(len(r) for r in block.rows))
        table.style = "Table Grid"
        if narrow:
            table.autofit = False
            for col in table.columns:
                col.width = Cm(1.6)
        covered: set[tuple[int, int]] = set()
        for r0, c0, r1, c1 in block.merges:
            table.cell(r0, c0).merge(table.cell(r1, c1))
            covered |= {(a, b) for a in range(r0, r1 + 1) for b in range(c0, c1 + 1)} - {(r0, c0)}
        for i, row in enumerate(block.rows):
            for c, value in enumerate(row):
                if (i, c) not in covered and value:
                    table.cell(i, c).text = value
        for i in range(block.header_rows):
            tr_pr = table.rows[i]._tr.get_or_add_trPr()
            tr_pr.append(OxmlElement("w:tblHeader"))
            tr_pr[-1].set(qn("w:val"), "true")
        document.add_paragraph()
    document.save(str(path))
    return path


def write_xlsx(sample: Sample, v: Variant, path: Path, for_pdf: bool = False) -> Path:
    return xlsx_from_blocks(blocks(sample, v), path, for_pdf, v.landscape, v.narrow, v.one_sheet)


def xlsx_from_blocks(
    blocks: Sequence[Block], path: Path, for_pdf: bool = False, landscape: bool = True, narrow: bool = False,
    one_sheet: bool = True, heading: re.Pattern[str] = _HEADING,
) -> Path:  # fmt: skip
    """Paragraphs and grids as rows of a workbook: one sheet, or a sheet from each ``heading`` on."""
    import openpyxl
    from openpyxl.styles import Alignment, Border, Side
    from openpyxl.worksheet.pagebreak import Break

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "全部" if one_sheet else "封面"
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    row_at = {id(ws): 0}
    widths = (14, 22, 14, 26, 10, 10, 10, 10, 10) if not narrow else (8,) * WIDTH

    def setup(sheet):
        row_at[id(sheet)] = 0
        sheet.page_setup.orientation = "landscape" if landscape else "portrait"
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        for c, w in enumerate(widths, start=1):
            sheet.column_dimensions[openpyxl.utils.get_column_letter(c)].width = w
        return sheet

    setup(ws)
    n = 0
    for block in blocks:
        if isinstance(block, str):
            if block == "\f":
                if row_at[id(ws)] and one_sheet:
                    ws.row_breaks.append(Break(id=row_at[id(ws)]))
                continue
            if heading.search(block) and not one_sheet:
                n += 1
                ws = setup(wb.create_sheet(f"表{n}"))
            row_at[id(ws)] += 1
            text, tab, page = block.partition("\t")  # a contents line's page number: in the last column
            ws.cell(row_at[id(ws)], 1, text)
            if tab:
                ws.cell(row_at[id(ws)], WIDTH, page)
            continue
        top = row_at[id(ws)] + 1
        for i, row in enumerate(block.rows):
            for c, value in enumerate(row, start=1):
                cell = ws.cell(top + i, c, value or None)
                if for_pdf:
                    cell.border = box
                    cell.alignment = Alignment(wrap_text=True, vertical="center")
        for r0, c0, r1, c1 in block.merges:
            ws.merge_cells(start_row=top + r0, start_column=c0 + 1, end_row=top + r1, end_column=c1 + 1)
        for i, height in enumerate(_row_heights(block, widths)):
            ws.row_dimensions[top + i].height = height  # as Excel's autofit stores them
        row_at[id(ws)] = top + len(block.rows) - 1
    wb.save(str(path))
    return path


LINE_POINTS = 11.5  # one line of 10-point text in a cell, with its leading


def _row_heights(grid: Grid, widths: Sequence[float]) -> list[float]:
    """Each row's height in points, enough for its cells' wrapped lines (a Chinese character is two
    units of Excel's column width); a cell merged over several rows shares its lines among them."""
    span = {(r0, c0): (r1 - r0 + 1, sum(widths[c0 : c1 + 1])) for r0, c0, r1, c1 in grid.merges}
    heights = []
    for i, row in enumerate(grid.rows):
        lines = 1
        for c, value in enumerate(row):
            rows, width = span.get((i, c), (1, widths[c]))
            units = sum(2 if ord(ch) > 0x2E7F else 1 for ch in value)
            lines = max(lines, -(-int(units * 1.15) // max(1, int(width) - 1)) // rows + 1)
        heights.append(lines * LINE_POINTS)
    return heights


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(files: Sequence[Path], to: str, outdir: Path) -> None:
    """LibreOffice headless, all files in one run (one start-up)."""
    exe = soffice()
    assert exe is not None, "LibreOffice is needed (`make test` installs it)"
    outdir = outdir.resolve()  # LibreOffice wants its profile (HOME) at an absolute path
    env = {**os.environ, "HOME": str(outdir)}
    cmd = [exe, "--headless", "--convert-to", to, "--outdir", str(outdir), *(str(f.resolve()) for f in files)]
    subprocess.run(cmd, capture_output=True, timeout=900, check=True, env=env)


def write_all(variants: Sequence[Variant], folder: Path, sample: Sample | None = None) -> dict[int, Path]:
    """Every variant's document in ``folder`` (LibreOffice runs once per kind of conversion)."""
    sample = sample or load_sample()
    folder.mkdir(parents=True, exist_ok=True)
    work = folder / "sources"
    work.mkdir(exist_ok=True)
    out: dict[int, Path] = {}
    to_pdf: list[Path] = []
    to_odt: list[Path] = []
    for v in variants:
        if v.writer in ("docx", "writer-pdf", "odt-pdf"):
            src = write_docx(sample, v, (folder if v.writer == "docx" else work) / f"{v.name}.docx")
        else:
            src = write_xlsx(sample, v, (folder if v.writer == "xlsx" else work) / f"{v.name}.xlsx", v.writer != "xlsx")
        if v.writer in ("writer-pdf", "calc-pdf"):
            to_pdf.append(src)
        elif v.writer == "odt-pdf":
            to_odt.append(src)
        out[v.seed] = folder / f"{v.name}{v.suffix}"
    if to_odt:
        convert(to_odt, "odt", work)
        to_pdf += [work / f"{p.stem}.odt" for p in to_odt]
    if to_pdf:
        convert(to_pdf, "pdf", folder)
    return out


def pdftotext_layout(pdf: Path) -> Path:
    """``pdftotext -layout`` of a PDF, as users bring text extracted from a PDF."""
    out = pdf.with_suffix(".layout.txt")
    subprocess.run(["pdftotext", "-layout", str(pdf), str(out)], capture_output=True, timeout=120, check=True)
    return out


# --- what must be read -------------------------------------------------------------------------------


def expected(sample_doc, v: Variant) -> tuple[list[tuple], Counter[str]]:
    """The fingerprints of the sample's projects this variant holds, and the warnings the sample has for
    them (contents warnings only where the variant has contents)."""
    from graph.read.merge import fingerprint

    chosen = [sample_doc.projects[n - 1] for n in v.tables]
    lines = [(p.span.line, p.span.end_line) for p in chosen]
    codes: Counter[str] = Counter()
    for d in sample_doc.diagnostics:
        if d.code.startswith("toc-"):
            continue
        if d.line is not None and any(a <= d.line <= b for a, b in lines):
            codes[d.code] += 1
    if v.toc and any(p.name == "人社社保相关事业发展资金" for p in chosen):
        codes["toc-name-differs"] += 1
    return [fingerprint(p) for p in chosen], codes


OUTCOMES = ("exact", "refused", "warned", "silent")  # what reading a variant gave; "silent" must never be


def outcome(sample_doc, v: Variant, path: Path) -> tuple[str, str]:
    """How a variant read back: ``exact`` (the same records and warnings as the sample, the whole 目录),
    ``refused`` (a clear error), ``warned`` (records differ, each differing one with a warning at its
    table), or ``silent`` (a wrong record no warning names); with a line saying what differed."""
    from graph.errors import BudgetGraphError
    from graph.read.layouts import parse_file
    from graph.read.merge import fingerprint

    want, codes = expected(sample_doc, v)
    try:
        doc = parse_file(path)
    except BudgetGraphError as exc:
        return "refused", str(exc)[:300]
    got = [fingerprint(p) for p in doc.projects]
    found = Counter(d.code for d in doc.diagnostics)
    toc_ok = not v.toc or len(doc.toc) == len(v.tables)
    if got == want and found == codes and toc_ok:
        return "exact", ""
    said = {(d.file, d.line) for d in doc.diagnostics if d.code not in codes}
    wrong = [p for p, fp in zip(doc.projects, got, strict=False) if fp not in want]
    unsaid = [p for p in wrong if not any(f == p.span.file or f.split("#")[0] == p.source for f, _ in said)]
    detail = f"{len(wrong)} records differ; warnings {dict(found - codes)}; missing {dict(codes - found)}"
    if len(got) != len(want) and not said:
        return "silent", f"{len(got)} projects read, {len(want)} written; {detail}"
    if unsaid or (not wrong and not said and not toc_ok):
        return "silent", f"unwarned: {[p.name for p in unsaid][:5]}; {detail}"
    return "warned", detail
