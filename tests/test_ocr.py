"""Scanned PDFs read by OCR to the same records as the text PDFs they were made from.

The text PDFs are the sample's tables written by python-docx and by openpyxl and turned into PDF by
LibreOffice (writer and calc); the scans are made from them with pdftoppm, Pillow and img2pdf
(tests/scans.py): 150 and 200 dpi, grey JPEG and PNG, turned by up to a degree, speckled, with a red
seal over a table's corner.  Every project name, department, amount and indicator must be exact.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from graph.errors import InputError, MissingExtra
from graph.read.layouts import OCR_ATTRIBUTE, parse_file
from graph.read.pdf import pdf_rows
from tests.scans import FREE_TEXT, Scan, blank_scan, char_errors, free_text, mixed_pdf, record, scan_pdf
from tests.variants import Variant, soffice, write_all

pytest.importorskip("rapidocr_onnxruntime", reason="the ocr extra")
pytest.importorskip("img2pdf", reason="the dev extra")
if shutil.which("pdftoppm") is None or soffice() is None:
    pytest.skip("pdftoppm and LibreOffice make the test scans (make sysdeps)", allow_module_level=True)

WORD = Variant(seed=9001, writer="writer-pdf", tables=(4, 5, 6), toc=True, label_merge=True, level_merge=True)
CALC = Variant(seed=9002, writer="calc-pdf", tables=(58, 59), span_values=True)


@pytest.fixture(scope="module")
def text_pdfs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("text-pdfs")
    made = write_all([WORD, CALC], folder)
    return {"word": made[WORD.seed], "calc": made[CALC.seed]}


def _same_records(text: Path, scanned: Path) -> tuple[object, object]:
    want, got = parse_file(text), parse_file(scanned)
    assert [record(p) for p in got.projects] == [record(p) for p in want.projects]
    said = {d.code for d in got.diagnostics}
    assert len(got.toc) == len(want.toc) or "ocr-toc" in said  # a garbled contents page is said, the tables kept
    return want, got


SCANS = [
    Scan(dpi=150),
    Scan(dpi=200, jpeg=False, angle=0.7, speckle=0.002, seed=3),
    Scan(dpi=150, grey=False, angle=-0.5, seal=True, seed=5),
]


@pytest.mark.parametrize("scan", SCANS, ids=lambda s: s.name)
def test_a_scan_reads_to_the_records_of_the_text_pdf(text_pdfs, tmp_path, scan):
    scanned = scan_pdf(text_pdfs["word"], tmp_path / f"{scan.name}.pdf", scan)
    want, got = _same_records(text_pdfs["word"], scanned)
    pairs = list(zip(want.projects, got.projects, strict=True))
    errors = sum(char_errors(free_text(w, f), free_text(g, f)) for w, g in pairs for f in FREE_TEXT)
    chars = sum(len(free_text(w, f)) for w in want.projects for f in FREE_TEXT)
    assert errors / chars < 0.02  # the character error rate of 概述, 目标 and 立项依据 (measured: bench/bench_ocr.py)
    for p in got.projects:  # every record says it was read by OCR, where, and how sure
        said = dict(p.attributes)[OCR_ATTRIBUTE]
        assert said.startswith("OCR 第") and "最低置信度" in said


def test_a_workbook_printed_by_calc_and_scanned(text_pdfs, tmp_path):
    scanned = scan_pdf(text_pdfs["calc"], tmp_path / "calc-scan.pdf", Scan(dpi=150))
    _same_records(text_pdfs["calc"], scanned)


def test_a_mixed_pdf_reads_both_kinds_of_page(text_pdfs, tmp_path):
    scanned = scan_pdf(text_pdfs["word"], tmp_path / "all.pdf", Scan(dpi=150))
    mixed = mixed_pdf(text_pdfs["word"], scanned, tmp_path / "mixed.pdf", {2, 3})
    _same_records(text_pdfs["word"], mixed)
    rows, _ = pdf_rows(mixed)
    assert {r.file.rsplit("#p")[1] for r in rows if r.score is not None} == {"2", "3"}
    assert {r.file.rsplit("#p")[1] for r in rows if r.score is None} >= {"1"}


def test_never_refuses_a_scan_and_says_how_to_read_it(text_pdfs, tmp_path):
    scanned = scan_pdf(text_pdfs["word"], tmp_path / "s.pdf", Scan(dpi=150), pages=(1, 2))
    with pytest.raises(InputError, match=r"no text layer on pages 1-2.*--ocr auto"):
        pdf_rows(scanned, ocr="never")
    mixed = mixed_pdf(text_pdfs["word"], scan_pdf(text_pdfs["word"], tmp_path / "a.pdf"), tmp_path / "m.pdf", {2})
    rows, diags = pdf_rows(mixed, ocr="never")
    assert [d.code for d in diags] == ["no-text-layer"] and "[2]" in diags[0].message
    assert all(r.score is None for r in rows)


@pytest.mark.parametrize("noise", [False, True], ids=["blank", "noise"])
def test_a_page_that_cannot_be_read_is_named(tmp_path, noise):
    rows, diags = pdf_rows(blank_scan(tmp_path / "page.pdf", noise))
    said = [d for d in diags if d.file.endswith("page.pdf#p1")]
    assert said, diags
    if not noise:
        assert [d.code for d in said] == ["ocr-empty"]
    else:  # noise may read as a few doubtful characters: each is named, none is trusted
        assert all(d.code in ("ocr-empty", "ocr-doubt", "ocr-unread") for d in said)
        assert all(r.score is not None for r in rows)


def test_a_rough_scan_is_read_or_refused_but_never_wrong_in_silence(text_pdfs, tmp_path):
    """Heavy speckle (0.4% of the pixels): each project is read exactly, or a warning names its pages,
    or the document is refused naming the file; doubtful cells are warnings naming page and cell."""
    from graph.errors import BudgetGraphError

    scanned = scan_pdf(text_pdfs["word"], tmp_path / "rough.pdf", Scan(dpi=150, speckle=0.004, seed=11))
    want = {record(p) for p in parse_file(text_pdfs["word"]).projects}
    try:
        got = parse_file(scanned)
    except BudgetGraphError as exc:
        assert str(scanned) in str(exc)
        return
    said = {d.file for d in got.diagnostics}
    for p in got.projects:
        if record(p) not in want:
            page = int(p.span.file.rsplit("#p", 1)[1])
            assert {f"{scanned}#p{page}", f"{scanned}#p{page + 1}"} & said, p.name
    for d in got.diagnostics:
        if d.code == "ocr-doubt":
            assert "#p" in d.file and "confidence" in d.message and ("table" in d.message or "line" in d.message)


def test_a_bad_ocr_mode_is_refused(text_pdfs):
    from graph.errors import UsageError

    with pytest.raises(UsageError, match="ocr must be one of auto, always, never"):
        pdf_rows(text_pdfs["word"], ocr="sometimes")


def test_the_missing_extra_names_itself(monkeypatch, tmp_path, text_pdfs):
    from graph.read import ocr

    ocr.recogniser.cache_clear()
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # as if the ocr extra were not installed
    scanned = scan_pdf(text_pdfs["word"], tmp_path / "s.pdf", Scan(dpi=150), pages=(1, 1))
    with pytest.raises(MissingExtra, match=r"\[ocr\]"):
        pdf_rows(scanned)
    ocr.recogniser.cache_clear()
