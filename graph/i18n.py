"""The language of what a person reads: Chinese or English, from ``--lang zh|en`` or the locale
(``LANG=zh_CN.UTF-8`` → Chinese), English where nothing says.  Texts come from one catalogue,
``graph/data/messages.toml`` (one table of message ids, each with both languages): the meaning of
every diagnostic code and lint rule, the words a table cell shows (警告, 确认, 改名 …) and the
headers of the command line's own columns; the other headers are the vocabulary's
(:mod:`graph.vocabulary`).  Machine formats do not change with the language: JSON keys, codes, rule
ids and values stay as they are.

>>> text("rule.vague-target", "zh")
'定性指标值只说方向、不说程度（提升、有所提升、明显、较好）'
>>> header("amount", "zh"), header("where", "zh"), header("amount", "en"), label("warning", "zh")
('当年预算金额（万元）', '位置', 'amount', '警告')
>>> language("en"), language(None, {"LANG": "zh_CN.UTF-8"}), language(None, {"LANG": "C.UTF-8"})
('en', 'zh', 'en')
"""

from __future__ import annotations

import functools
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

from graph.codes import Code, Rule
from graph.errors import BudgetGraphError, InputError, UsageError
from graph.vocabulary import chinese_header

__all__ = [
    "LANGS",
    "catalogue",
    "error_text",
    "finding_text",
    "header",
    "label",
    "language",
    "message",
    "refusal",
    "refusal_at",
    "text",
]

LANGS = ("zh", "en")
_LOCALE_VARS = ("LC_ALL", "LC_MESSAGES", "LANG")  # in the order POSIX reads them


def language(asked: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """``asked`` (``--lang``), else Chinese when the locale is (``zh…``), else English."""
    if asked is not None:
        if asked not in LANGS:
            raise UsageError(f"--lang {asked!r}: one of {', '.join(LANGS)}")
        return asked
    env = os.environ if environ is None else environ
    locale = next((env[v] for v in _LOCALE_VARS if env.get(v)), "")
    return "zh" if locale.lower().startswith("zh") else "en"


@functools.cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every message id (``code.…``, ``rule.…``, ``label.…``, ``header.…``) with its ``zh`` and ``en``."""
    data = tomllib.loads((Path(__file__).parent / "data" / "messages.toml").read_text(encoding="utf-8"))
    out: dict[str, dict[str, str]] = {}
    meanings = {"code": {str(c): c.describe() for c in Code}, "rule": {str(r): r.describe() for r in Rule}}
    for section in ("code", "rule"):
        for key, zh in data[section].items():
            out[f"{section}.{key}"] = {"zh": zh, "en": meanings[section].get(key, "")}
    for section in ("label", "header", "message", "error", "noun"):
        for key, (zh, en) in data[section].items():
            out[f"{section}.{key}"] = {"zh": zh, "en": en}
    for key, zh in data["finding"].items():
        out[f"finding.{key}"] = {"zh": zh, "en": "{message}"}  # a finding's English is its own message
    return out


def message(message_id: str, lang: str, **fields: object) -> str:
    """A sentence of a report in ``lang``, its ``{fields}`` filled.

    >>> message("projects-total", "zh", n=10, amount="5,546.02"), message("projects-total", "en", n=10, amount="1.00")
    ('10 个项目，5,546.02 万元', '10 projects, 1.00 万元')
    """
    return text(f"message.{message_id}", lang).format(**fields)


E = TypeVar("E", bound=BudgetGraphError)


def refusal(cls: type[E], message_id: str, **fields: object) -> E:
    """An error of ``cls`` saying the catalogue's ``error.<message_id>`` with ``fields``: English as
    its text, Chinese when a command is asked in Chinese (:func:`error_text`).  ``what`` names a
    ``noun`` of the catalogue (project, document, department).

    >>> exc = refusal(UsageError, "year-none", year=2019, held="2024")
    >>> str(exc), error_text(exc, "zh")
    ('no project of 2019; the index holds 2024', '没有 2019 年度的项目；本索引的年度为 2024')
    """
    exc = cls(_said(message_id, "en", fields))
    exc.message_id, exc.fields = message_id, dict(fields)  # type: ignore[attr-defined]
    return exc


def refusal_at(path: str, message_id: str, line: int | None = None, **fields: object) -> InputError:
    """:func:`refusal` of a source file (an :class:`~graph.errors.InputError`, which names the file
    and line in both languages).

    >>> error_text(refusal_at("a.txt", "no-such-file"), "zh")
    'a.txt：没有这个文件或文件夹'
    """
    exc = InputError(path, _said(message_id, "en", fields), line)
    exc.message_id, exc.fields = message_id, dict(fields)  # type: ignore[attr-defined]
    return exc


def _said(message_id: str, lang: str, fields: Mapping[str, object]) -> str:
    filled = dict(fields)
    if "what" in filled:
        filled["what"] = text(f"noun.{filled['what']}", lang)
    return text(f"error.{message_id}", lang).format(**filled)


def error_text(exc: BaseException, lang: str) -> str:
    """What an error says in ``lang``: its catalogue text where it has one (:func:`refusal`), else its own."""
    message_id = getattr(exc, "message_id", None)
    if lang != "zh" or not message_id:
        return str(exc)
    said = _said(message_id, lang, getattr(exc, "fields", {}))
    if isinstance(exc, InputError):
        return f"{exc.path}:{exc.line}：{said}" if exc.line is not None else f"{exc.path}：{said}"
    return said


def finding_text(rule: str, values: Mapping[str, object], message: str, lang: str) -> str:
    """A lint finding's message in ``lang``: its own (English) ``message``, or the Chinese template of
    its rule filled from its ``values`` (lists joined with 、); the rule's meaning where a value is missing.

    >>> finding_text("cost-lower-bound", {"indicator": "活动开展成本", "operator": "≥", "target": "500",
    ...              "measure_unit": "万元"}, "…", "zh")
    '活动开展成本 ≥ 500 万元：成本指标设了下限，应为上限（≤）'
    >>> finding_text("source-defect", {"code": "shifted-cells"}, "…", "zh")
    '[shifted-cells] 指标行单元格错位：已按内容恢复'
    """
    if lang != "zh":
        return message
    filled = {k: "、".join(map(str, v)) if isinstance(v, list | tuple) else v for k, v in values.items()}
    if "code" in filled:
        filled["code_meaning"] = text(f"code.{filled['code']}", "zh")
    template = catalogue().get(f"finding.{rule}", {}).get("zh")
    try:
        return template.format(**filled) if template else text(f"rule.{rule}", "zh")
    except (KeyError, IndexError, ValueError):
        return text(f"rule.{rule}", "zh")


def text(message_id: str, lang: str) -> str:
    """The text of a message id in a language (English where the catalogue has no Chinese)."""
    entry = catalogue().get(message_id, {})
    return entry.get(lang) or entry.get("en") or message_id


def header(column: str, lang: str) -> str:
    """A column's header: its vocabulary name in Chinese (项目名称) or as it is in English."""
    if lang != "zh":
        return column
    if f"header.{column}" in catalogue():
        return text(f"header.{column}", lang)
    return chinese_header(column)


def label(value: object, lang: str) -> object:
    """A cell's word in the language (``warning`` → 警告); any other value as it is."""
    if lang != "zh" or not isinstance(value, str):
        return value
    return catalogue().get(f"label.{value}", {}).get("zh", value)
