"""No file can hang a build or exhaust the machine: a bomb of each kind, made here, is read or refused
within the limits of :mod:`graph.read.limits`, in a process whose address space is capped at
``MEMORY_BOUND`` (``RLIMIT_AS``)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from graph.errors import InputError
from graph.read.layouts import parse_file
from graph.read.limits import MAX_BLANK_RUN, MAX_CELL_CHARS, MAX_PAGES, MAX_TEXT_BYTES, MAX_UNPACKED_BYTES
from tests.documents import write_xlsx
from tests.test_tables import table

GIB = 1 << 30
SAMPLE = Path(__file__).parent.parent / "data" / "beibei_2024_key_projects.txt"


def _rewrite_zip(src: Path, dst: Path, change: dict[str, tuple[bytes, bytes]]) -> Path:
    """A copy of an Office file with bytes of some parts replaced (old → new), as a hostile writer would."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename in change:
                old, new = change[item.filename]
                assert old in data, (item.filename, old)
                data = data.replace(old, new, 1)
            zout.writestr(item, data)
    return dst


def _sheet(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return next(n for n in z.namelist() if n.startswith("xl/worksheets/sheet"))


def dimension_bomb(d: Path) -> Path:
    """The sample on one sheet (2,700 rows) that declares the largest size Excel has, A1:XFD1048576:
    read by that size, each row is 16,384 cells (minutes for the sheet)."""
    src = write_xlsx(SAMPLE.read_text(encoding="utf-8"), d / "plain.xlsx", per_table=False)
    name = _sheet(src)
    with zipfile.ZipFile(src) as z:
        dim = re.search(rb'<dimension ref="[^"]+"/>', z.read(name))
    assert dim is not None
    return _rewrite_zip(src, d / "dimension.xlsx", {name: (dim.group(0), b'<dimension ref="A1:XFD1048576"/>')})


def far_row(d: Path) -> Path:
    """The table, then 1,048,000 blank rows, then one more cell in Excel's last row."""
    src = write_xlsx(table(), d / "plain2.xlsx", per_table=False)
    name = _sheet(src)
    far = b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>\xe6\x9c\xab</t></is></c></row></sheetData>'
    return _rewrite_zip(src, d / "far.xlsx", {name: (b"</sheetData>", far)})


def big_cell(d: Path, chars: int = 40_000_000) -> Path:
    """A workbook of a few hundred KB whose 项目概述 cell holds 40 million characters."""
    src = write_xlsx(table(), d / "plain3.xlsx", per_table=False)
    written = "".join(f"&#{ord(c)};" for c in "概述。").encode()  # openpyxl writes character references
    return _rewrite_zip(src, d / "cell.xlsx", {_sheet(src): (written, ("概" * chars + "。").encode())})


def zip_bomb(d: Path) -> Path:
    """A .docx whose document.xml unpacks past the limit (a few MB on disk)."""
    path = d / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            block = b" " * (1 << 24)
            for _ in range(MAX_UNPACKED_BYTES // len(block) + 1):
                f.write(block)
    return path


def long_text(d: Path) -> Path:
    path = d / "long.txt"
    with open(path, "wb") as f:
        f.write(table().encode())
        f.truncate(MAX_TEXT_BYTES + 1)  # sparse: no disk used
    return path


def many_pages(d: Path) -> Path:
    from pypdf import PdfWriter

    w = PdfWriter()
    for _ in range(MAX_PAGES + 1):
        w.add_blank_page(595, 842)
    path = d / "pages.pdf"
    with open(path, "wb") as f:
        w.write(f)
    return path


_READ_ALL = """
import json, sys
from graph.errors import BudgetGraphError
from graph.read.layouts import parse_file
out = {}
for path in sys.argv[1:]:
    try:
        doc = parse_file(path)
        out[path] = {"projects": len(doc.projects), "codes": [d.code for d in doc.diagnostics],
                     "overview": len(doc.projects[0].overview) if doc.projects else 0}
    except BudgetGraphError as exc:
        out[path] = {"refused": str(exc)}
status = open("/proc/self/status").read()  # VmHWM: this process's peak (ru_maxrss keeps the parent's)
out["peak_mib"] = int(status.split("VmHWM:")[1].split()[0]) / 1024
print(json.dumps(out, ensure_ascii=False))
"""


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bombs")
    return {
        "dimension": dimension_bomb(d),
        "far": far_row(d),
        "cell": big_cell(d),
        "zip": zip_bomb(d),
        "text": long_text(d),
        "pages": many_pages(d),
    }


@pytest.fixture(scope="module")
def read_capped(bombs: dict[str, Path]) -> dict[str, dict]:
    """Every bomb read in one process whose address space is capped at MEMORY_BOUND (2 GiB)."""
    cap = f"import resource; resource.setrlimit(resource.RLIMIT_AS, ({2 * GIB}, {2 * GIB}))\n"
    proc = subprocess.run(
        [sys.executable, "-c", cap + _READ_ALL, *map(str, bombs.values())],
        capture_output=True,
        text=True,
        timeout=120,  # the dimension bomb alone took minutes before
        cwd=Path(__file__).parent.parent,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout)
    return {name: out[str(path)] for name, path in bombs.items()} | {"peak_mib": out["peak_mib"]}


def test_a_declared_dimension_is_not_trusted(read_capped: dict[str, dict]) -> None:
    assert read_capped["dimension"]["projects"] == 94


def test_blank_rows_to_the_end_of_the_sheet_cost_nothing_and_the_last_row_keeps_its_number(
    bombs: dict[str, Path], read_capped: dict[str, dict]
) -> None:
    from graph.read.formats import read_source

    assert read_capped["far"]["projects"] == 1
    rows, _, _ = read_source(bombs["far"])
    assert rows[-1].line == 1048576 and rows[-1].cells == ("末",)
    assert len(rows) < 100 + MAX_BLANK_RUN


def test_a_huge_cell_is_cut_with_a_warning_naming_it(bombs: dict[str, Path], read_capped: dict[str, dict]) -> None:
    got = read_capped["cell"]
    assert got["projects"] == 1 and got["overview"] <= MAX_CELL_CHARS
    assert "cell-too-long" in got["codes"]


def test_a_zip_bomb_is_refused_before_it_is_unpacked(read_capped: dict[str, dict]) -> None:
    message = read_capped["zip"]["refused"]
    assert "bomb.docx" in message and "word/document.xml" in message and "unpacks to" in message


def test_an_oversized_text_is_refused_unread(read_capped: dict[str, dict]) -> None:
    assert "long.txt" in read_capped["text"]["refused"] and "64 MiB" in read_capped["text"]["refused"]


def test_a_pdf_of_too_many_pages_is_refused(read_capped: dict[str, dict]) -> None:
    assert f"{MAX_PAGES + 1} pages" in read_capped["pages"]["refused"]


def test_memory_stays_under_the_bound(read_capped: dict[str, dict]) -> None:
    print(f"peak {read_capped['peak_mib']:.0f} MiB")
    assert read_capped["peak_mib"] < 2048  # the process ran under RLIMIT_AS = 2 GiB and finished


def test_a_formula_without_a_saved_value_is_named(tmp_path: Path) -> None:
    """openpyxl writes formulas without values (as any program that does not calculate): the
    amount reads as empty, and a warning names the cell and says to save the file in Excel."""
    import openpyxl

    src = write_xlsx(table(), tmp_path / "f.xlsx", per_table=False)
    wb = openpyxl.load_workbook(src)
    ws = wb.active
    (cell,) = [c for row in ws.iter_rows() for c in row if c.value == "10.00" and c.column == 2]
    cell.value = "=5+5"
    wb.save(src)
    doc = parse_file(src)
    (said,) = [d for d in doc.diagnostics if d.code == "formula-no-value"]
    assert f"B{cell.row}" in said.message and "=5+5" in said.message and said.line == cell.row


def test_a_damaged_zip_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\0" * 100)
    with pytest.raises(InputError, match=r"broken\.xlsx"):
        parse_file(path)


def test_the_encoder_embeds_at_most_max_pieces_of_a_text(st_encoder) -> None:  # type: ignore[no-untyped-def]
    """A pasted document in one field is embedded up to MAX_PIECES windows, not for minutes: the
    vector is that of its first MAX_PIECES pieces, and the count says how many there were."""
    from index.encoder import MAX_PIECES, split_to_fit

    sentence = "本项目用于森林防火巡查、扑火物资储备和防火宣传教育，保障辖区森林资源安全。"
    text = sentence * 800
    limit = st_encoder.spec.max_tokens - 2 - st_encoder.count_tokens(st_encoder.spec.passage_prompt)
    pieces = split_to_fit(text, st_encoder.count_tokens, limit)
    assert len(pieces) > MAX_PIECES
    vec, n = st_encoder.encode([text, "".join(pieces[:MAX_PIECES])])
    assert n == [len(pieces), MAX_PIECES]
    assert float(vec[0] @ vec[1]) > 0.9999
