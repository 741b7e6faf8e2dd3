"""Metamorphic tests: the sample's tables written by other tools, in structures drawn from seeds
(tests/variants.py), read back to the same records — every seed, every writer.  Text that
``pdftotext -layout`` makes of each PDF reads back too, or is refused, or warns at each table it
reads differently: never a wrong record that no warning names, never a traceback."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from graph.models import ParsedDocument
from tests.test_formats import _soffice
from tests.variants import PDF_WRITERS, WRITERS, draw, outcome, pdftotext_layout, write_all

SEEDS = range(30)  # the bench (bench/bench_variants.py) draws 300


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[object, Path]]:
    _soffice()  # LibreOffice makes the PDFs (CI requires it)
    drawn = [draw(s) for s in SEEDS]
    paths = write_all(drawn, tmp_path_factory.mktemp("variants"))
    return {v.seed: (v, paths[v.seed]) for v in drawn}


def test_the_seeds_cover_every_writer_and_structure() -> None:
    drawn = [draw(s) for s in SEEDS]
    assert {v.writer for v in drawn} == set(WRITERS)
    for flag in ("cover", "toc", "page_breaks", "span_values", "label_merge", "level_merge", "two_row_header",
                 "split_tables", "repeat_header", "blank_rows", "narrow"):  # fmt: skip
        assert any(getattr(v, flag) for v in drawn), flag
    assert any(len(v.tables) == 94 and v.toc for v in drawn)  # a 目录 over several pages


@pytest.mark.parametrize("seed", SEEDS)
def test_every_variant_reads_back_to_the_same_records(variants, sample: ParsedDocument, seed: int) -> None:
    v, path = variants[seed]
    result, detail = outcome(sample, v, path)
    assert result == "exact", f"{v}: {result}: {detail}"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed (make test installs it)")
def test_pdftotext_layout_of_every_pdf_variant_never_reads_wrong_in_silence(variants, sample: ParsedDocument) -> None:
    results: Counter[str] = Counter()
    for v, path in variants.values():
        if v.writer not in PDF_WRITERS:
            continue
        result, detail = outcome(sample, v, pdftotext_layout(path))
        results[result] += 1
        assert result != "silent", f"{v}: {detail}"
    assert results["exact"] >= 1, results
