"""Node ids, built in one place.  Ids are readable and stable across rebuilds.

>>> project_id('重庆市北碚区', 2024, '105', '执纪 监督项目')
'project:重庆市北碚区:2024:105:执纪监督项目'
>>> project_id('', None, '', '某项目')
'project:-:-:-:某项目'
>>> doc_id('渝府办发〔2019〕57号'), dept_id('重庆市北碚区民政局'), indicator_id('群众满意度')
('doc:渝府办发〔2019〕57号', 'dept:重庆市北碚区民政局', 'indicator:群众满意度')
>>> unit_id('105', '纪委'), unit_id('', '纪委'), issuer_id('国务院')
('unit:105-纪委', 'unit:纪委', 'issuer:国务院')
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

from graph.text import squash

if TYPE_CHECKING:
    from graph.models import Project

__all__ = [
    "NODE_TYPES",
    "dept_id",
    "doc_id",
    "finding_key",
    "identified",
    "indicator_id",
    "issuer_id",
    "node_type",
    "pair_key",
    "project_id",
    "short_key",
    "unit_id",
]

NODE_TYPES = {
    "project": "project",
    "doc": "document",
    "dept": "department",
    "unit": "unit",
    "issuer": "issuer",
    "indicator": "indicator",
}


def project_id(region: str, year: int | None, unit: str, name: str) -> str:
    """``project:<region>:<year>:<编制单位 code (or name)>:<name without spaces>``; ``-`` for a part
    the document lacks.  The region is the full name, province first: district names repeat
    across provinces (鼓楼区 is in 南京, 福州, 徐州 and 开封)."""
    return f"project:{region or '-'}:{year if year is not None else '-'}:{unit or '-'}:{squash(name)}"


def identified(p: Project) -> Project:
    """The project with the id its own fields give (region, year, 编制单位 code or name, name): the one
    place a project's id is made, by the readers and again once the document's region is known.

    >>> from graph.models import Project, Span
    >>> identified(Project("", "执纪监督", 2024, "105", "", "", None, None, None, None, "", (), "", (), (),
    ...                    (), "a.txt", Span("a.txt", 1, 9))).id
    'project:-:2024:105:执纪监督'
    """
    from dataclasses import replace

    return replace(p, id=project_id(p.region, p.year, p.unit_code or p.unit_name, p.name))


def doc_id(key: str) -> str:
    """A document: its canonical number, or its normalised 《title》 when cited by title alone."""
    return f"doc:{key}"


def dept_id(department: str) -> str:
    return f"dept:{department}"


def unit_id(code: str, name: str) -> str:
    return f"unit:{code}-{name}" if code else f"unit:{name}"


def issuer_id(name: str) -> str:
    return f"issuer:{name}"


def indicator_id(key: str) -> str:
    return f"indicator:{key}"


def node_type(node: str) -> str:
    """The type named by an id's prefix.

    >>> node_type('doc:x'), node_type('project:重庆市北碚区:2024:1:x')
    ('document', 'project')
    """
    return NODE_TYPES.get(node.split(":", 1)[0], "other")


def pair_key(a: str, b: str) -> str:
    """A pair of projects (a duplicate candidate), the same whichever comes first.

    >>> a, b = 'project:-:2024:402:甲', 'project:-:2024:402:乙'
    >>> pair_key(b, a) == pair_key(a, b)
    True
    """
    x, y = sorted((a, b))
    return f"pair:{x}|{y}"


SHORT_KEY_DIGITS = 8  # hex digits of a short review key: no two alike among 10^5 items (p ≈ 10^-3)


def short_key(key: str) -> str:
    """The short form of a review key, to type at the desk: ``L-…`` for a lint finding, ``P-…`` a pair.

    >>> short_key('pair:project:-:2024:402:乙|project:-:2024:402:甲')
    'P-cf6a4575'
    """
    kind = "P" if key.startswith("pair:") else "L"
    return f"{kind}-{hashlib.sha1(key.encode()).hexdigest()[:SHORT_KEY_DIGITS]}"


def finding_key(rule: str, project_id: str, values: object) -> str:
    """A lint finding by what it is about (rule, project, values), not by the line, which moves."""
    digest = hashlib.sha1(json.dumps(values, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:10]
    return f"lint:{rule}:{project_id}:{digest}"
