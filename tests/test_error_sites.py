"""Every refusal of the reader fed once: a damaged Word, Excel or PDF file, a folder given as a file,
a bad layout description, a long table with no project rows, a manifest source that is not ours.

Each refusal is one :class:`~graph.errors.InputError` (or :class:`~graph.errors.IndexFormatError`)
naming the file and saying what is wrong; none is a traceback from a library underneath.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from graph.errors import IndexFormatError, InputError, NoTablesError
from graph.read.identity import Override
from graph.read.layouts import parse_file
from graph.read.long_table import read_long_table
from graph.read.rows import rows_from_text
from graph.read.spec import builtin_layouts, load_layout


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def test_a_folder_given_as_a_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"cannot read file: Is a directory"):
        parse_file(tmp_path)


def test_a_damaged_word_file(tmp_path: Path) -> None:
    path = _zip(tmp_path / "a.docx", {"word/document.xml": b"<not xml", "[Content_Types].xml": b"<x/>"})
    with pytest.raises(InputError, match=r"a\.docx: cannot open the Word file \(\w+"):
        parse_file(path)


def test_a_damaged_workbook(tmp_path: Path) -> None:
    path = _zip(tmp_path / "a.xlsx", {"xl/workbook.xml": b"<not xml", "[Content_Types].xml": b"<x/>"})
    with pytest.raises(InputError, match=r"a\.xlsx: cannot open the workbook \(\w+"):
        parse_file(path)


def test_a_damaged_pdf(tmp_path: Path) -> None:
    path = tmp_path / "a.pdf"
    path.write_bytes(b"%PDF-1.4\n\x00\x01 this is no PDF body at all\n")
    with pytest.raises(InputError, match=r"a\.pdf: cannot read the PDF \(\w+"):
        parse_file(path)


@pytest.mark.parametrize(
    ("toml", "said"),
    [
        ('name = "x"\nshape = "form"\nlabels = 3\n', r"\[labels\] must be a table of name = \[labels\]"),
        ('name = "x"\nshape = "form"\n[labels]\nname = "项目名称"\n', r"\[labels\] name must be a list of labels"),
        ('name = "x"\nshape = "form"\nheading = "(年"\n', r"heading is not a regular expression"),
    ],
)
def test_a_bad_layout_description(tmp_path: Path, toml: str, said: str) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(InputError, match=rf"mine\.toml: {said}"):
        load_layout(path)


def test_a_layout_description_that_is_not_text(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_bytes(b'name = "\xff\xfe"')  # not UTF-8
    with pytest.raises(InputError, match=r"mine\.toml: cannot read the layout description"):
        load_layout(path)


def test_a_long_table_without_project_rows() -> None:
    header = "单位名称\t项目名称\t预算数\t年度目标\t一级指标\t二级指标\t三级指标\t指标值"
    rows = rows_from_text(f"部门项目支出绩效目标表\n{header}\n", "d.txt")
    with pytest.raises(NoTablesError, match=r"d\.txt: no 部门项目支出绩效目标表（部门预算公开） rows found"):
        read_long_table(rows, "d.txt", "utf-8", (), frozenset(), builtin_layouts()["department_budget"])


def test_a_manifest_source_that_is_not_ours() -> None:
    assert Override.recorded({"overridden": ["year"], "year": 2024}) == Override(None, 2024)
    with pytest.raises(IndexFormatError, match=r"'a\.txt' has 'overridden' 'year', not a list"):
        Override.recorded({"path": "a.txt", "overridden": "year"})
