"""No text from a document reaches a spreadsheet as a formula (CSV injection, OWASP): the exports'
CSV cells that would start one begin with ``'``, their workbooks hold strings, never formulas."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

import search
from analysis.duplicates import DuplicatePair, write_excel
from index.build import build
from tests.test_tables import table

HOSTILE = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)"]


@pytest.fixture(scope="module")
def hostile_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("hostile")
    text = "".join(table().replace("测试项目", name).replace("概述。", f"{name} 概述。") for name in HOSTILE)
    (d / "hostile.txt").write_text(text, encoding="utf-8")
    build([d / "hostile.txt"], d / "idx", model=None)
    return d / "idx"


def _no_formula(path: Path) -> int:
    wb = openpyxl.load_workbook(path)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    return sum(1 for c in cells if isinstance(c.value, str) and c.value in HOSTILE)


def _csv_cells(path: Path) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [cell for row in csv.reader(f) for cell in row]


def test_the_export_holds_no_formula(hostile_index: Path, tmp_path: Path) -> None:
    assert search.main(["export", "--index", str(hostile_index), "--out", str(tmp_path / "out")]) == 0
    assert _no_formula(tmp_path / "out" / "tables.xlsx") >= len(HOSTILE)  # the names, as text
    cells = [c for f in sorted((tmp_path / "out").glob("*.csv")) for c in _csv_cells(f)]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]
    assert {f"'{name}" for name in HOSTILE} <= set(cells)


def test_the_index_tables_hold_no_formula_and_read_back_exactly(hostile_index: Path) -> None:
    """``projects.csv`` and the other tables of the index are opened in Excel too; loading takes the
    quote off again, so pandas sees the names as the document wrote them."""
    from graph.store import TABLES, load_index

    cells = [c for t in TABLES for c in _csv_cells(hostile_index / f"{t}.csv")]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]
    assert sorted(load_index(hostile_index).projects["project"]) == sorted(HOSTILE)


def test_lint_csv_holds_no_formula(hostile_index: Path, tmp_path: Path) -> None:
    out = tmp_path / "lint.csv"
    search.main(["lint", "--index", str(hostile_index), "--csv", str(out)])
    cells = _csv_cells(out)
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]
    assert any(c.startswith("'=HYPERLINK") for c in cells)


def test_the_duplicates_workbook_holds_no_formula(tmp_path: Path) -> None:
    pair = DuplicatePair("project:a", HOSTILE[0], "project:b", HOSTILE[1], 0.9, "duplicate", {}, {}, True, True,
                         HOSTILE[2], HOSTILE[3], 1.0, 1.0, (), (), ())  # fmt: skip
    write_excel([pair], tmp_path / "d.xlsx")
    assert _no_formula(tmp_path / "d.xlsx") == 4


def test_control_characters_are_taken_out_and_said(tmp_path: Path) -> None:
    """A bell or a terminal escape in a cell: the build goes through (GraphML cannot hold them), the
    cell reads without them, and a warning names the place."""
    (tmp_path / "c.txt").write_text(table().replace("测试项目", "测试\x07项目\x1b[31m"), encoding="utf-8")
    report = build([tmp_path / "c.txt"], tmp_path / "idx", model=None)
    (p,) = [p for d in report.docs for p in d.projects]
    assert p.name == "测试项目[31m"
    (said,) = [d for d in report.diagnostics if d.code == "control-chars"]
    assert "2 control character(s)" in said.message and said.line is not None
