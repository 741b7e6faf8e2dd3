"""Citation extraction: real lines from the sample and made-up variants of every form."""

from __future__ import annotations

import pytest

from graph.models import DocumentNumber
from graph.read.citations import extract_citations, find_numbers, split_basis, trim_issuer


def keys(text: str, field: str = "立项依据") -> list[str]:
    return [c.key for c in extract_citations(text, field)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # real lines from the sample
        ("《北碚区工业和信息化产业发展资金管理暂行办法》（北碚财〔2019〕451号）", ["北碚财〔2019〕451号"]),
        ("《关于进一步推进土地开发整理工作的通知》（渝规资〔2020〕678 号）", ["渝规资〔2020〕678号"]),
        ("办公室设在北碚区交通局（北碚府办发[2004]68 号），主要职责", ["北碚府办发〔2004〕68号"]),
        ("根据北碚规资发【2021】99 号文件规定", ["北碚规资发〔2021〕99号"]),
        ("根据渝人社发（2020）126 号和渝人社发（2021）9 号文件", ["渝人社发〔2020〕126号", "渝人社发〔2021〕9号"]),
        ("《关于成立北碚区城市建设工程队的通知》（碚城劳（72）字第 065 号）", ["碚城劳〔1972〕65号"]),
        ("《军人抚恤优待条例》（国务院令 第 413 号）", ["国务院令第413号"]),
        ("《中央预算内投资补助和贴息项目管理办法》（国家发展改革委令 45 号）", ["国家发展改革委令第45号"]),
        ("《政府投资条例》（中华人民共和国国务院令 712 号）", ["国务院令第712号"]),
        ("《革命烈士纪念建筑物管理保护办法》（民政部第 2 号令）", ["民政部令第2号"]),
        ("《退役士兵安置条例》（国务院 中央军委第 608 号令）", ["国务院中央军委令第608号"]),
        ("《关于开展 2023 年“蓝天行动”的通知》（渝城管执法总队（2023）43 号）", ["渝城管执法总队〔2023〕43号"]),
        (
            "《关于进一步加强松材线虫病防控工作的意见》（北碚府领导批示〔2019〕Z241 号）",
            ["北碚府领导批示〔2019〕Z241号"],
        ),
        ("《北碚府领导批示〔2020〕F801 号》", ["北碚府领导批示〔2020〕F801号"]),
        ("《监督法》 《组织法》", ["《监督法》", "《组织法》"]),
        ("《中华人民共和国残疾人保障法》", ["《残疾人保障法》"]),
        # made-up variants: every bracket style meets in one canonical form
        ("（渝府办发〔2019〕57号）", ["渝府办发〔2019〕57号"]),
        ("（渝府办发[2019]57号）", ["渝府办发〔2019〕57号"]),
        ("（渝府办发【2019】57号）", ["渝府办发〔2019〕57号"]),
        ("（渝府办发（2019）57号）", ["渝府办发〔2019〕57号"]),
        ("（渝府办发(2019)57号）", ["渝府办发〔2019〕57号"]),
        ("（渝府办发［2019］57号）", ["渝府办发〔2019〕57号"]),
        ("（渝府办发 〔 2019 〕 57 号）", ["渝府办发〔2019〕57号"]),
        ("（渝府办发〔2019〕057号）", ["渝府办发〔2019〕57号"]),
        ("（渝府办发〔2019〕57）", ["渝府办发〔2019〕57号"]),  # 号 missing before the closing parenthesis
        ("按照渝府发〔2022〕25号要求", ["渝府发〔2022〕25号"]),
        ("依据国办发〔2019〕33号、渝财建〔2020〕1号", ["国办发〔2019〕33号", "渝财建〔2020〕1号"]),
        ("国务院令第413号", ["国务院令第413号"]),
        # not document numbers
        ("《全国森林防火规划（2016-2025）》", ["《全国森林防火规划(2016-2025)》"]),
        ("合同（项目编号 18C133）", []),
        ("标准（2023 年版）", []),
        ("计划（2023—2025 年）", []),
        ("第 49 次常务会议", []),
        ("", []),
    ],
)
def test_extract_keys(text: str, expected: list[str]) -> None:
    assert keys(text) == expected


def test_number_pairs_with_its_title() -> None:
    c = extract_citations(
        "《重庆市人民政府办公厅关于印发〈甲〉的通知》（渝府办发〔2019〕57号）", "立项依据", "f.txt", 7
    )[0]
    assert c.title == "《重庆市人民政府办公厅关于印发〈甲〉的通知》"
    assert c.number == DocumentNumber("渝府办发", 2019, "57")
    assert (c.span.file, c.span.line, c.field) == ("f.txt", 7, "立项依据")
    assert c.span.raw.startswith("《重庆市") and c.span.raw.endswith("57号")


def test_title_then_的通知_then_number_pairs() -> None:
    (c,) = extract_citations("市三普办关于印发《2023年普查方案》的通知（渝土壤普查办发〔2023〕4号）", "项目概述")
    assert c.key == "渝土壤普查办发〔2023〕4号" and c.title == "《2023年普查方案》"


def test_titles_outside_basis_need_a_document_word() -> None:
    text = "在《北碚报》刊发，按照《森林防火条例》开展"
    assert keys(text, "项目概述") == ["《森林防火条例》"]
    assert keys(text, "立项依据") == ["《北碚报》", "《森林防火条例》"]


def test_identity_ignores_raw_text() -> None:
    a = find_numbers("渝府办发〔2019〕57号")[0][2]
    b = find_numbers("渝府办发[2019]57 号")[0][2]
    assert a == b and hash(a) == hash(b) and a.raw != b.raw


def test_known_code_trims_glued_words() -> None:
    assert trim_issuer("北碚区交通局北碚府办发", frozenset({"北碚府办发"})) == "北碚府办发"
    assert trim_issuer("根据渝人社发") == "渝人社发"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("《监督法》 《组织法》", ["《监督法》", "《组织法》"]),
        ("《甲》（渝发〔2019〕1号）《乙》", ["《甲》（渝发〔2019〕1号）", "《乙》"]),
        ("《关于印发《甲》的通知》", ["《关于印发《甲》的通知》"]),
        ("《甲》；《乙》", ["《甲》", "《乙》"]),
        ("《甲》\n根据区委安排", ["《甲》", "根据区委安排"]),
        ("", []),
    ],
)
def test_split_basis(text: str, expected: list[str]) -> None:
    assert split_basis(text) == expected
