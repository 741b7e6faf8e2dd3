"""Documents as governments publish them — Word, Excel, PDF (made from the Word file by
LibreOffice), the national template — read back to exactly the sample's projects."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from graph.defaults import DEFAULT_SAMPLE
from graph.errors import InputError, NoTablesError
from graph.models import ParsedDocument
from graph.read.formats import detect
from graph.read.layouts import parse_file
from graph.read.merge import fingerprint
from index.build import build
from tests.documents import write_docx, write_national_xlsx, write_xlsx

TEXT = DEFAULT_SAMPLE.read_text(encoding="utf-8")
SUBSET = 12  # projects in the national-layout workbook


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail("LibreOffice is not installed but CI requires it (`make test` installs it)")
        pytest.skip("LibreOffice not installed: apt-get install libreoffice-writer-nogui")
    return found


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("documents")
    write_docx(TEXT, d / "sample.docx")
    write_xlsx(TEXT, d / "sample.xlsx")
    write_xlsx(TEXT, d / "stacked.xlsx", per_table=False)
    return d


@pytest.fixture(scope="module")
def pdf(documents: Path) -> Path:
    subprocess.run(
        [_soffice(), "--headless", "--convert-to", "pdf", "--outdir", str(documents), str(documents / "sample.docx")],
        capture_output=True, timeout=300, check=True, env={**os.environ, "HOME": str(documents)},
    )  # fmt: skip
    return documents / "sample.pdf"


def _same_as_sample(doc: ParsedDocument, sample: ParsedDocument) -> None:
    assert len(doc.projects) == 94 and len(doc.toc) == 94
    assert sum(len(p.indicators) for p in doc.projects) == 520
    assert round(float(sum(p.amount for p in doc.projects if p.amount is not None)), 2) == 41826.39
    assert Counter(c.key for p in doc.projects for c in p.citations) == Counter(
        c.key for p in sample.projects for c in p.citations
    )
    assert [fingerprint(p) for p in doc.projects] == [fingerprint(p) for p in sample.projects]  # every value
    assert Counter(d.code for d in doc.diagnostics) == Counter(d.code for d in sample.diagnostics)


@pytest.mark.parametrize(("name", "kind"), [("sample.docx", "docx"), ("sample.xlsx", "xlsx"), ("stacked.xlsx", "xlsx")])
def test_word_and_excel_read_back_exactly(documents: Path, sample: ParsedDocument, name: str, kind: str) -> None:
    assert detect(documents / name) == kind
    _same_as_sample(parse_file(documents / name), sample)


def test_pdf_made_by_libreoffice_reads_back_exactly(pdf: Path, sample: ParsedDocument) -> None:
    """Ruled tables, cells wrapping onto several lines, tables running onto the next page, a
    running footer on every page: the same 94 projects, 520 indicators, amounts and citations."""
    assert detect(pdf) == "pdf"
    doc = parse_file(pdf)
    _same_as_sample(doc, sample)
    assert doc.projects[0].span.file.startswith(f"{pdf}#p") and doc.diagnostics[0].file.startswith(f"{pdf}#p")
    assert all("预算绩效目标表" != line for line in doc.preamble.splitlines())  # the footer is gone


def test_excel_provenance_is_sheet_and_row(documents: Path) -> None:
    doc = parse_file(documents / "sample.xlsx")
    assert doc.projects[0].span.file == f"{documents / 'sample.xlsx'}#表1" and doc.projects[0].span.line == 1
    shifted = next(d for d in doc.diagnostics if d.code == "shifted-cells")
    assert shifted.file.endswith("#表19") and shifted.line == 18


def test_national_layout(tmp_path: Path, sample: ParsedDocument) -> None:
    subset = sample.projects[:SUBSET]
    doc = parse_file(write_national_xlsx(subset, tmp_path / "national.xlsx"))
    assert [p.name for p in doc.projects] == [p.name for p in subset]
    assert [p.amount for p in doc.projects] == [p.amount for p in subset]
    assert [len(p.indicators) for p in doc.projects] == [len(p.indicators) for p in subset]
    for got, want in zip(doc.projects, subset, strict=True):
        assert got.layout == "national" and got.department == want.department and got.unit_name == want.unit_name
        assert [(i.name, i.operator, i.target_text, i.measure_unit) for i in got.indicators] == [
            (i.name, i.operator, i.target_text, i.measure_unit) for i in want.indicators
        ]
        assert all(i.weight is None for i in got.indicators) and got.overview == "" and got.basis == ()
        assert {c.key for c in got.citations} == {c.key for c in want.citations if c.field == "当年绩效目标"}
    (said,) = [d for d in doc.diagnostics if d.code == "layout-fields"]
    assert "项目概述" in said.message and "部门留用" in said.message


def test_the_same_tables_in_two_formats_count_once(documents: Path, pdf: Path, tmp_path: Path) -> None:
    report = build([pdf, documents / "sample.xlsx"], tmp_path / "idx", model=None)
    assert report.counts["projects"] == 94 and report.files_read == 2
    assert any(d.code == "duplicate-source" and "sample.xlsx" in d.file for d in report.diagnostics)


def test_kind_is_told_by_content_not_name(documents: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "really-a-workbook.txt"
    shutil.copy(documents / "sample.xlsx", renamed)
    assert detect(renamed) == "xlsx" and len(parse_file(renamed).projects) == 94


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old binary Office file"),
        (b"PK\x03\x04" + b"\0" * 100, "damaged ZIP/Office file"),
    ],
)
def test_files_that_cannot_be_read_say_why(tmp_path: Path, content: bytes, message: str) -> None:
    bad = tmp_path / "bad.docx"
    bad.write_bytes(content)
    with pytest.raises(InputError, match=message):
        parse_file(bad)


def test_a_zip_that_is_no_office_file(tmp_path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(tmp_path / "x.docx", "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(InputError, match="neither a Word"):
        parse_file(tmp_path / "x.docx")


def test_a_scanned_pdf_is_refused_with_ocr_never(tmp_path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (200, 100), "white").save(tmp_path / "scan.pdf")
    with pytest.raises(InputError, match=r"no text layer on pages 1-1: this PDF is an image; read it with --ocr auto"):
        parse_file(tmp_path / "scan.pdf", ocr="never")


def test_a_scan_of_nothing_is_refused_naming_the_file(tmp_path: Path) -> None:
    pytest.importorskip("rapidocr_onnxruntime", reason="the ocr extra")
    from PIL import Image

    Image.new("RGB", (200, 100), "white").save(tmp_path / "scan.pdf")
    with pytest.raises(InputError, match=r"scan\.pdf: no 绩效目标表 table found"):
        parse_file(tmp_path / "scan.pdf")


def test_an_encrypted_pdf_is_refused(pdf: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(pdf))
    writer.encrypt(user_password="secret", owner_password="owner")
    writer.write(tmp_path / "locked.pdf")
    with pytest.raises(InputError, match="the PDF is encrypted"):
        parse_file(tmp_path / "locked.pdf")


def test_a_spreadsheet_without_a_known_table_names_what_it_saw(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "电话"])
    wb.active.append(["张三", "123"])
    wb.save(tmp_path / "contacts.xlsx")
    with pytest.raises(NoTablesError, match=r"no table of a known layout \(approval, chongqing.*national\).*'姓名'"):
        parse_file(tmp_path / "contacts.xlsx")


def test_a_folder_is_searched_for_every_kind(documents: Path, pdf: Path, tmp_path: Path) -> None:
    from graph.read.source import find_sources

    found = {p.name for p in find_sources([documents])}
    assert {"sample.docx", "sample.xlsx", "sample.pdf", "stacked.xlsx"} <= found


def _pdftotext() -> str:
    found = shutil.which("pdftotext")
    if found is None:
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail("pdftotext is not installed but CI requires it (`make test` installs poppler-utils)")
        pytest.skip("pdftotext not installed: apt-get install poppler-utils")
    return found


def test_pdftotext_layout_text_reads_back(pdf: Path, sample: ParsedDocument, tmp_path: Path) -> None:
    """Columns placed by spaces, wrapped cells on lines of their own, a footer on every page."""
    text = tmp_path / "layout.txt"
    subprocess.run([_pdftotext(), "-layout", str(pdf), str(text)], check=True, timeout=120)
    assert "\t" not in text.read_text(encoding="utf-8")
    doc = parse_file(text)
    assert len(doc.projects) == 94 and len(doc.toc) == 94
    assert sum(len(p.indicators) for p in doc.projects) == 520
    assert round(float(sum(p.amount for p in doc.projects if p.amount is not None)), 2) == 41826.39
    assert Counter(c.key for p in doc.projects for c in p.citations) == Counter(
        c.key for p in sample.projects for c in p.citations
    )
    same = sum(fingerprint(a) == fingerprint(b) for a, b in zip(doc.projects, sample.projects, strict=True))
    assert same >= 93, same  # measured: 93 of 94 equal in every value (one wrapped name split by a page break)
    assert not any(p.name.startswith("(unnamed") for p in doc.projects)


def test_text_whose_tables_cannot_be_found_is_refused(tmp_path: Path) -> None:
    """Cells that are not where the layout puts them never become projects without names."""
    broken = "\n".join(
        "2024 年区级重点专项绩效目标表（一级项目）\n编制单位：105-某单位\n项目概述 概述。" for _ in range(3)
    )
    (tmp_path / "broken.txt").write_text(broken, encoding="utf-8")
    with pytest.raises(NoTablesError, match=r"3 of 3 tables have no 一级项目名称 \(at .*broken\.txt:1"):
        parse_file(tmp_path / "broken.txt")


def test_one_project_in_two_layouts_is_said(documents: Path, tmp_path: Path, sample: ParsedDocument) -> None:
    national = write_national_xlsx(sample.projects[:2], tmp_path / "national.xlsx")
    report = build([documents / "sample.xlsx", national], tmp_path / "idx", model=None)
    alike = [d for d in report.diagnostics if d.code == "same-project-other-id"]
    assert len(alike) == 2 and "人大监督专项经费（重点）" in alike[0].message


def test_an_opendocument_file_is_told_by_its_mimetype(tmp_path: Path) -> None:
    import zipfile

    for name, mime, kind in (("x.odt", "text", "odt"), ("y.ods", "spreadsheet", "ods")):
        with zipfile.ZipFile(tmp_path / name, "w") as z:
            z.writestr("mimetype", f"application/vnd.oasis.opendocument.{mime}")
            z.writestr("content.xml", "<office:document-content/>")
        assert detect(tmp_path / name) == kind


# --- .csv, and the formats LibreOffice converts (.xls, .doc, .ods, .odt) ---------------------------


@pytest.fixture(scope="module")
def converted(documents: Path) -> Path:
    """The sample's workbook as .xls and .ods, its Word file as .doc and .odt, made by LibreOffice."""
    out = documents / "converted"
    for source, to in (("sample.xlsx", "xls"), ("sample.xlsx", "ods"), ("sample.docx", "doc"), ("sample.docx", "odt")):
        subprocess.run(
            [_soffice(), "--headless", "--convert-to", to, "--outdir", str(out), str(documents / source)],
            capture_output=True, timeout=300, check=True, env={**os.environ, "HOME": str(documents)},
        )  # fmt: skip
    return out


@pytest.mark.parametrize(("name", "kind"), [("sample.xls", "xls"), ("sample.ods", "ods"), ("sample.doc", "doc"),
                                            ("sample.odt", "odt")])  # fmt: skip
def test_old_and_open_office_files_read_back_exactly(
    converted: Path, sample: ParsedDocument, name: str, kind: str
) -> None:
    assert detect(converted / name) == kind
    doc = parse_file(converted / name)
    _same_as_sample(doc, sample)
    assert {p.span.file.split("#")[0] for p in doc.projects} == {str(converted / name)}  # the file the user gave


def test_a_csv_export_reads_back_exactly_with_its_lines(tmp_path: Path, sample: ParsedDocument) -> None:
    import csv

    path = tmp_path / "sample.csv"
    with open(path, "w", newline="", encoding="utf-8-sig") as f:  # as Excel saves "CSV UTF-8"
        csv.writer(f).writerows(line.split("\t") for line in TEXT.split("\n"))
    assert detect(path) == "csv"
    doc = parse_file(path)
    _same_as_sample(doc, sample)
    assert [p.span.line for p in doc.projects] == [p.span.line for p in sample.projects]


def test_without_libreoffice_an_xls_is_refused_with_what_to_do(
    converted: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")  # this machine as one without LibreOffice
    with pytest.raises(
        InputError, match=r"sample\.xls: an old binary Excel file \(\.xls\): to read it, install LibreOffice"
    ):
        parse_file(converted / "sample.xls")
