"""Normalisers for text extracted from PDF tables: HTML, LaTeX, operators, numbers.

>>> strip_html('<p>一。</p> <ol style="x"> 1. 甲； 2. 乙。 </ol>')
'一。\\n1. 甲；\\n2. 乙。'
>>> delatex(r'化解率 $\\geq 90\\%$ ，时间 \\leq 5 天')
'化解率 ≥ 90% ，时间 ≤ 5 天'
>>> normalise_operator(r'\\geq'), normalise_operator('不低于'), normalise_operator('优')
('≥', '≥', None)
>>> parse_number('1,000'), parse_number('95%'), parse_number('好')
(1000.0, 95.0, None)
>>> parse_amount('1,234.50'), parse_amount('1,5'), parse_amount('1，5')
(Decimal('1234.50'), None, None)
"""

from __future__ import annotations

import html
import re
import sys
import unicodedata
from decimal import Decimal, InvalidOperation

from graph.constants import MAX_AMOUNT_WAN, MAX_WEIGHT
from graph.text import width_key

__all__ = [
    "amount_problem",
    "clean_cell",
    "delatex",
    "indicator_key",
    "join_wrapped",
    "normalise_operator",
    "parse_amount",
    "parse_number",
    "strip_html",
    "weight_problem",
]

_BLOCK_TAG = re.compile(r"</?(?:p|div|br|ol|ul|tr|table|h\d)\b[^>]*>", re.I)
_LI_TAG = re.compile(r"<li\b[^>]*>", re.I)
_ANY_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
# "1. 甲 2. 乙" inside an <ol> flattened onto one line: break before each item number.
_LIST_ITEM = re.compile(r"(?:(?<=\s)|^)(\d{1,2}[.、．]\s)")


def strip_html(text: str) -> str:
    """Remove HTML markup, keeping paragraphs and list items on lines of their own."""
    had_list = bool(re.search(r"<(?:ol|ul|li)\b", text, re.I))
    text = _LI_TAG.sub("\n", text)
    text = _BLOCK_TAG.sub("\n", text)
    text = _ANY_TAG.sub("", text)
    text = html.unescape(text)
    if had_list:
        text = _LIST_ITEM.sub(r"\n\1", text)
    lines = (re.sub(r"[ \t\u3000\xa0]+", " ", ln).strip() for ln in text.split("\n"))
    return "\n".join(ln for ln in lines if ln)


_LATEX = [
    (re.compile(r"\\geq?\b|\\geqslant\b"), "≥"),
    (re.compile(r"\\leq?\b|\\leqslant\b"), "≤"),
    (re.compile(r"\\neq\b"), "≠"),
    (re.compile(r"\\times\b"), "×"),
    (re.compile(r"\\%"), "%"),
    (re.compile(r"\\sim\b"), "~"),
]


def delatex(text: str) -> str:
    """Turn the LaTeX that PDF extraction leaves (``$\\geq 90\\%$``) into plain symbols."""
    if "\\" not in text and "$" not in text:
        return text
    for pattern, repl in _LATEX:
        text = pattern.sub(repl, text)
    text = re.sub(r"\$\s*([^$]*?)\s*\$", r"\1", text)
    return text


INTERNED_CELL = 64  # characters: a cell this short is interned (names, levels, units repeat across tables)


def clean_cell(text: str) -> str:
    """Clean one table cell: HTML, LaTeX, and runs of whitespace.  A short cell is interned: the
    same 一级指标, 计量单位 or indicator name in 10^5 tables is then one string, not 10^5 copies.

    >>> clean_cell(" 产出 指标 ") is clean_cell("产出   指标")
    True
    """
    cleaned = strip_html(delatex(text)) if ("<" in text or "\\" in text or "$" in text) else " ".join(text.split())
    return sys.intern(cleaned) if len(cleaned) <= INTERNED_CELL else cleaned


_OPERATORS = {
    "≥": "≥",
    ">=": "≥",
    "≧": "≥",
    "大于等于": "≥",
    "不低于": "≥",
    "不少于": "≥",
    "至少": "≥",
    "≤": "≤",
    "<=": "≤",
    "≦": "≤",
    "小于等于": "≤",
    "不高于": "≤",
    "不超过": "≤",
    "不多于": "≤",
    "=": "=",
    "＝": "=",
    "==": "=",
    "等于": "=",
    ">": ">",
    "＞": ">",
    "大于": ">",
    "高于": ">",
    "<": "<",
    "＜": "<",
    "小于": "<",
    "低于": "<",
    "定性": "定性",
}


def normalise_operator(cell: str) -> str | None:
    """Map an 指标性质 cell to one of ≥ ≤ = > < 定性, or None if it is not an operator."""
    s = delatex(cell).replace(" ", "").strip()
    return _OPERATORS.get(s)


_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
# A comma (or a full-width ，, the same after NFKC) only as a thousands separator: 1,234,567.8
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")


def _without_thousands(s: str) -> str:
    """The number with its thousands separators taken out; a comma anywhere else (``1,5``: a decimal
    comma? a typo?) leaves the text as it is, so it is not a number and is said, never read as 15."""
    return s.replace(",", "") if _THOUSANDS.match(s) else s


def parse_number(cell: str) -> float | None:
    """A number where the cell holds one (``1,000``, ``95%``, ``≥90``), else None."""
    s = unicodedata.normalize("NFKC", delatex(cell)).replace(" ", "")
    s = _without_thousands(s.lstrip("≥≤=<>").rstrip("%‰"))
    return float(s) if _NUMBER.match(s) else None


def parse_amount(cell: str) -> Decimal | None:
    """A money amount in 万元 as an exact Decimal, or None if the cell is not a number."""
    s = _without_thousands(unicodedata.normalize("NFKC", cell).replace(" ", "").removesuffix("万元"))
    if not _NUMBER.match(s):
        return None
    try:
        return Decimal(s)
    except InvalidOperation:  # pragma: no cover - the regex admits only valid decimals
        return None


def amount_problem(value: Decimal | None) -> str | None:
    """Why a cell read for an amount (None: not a number) cannot be one, else None.

    >>> amount_problem(Decimal('208.00')), amount_problem(Decimal('-5')), amount_problem(Decimal('1E+400'))
    (None, 'is negative', 'is over 1000000000 万元')
    >>> amount_problem(None)
    'is not a number'
    """
    if value is None:
        return "is not a number"
    if value < 0:
        return "is negative"
    if value > MAX_AMOUNT_WAN:
        return f"is over {MAX_AMOUNT_WAN} 万元"
    return None


def weight_problem(value: float | None) -> str | None:
    """Why a cell read for a weight (None: not a number) cannot be one (outside 0–100), else None.

    >>> weight_problem(10.0), weight_problem(-10.0), weight_problem(None)
    (None, 'is not between 0 and 100', 'is not a number')
    """
    if value is None:
        return "is not a number"
    return None if 0 <= value <= MAX_WEIGHT else f"is not between 0 and {MAX_WEIGHT}"


def indicator_key(name: str) -> str:
    """Normalised 三级指标 name: width and whitespace unified, LaTeX and HTML removed.

    >>> indicator_key('群众 满意度 ')
    '群众满意度'
    """
    return width_key(clean_cell(name))


_WORD = re.compile(r"[A-Za-z0-9]")


def join_wrapped(text: str | None) -> str:
    """A cell's lines as the one line they were before wrapping: a space only between two
    Latin words (or numbers), none in Chinese text or inside markup.

    >>> join_wrapped('依据党章和监察法，\\n履行监督'), join_wrapped('street\\nlighting'), join_wrapped(None)
    ('依据党章和监察法，履行监督', 'street lighting', '')
    >>> join_wrapped('渝府发〔2018〕4\\n1号'), join_wrapped('Windows\\n10')
    ('渝府发〔2018〕41号', 'Windows 10')
    """
    if not text:
        return ""
    parts = [p.strip() for p in text.split("\n") if p.strip()]
    out = parts[0] if parts else ""
    for p in parts[1:]:
        # a space between words of Latin script; none inside a number wrapped between its digits
        glue = " " if _WORD.match(out[-1:]) and _WORD.match(p[:1]) and not (out[-1:] + p[:1]).isdigit() else ""
        out += glue + p
    return out
