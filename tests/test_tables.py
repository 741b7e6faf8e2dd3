"""The table reader on the bundled sample and on made-up documents with each defect."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from graph.errors import EmptyFileError, EncodingError, InconsistentDocument, InputError, NoTablesError
from graph.models import ParsedDocument
from graph.read.indicators import read_indicator_row
from graph.read.layouts import parse_file
from graph.read.source import find_sources, read_text
from graph.read.tables import parse_text

FIXTURES = Path(__file__).parent / "fixtures"

HEAD = "2024 年区级重点专项绩效目标表（一级项目）\n\n编制单位：105-某单位\n\n单位：万元\n\n"
FIELDS = (
    "一级项目名称\t测试项目\t\t业务主管部门\t某部门\n"
    "预算执行率权重\t10\t\t部门留用\t{retained}\n"
    "当年预算金额\t{amount}\t\t补助街镇\t{towns}\n"
    "项目概述\t概述。\n立项依据\t《某办法》（渝财〔2020〕1号）\n当年绩效目标\t目标。\n"
    "绩效指标\t一级指标\t二级指标\t三级指标\t计量单位\t指标性质\t指标值\t权重（%）\t是否核心指标\n"
)
ROW = "\t产出指标\t数量指标\t次数\t次\t≥\t8\t90\t是\n"


def table(amount: str = "10.00", retained: str = "10.00", towns: str = "0", rows: str = ROW) -> str:
    return HEAD + FIELDS.format(amount=amount, retained=retained, towns=towns) + rows


def codes(doc: ParsedDocument) -> list[str]:
    return [d.code for d in doc.diagnostics]


# --- the bundled sample ---------------------------------------------------------------


def test_sample_counts(sample: ParsedDocument) -> None:
    assert len(sample.projects) == 94
    assert len(sample.toc) == 94
    assert sum(len(p.indicators) for p in sample.projects) == 520
    assert sum(p.amount for p in sample.projects if p.amount is not None) == Decimal("41826.39")


def test_sample_every_indicator_row_read(sample: ParsedDocument) -> None:
    lines = Path(sample.path).read_text(encoding="utf-8").split("\n")
    rows = [
        i for i, ln in enumerate(lines, 1) if ln.split("\t")[0] == "" and ln.count("\t") >= 7 and "一级指标" not in ln
    ]
    read = {ind.span.line for p in sample.projects for ind in p.indicators}
    assert set(rows) <= read
    assert not any(p.unparsed for p in sample.projects)


def test_sample_first_project_fields(sample: ParsedDocument) -> None:
    p = sample.projects[1]
    assert (p.unit_code, p.unit_name) == ("105", "中国共产党重庆市北碚区纪律检查委员会")
    assert p.name == "网络安全与信息化建设经费"
    assert p.department == "中国共产党重庆市北碚区纪律检查委员会"
    assert (p.execution_weight, p.amount, p.retained, p.to_towns) == (
        10.0,
        Decimal("15.00"),
        Decimal("15.00"),
        Decimal("0"),
    )
    assert p.year == 2024 and p.id == "project:重庆市北碚区:2024:105:网络安全与信息化建设经费"
    assert p.span.line == 132 and "网络安全与信息化建设经费" in p.span.raw
    first = p.indicators[0]
    assert (
        first.level1,
        first.level2,
        first.name,
        first.measure_unit,
        first.operator,
        first.target,
        first.weight,
        first.core,
    ) == (
        "满意度指标",
        "满意度指标",
        "群众满意度指标",
        "%",
        "≥",
        95.0,
        10.0,
        True,
    )


def test_sample_budget_split_holds(sample: ParsedDocument) -> None:
    assert "budget-split" not in codes(sample)
    for p in sample.projects:
        assert p.retained is not None and p.to_towns is not None and p.retained + p.to_towns == p.amount


def test_sample_html_and_basis(sample: ParsedDocument) -> None:
    p = next(p for p in sample.projects if p.name == "人大监督专项经费（重点）")
    assert p.basis == ("《监督法》", "《组织法》")
    assert "<p>" not in p.overview and "<p>" not in p.goals
    culture = next(p for p in sample.projects if p.name == "文明城区创建及文明实践项目经费")
    assert culture.overview.count("\n") == 5 and len(culture.basis) == 3


def test_sample_latex_operators(sample: ParsedDocument) -> None:
    p = next(p for p in sample.projects if p.name == "解决特殊疑难信访问题专项资金")
    assert [i.operator for i in p.indicators] == ["≤", "≥", "≥", "≤", "≥", "≥", "="]
    assert "$" not in p.goals and "≥ 90%" in p.goals


def test_sample_shifted_cells_recovered(sample: ParsedDocument) -> None:
    grain = next(p for p in sample.projects if p.name == "粮食工作专项经费")
    last = grain.indicators[-1]
    assert (last.operator, last.target_text, last.weight, last.core, last.recovered) == ("定性", "好", 20.0, None, True)
    assert sum(i.weight or 0 for i in grain.indicators) + (grain.execution_weight or 0) == 100
    house = next(p for p in sample.projects if p.name == "保交楼经费")
    assert house.indicators[-1].target_text == "完成" and house.indicators[-1].weight == 30.0
    shifted = {(d.line, d.code) for d in sample.diagnostics if d.code == "shifted-cells"}
    assert {482, 729, 1475, 1532, 1871} == {line for line, _ in shifted}


def test_sample_toc_crosscheck(sample: ParsedDocument) -> None:
    toc = [d for d in sample.diagnostics if d.code.startswith("toc-")]
    assert len(toc) == 1 and toc[0].code == "toc-name-differs"
    assert "人力社保相关事业发展资金" in toc[0].message and "人社社保相关事业发展资金" in toc[0].message


def test_sample_keeps_preamble(sample: ParsedDocument) -> None:
    assert "内部资料" in sample.preamble


# --- real snippets as fixtures ---------------------------------------------------------


def test_fixture_toc_entry_without_table_is_refused() -> None:
    """A 目录 of 3 entries over 2 tables: a table was lost, or the contents are out of date; the
    document is refused with the entry that has no table, never built with one project missing."""
    text = (FIXTURES / "two_tables.txt").read_text(encoding="utf-8")
    entry = "3. 北碚区文笔山公园管理用房（廉政教育中心）运行项目绩效目标表（区纪委）\t3\n"
    text = text.replace("（区纪委）\t2\n", f"（区纪委）\t2\n{entry}", 1)
    with pytest.raises(InconsistentDocument, match=r"list 3 tables but 2 were read \(contents entry 3 '北碚区文笔山"):
        parse_text(text, "two_tables.txt")
    assert [p.name for p in parse_file(FIXTURES / "two_tables.txt").projects] == [
        "人大监督专项经费（重点）",
        "网络安全与信息化建设经费",
    ]


def test_one_unnamed_table_among_named_ones_is_refused() -> None:
    with pytest.raises(InconsistentDocument, match=r"1 of 2 tables have no 一级项目名称 \(at d\.txt:\d+"):
        parse_text(table() + table().replace("一级项目名称\t测试项目", "项目简称\t测试项目"), "d.txt")


def test_fixture_shifted_rows() -> None:
    doc = parse_file(FIXTURES / "shifted_rows.txt")
    assert [len(p.indicators) for p in doc.projects] == [5, 6]
    left = doc.projects[1].indicators[-1]
    assert (left.level1, left.name, left.operator, left.target, left.weight, left.core) == (
        "满意度指标",
        "服务对象满意度",
        "≥",
        90.0,
        10.0,
        False,
    )


# --- made-up defects -------------------------------------------------------------------


def test_budget_split_mismatch_is_reported() -> None:
    doc = parse_text(table(amount="100.00", retained="60.00", towns="30.00"), "x.txt")
    (d,) = [d for d in doc.diagnostics if d.code == "budget-split"]
    assert d.line == 9 and "90.00" in d.message and "100.00" in d.message


def test_table_cut_off_keeps_what_was_read() -> None:
    text = HEAD + "一级项目名称\t被截断的项目\t\t业务主管部门\t某部门\n当年预算金额\t12.5\n"
    doc = parse_text(text, "cut.txt")
    (p,) = doc.projects
    assert p.name == "被截断的项目" and p.amount == Decimal("12.5")
    (d,) = [d for d in doc.diagnostics if d.code == "incomplete-table"]
    assert d.file == "cut.txt" and d.line == 1 and "项目概述" in d.message and "绩效指标" in d.message


def test_unknown_line_inside_table_is_kept_raw() -> None:
    doc = parse_text(table(rows=ROW + "备注\t这一行不认识\n"), "x.txt")
    (p,) = doc.projects
    assert [s.raw for s in p.unparsed] == ["备注\t这一行不认识"]
    assert any(d.code == "unparsed-line" and d.line == 15 for d in doc.diagnostics)


def test_row_with_no_operator_is_kept_raw() -> None:
    doc = parse_text(table(rows=ROW + "\t产出指标\t数量指标\t某指标\t次\t\t8\t10\t是\n"), "x.txt")
    (p,) = doc.projects
    assert len(p.indicators) == 1 and len(p.unparsed) == 1
    assert any(d.code == "unreadable-indicator" for d in doc.diagnostics)


def test_amounts_in_yuan_are_converted() -> None:
    doc = parse_text(table(amount="100000", retained="100000").replace("单位：万元", "单位：元"), "x.txt")
    assert doc.projects[0].amount == Decimal("10") and "money-unit" in codes(doc)


def test_non_numeric_amount_warns() -> None:
    doc = parse_text(table(amount="待定"), "x.txt")
    assert doc.projects[0].amount is None and "bad-amount" in codes(doc)


def test_two_tables_with_one_id() -> None:
    doc = parse_text(table() + "\n" + table(), "x.txt")
    assert len(doc.projects) == 2
    assert doc.projects[1].id == doc.projects[0].id + "#2"
    assert "duplicate-id" in codes(doc)


def test_table_without_heading_is_cut_at_its_name_row() -> None:
    body = FIELDS.format(amount="1", retained="1", towns="0") + ROW
    doc = parse_text(HEAD + body + body.replace("测试项目", "另一项目"), "x.txt")
    assert [p.name for p in doc.projects] == ["测试项目", "另一项目"]
    assert doc.projects[1].unit_code == "" and doc.projects[1].year == 2024
    assert [d.line for d in doc.diagnostics if d.code == "no-heading"] == [15]


def test_bad_weight_and_core_cells_warn() -> None:
    ind, diags = read_indicator_row(["", "产出指标", "数量指标", "x", "次", "≥", "1", "十", "也许"], "f", 3)
    assert ind is not None and ind.weight is None and ind.core is None
    assert [d.code for d in diags] == ["bad-weight", "bad-core"] and not ind.recovered


# --- bad input files --------------------------------------------------------------------


def test_empty_file(write) -> None:
    with pytest.raises(EmptyFileError, match=r"doc\.txt: the file is empty"):
        parse_file(write(" \n\n"))


def test_no_tables(write) -> None:
    with pytest.raises(NoTablesError, match=r"doc\.txt: no 绩效目标表 table found"):
        parse_file(write("这是一份普通的文件。\n没有表格。\n"))


def test_contents_without_tables(write) -> None:
    with pytest.raises(NoTablesError, match="the contents list 1 entries"):
        parse_file(write("目 录\n1. 甲项目绩效目标表（区某局）\t1\n"))


def test_gb18030_is_read_with_a_warning(write) -> None:
    text = table()
    doc = parse_file(write(text.encode("gb18030")))
    assert doc.encoding == "gb18030" and len(doc.projects) == 1
    (d,) = [d for d in doc.diagnostics if d.code == "not-utf8"]
    assert "byte offset 5" in d.message and d.line == 1


def test_neither_utf8_nor_gb18030(write) -> None:
    data = "编制单位\n".encode() + b"\x81\x30\xff\xfe\xff"
    with pytest.raises(EncodingError, match=r"doc\.txt:2: not UTF-8 \(bad byte 0x81 at byte offset 13\)"):
        read_text(write(data))


def test_binary_file(write) -> None:
    with pytest.raises(EncodingError, match="NUL bytes"):
        read_text(write(b"%PDF-1.4\x00\x00\x01"))


def test_missing_path_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        find_sources([tmp_path / "nope.txt"])
    with pytest.raises(InputError, match=r"folder has no \.txt/\.csv/\.pdf/\.docx/\.xlsx/\.xls/\.doc/\.ods/\.odt"):
        find_sources([tmp_path])


def test_folder_is_expanded_once(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("x", encoding="utf-8")
    assert [p.name for p in find_sources([tmp_path, tmp_path / "a.txt"])] == ["a.txt", "b.txt"]


# --- every bad-input branch of the reader is fed --------------------------------------------

TOC = "目 录\n\n1. 测试项目绩效目标表（某部门）\t1\n\n"


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        # a table the contents do not list, another they list under another name
        (
            TOC.rstrip("\n")
            + "\n2. 别的项目绩效目标表（某部门）\t2\n\n"
            + table()
            + table().replace("测试项目", "另一个完全不同的名字"),
            "toc-missing-entry",
            "has no contents entry",
        ),
        # a field written twice: both values are kept, joined
        (
            table().replace("项目概述\t概述。\n", "项目概述\t概述。\n项目概述\t再述。\n"),
            "repeated-field",
            "appears twice",
        ),
        # no 业务主管部门: the 编制单位 stands in, said so
        (table().replace("\t\t业务主管部门\t某部门", ""), "no-department", "no 业务主管部门; using 编制单位 某单位"),
        # a 绩效指标 header with no rows under it
        (table(rows=""), "no-indicators", "绩效指标 header but no indicator rows"),
    ],
)
def test_each_defect_is_reported_with_its_line(text: str, code: str, message: str) -> None:
    doc = parse_text(text, "d.txt")
    found = [d for d in doc.diagnostics if d.code == code]
    assert found and message in found[0].message and found[0].file == "d.txt" and found[0].line is not None


def test_repeated_field_keeps_both_values() -> None:
    doc = parse_text(table().replace("项目概述\t概述。\n", "项目概述\t概述。\n项目概述\t再述。\n"), "d.txt")
    assert "概述。" in doc.projects[0].overview and "再述。" in doc.projects[0].overview


def test_no_department_takes_the_unit() -> None:
    (p,) = parse_text(table().replace("\t\t业务主管部门\t某部门", ""), "d.txt").projects
    assert p.department == "某单位"


def test_unreadable_file_names_the_file_and_reason(tmp_path: Path) -> None:
    folder = tmp_path / "a-folder.txt"
    folder.mkdir()
    with pytest.raises(InputError, match=r"a-folder\.txt: cannot read file: Is a directory"):
        read_text(folder)


def test_a_heading_with_no_table_is_no_project() -> None:
    """A running footer that reads like a heading: at the end it is kept as text; before the next
    table's heading it is that table's first heading line (kept in its raw span), never a project."""
    end = parse_text(table() + "\n预算绩效目标表\n", "d.txt")
    assert len(end.projects) == 1 and "empty-table" not in codes(end) and "预算绩效目标表" in end.preamble
    middle = parse_text(table() + "\n预算绩效目标表\n\n" + table().replace("测试项目", "第二个项目"), "d.txt")
    assert [p.name for p in middle.projects] == ["测试项目", "第二个项目"]
    assert middle.projects[1].title == "2024 年区级重点专项绩效目标表（一级项目）"
    assert "预算绩效目标表" in middle.projects[1].span.raw.split("\n")[0]


# --- numbers no reader may take silently (issue 20) -----------------------------------------


@pytest.mark.parametrize(
    ("cell", "said"),
    [
        ("", "no-amount"),
        ("1,5", "bad-amount"),  # a decimal comma or a typo: never 15
        ("1，5", "bad-amount"),
        ("-208.00", "bad-amount"),
        ("1" + "0" * 400, "bad-amount"),  # would be inf in projects.csv
    ],
)
def test_an_amount_that_cannot_be_one_is_left_empty_and_said(cell: str, said: str) -> None:
    doc = parse_text(table(amount=cell, retained="0"), "t.txt")
    (p,) = doc.projects
    assert p.amount is None
    (d,) = [d for d in doc.diagnostics if d.code == said]
    assert "当年预算金额" in d.message and d.line == 9  # the 当年预算金额 row


def test_thousands_separators_are_read() -> None:
    (p,) = parse_text(table(amount="1,208.50", retained="1,208.50"), "t.txt").projects
    assert p.amount == Decimal("1208.50") and p.retained == Decimal("1208.50")


def test_negative_weights_and_counts_are_said() -> None:
    rows = "\t产出指标\t数量指标\t培训次数\t次\t≥\t-8\t-10\t是\n"
    doc = parse_text(table(rows=rows).replace("预算执行率权重\t10", "预算执行率权重\t-10"), "t.txt")
    (ind,) = doc.projects[0].indicators
    assert ind.weight is None and doc.projects[0].execution_weight is None
    assert {"bad-weight", "bad-target", "bad-number"} <= set(codes(doc))


def test_a_table_deleted_with_its_contents_entry_is_said(tmp_path: Path) -> None:
    """The sample with its 16th table and 目录 entry deleted: counts still agree, the numbers jump."""
    text = (Path(__file__).parent.parent / "data" / "beibei_2024_key_projects.txt").read_text(encoding="utf-8")
    doc = parse_text(text, "s.txt")
    sixteen = doc.projects[15].span
    lines = text.split("\n")
    kept = [line for n, line in enumerate(lines, start=1) if not (sixteen.line <= n <= sixteen.end_line)]
    kept = [line for line in kept if not line.startswith("16. ")]
    cut = parse_text("\n".join(kept), "s.txt")
    assert len(cut.projects) == 93
    (gap,) = [d for d in cut.diagnostics if d.code == "toc-gap"]
    assert "from 15 to 17" in gap.message
