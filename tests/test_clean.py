from __future__ import annotations

import pytest

from graph.read.clean import (
    clean_cell,
    delatex,
    indicator_key,
    normalise_operator,
    parse_amount,
    parse_number,
    strip_html,
)
from graph.text import title_key


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("≥", "≥"),
        (r"\geq", "≥"),
        ("$\\geq$", "≥"),
        (">=", "≥"),
        ("不低于", "≥"),
        ("≤", "≤"),
        (r"\leq", "≤"),
        ("不超过", "≤"),
        ("=", "="),
        ("＝", "="),
        (">", ">"),
        ("<", "<"),
        ("定性", "定性"),
        (" 定性 ", "定性"),
        ("", None),
        ("优", None),
        ("95", None),
        ("%", None),
    ],
)
def test_normalise_operator(cell: str, expected: str | None) -> None:
    assert normalise_operator(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("95", 95.0),
        ("1,000", 1000.0),
        ("90%", 90.0),
        ("$\\geq 90\\%$", 90.0),
        ("０.５", 0.5),
        ("-3", -3.0),
        ("好", None),
        ("2024年12月", None),
        ("", None),
        ("1.2.3", None),
    ],
)
def test_parse_number(cell: str, expected: float | None) -> None:
    assert parse_number(cell) == expected


def test_parse_amount_is_exact() -> None:
    assert parse_amount("208.00") is not None and str(parse_amount("208.00")) == "208.00"
    assert parse_amount("1,234.5万元") == parse_amount("1234.5")
    assert parse_amount("待定") is None


def test_html_lists_keep_items_apart() -> None:
    raw = '<p>总述。</p> <ol style="list-style-type: none"> 1. 甲事项。 2. 乙事项。 </ol>'
    assert strip_html(raw).split("\n") == ["总述。", "1. 甲事项。", "2. 乙事项。"]
    assert strip_html("<ul><li>一</li><li>二</li></ul>").split("\n") == ["一", "二"]
    assert strip_html("A &amp; B") == "A & B"


def test_latex_from_the_sample() -> None:
    text = "案件化解率 $\\geq 90\\%$ ，支付时间 ≤ 5 天"
    assert delatex(text) == "案件化解率 ≥ 90% ，支付时间 ≤ 5 天"
    assert clean_cell("  a \t b ") == "a b"


def test_keys() -> None:
    assert title_key("《中华人民共和国残疾人保障法》") == title_key("《残疾人保障法》") == "《残疾人保障法》"
    assert title_key("《关于印发〈甲〉的通知》") == title_key("关于印发《甲》的通知")
    assert indicator_key("群众 满意度") == "群众满意度"
