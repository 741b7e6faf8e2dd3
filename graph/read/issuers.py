"""Resolve issuer codes (渝府办发, 碚财, 国务院令) to the issuing authority and its level.

Three sources, in this order of trust: the curated table ``graph/data/issuers.csv``; mappings
learned from the corpus itself (a title that opens with an authority's name next to its
number, ``《重庆市人民政府办公厅关于…》（渝府办发〔2019〕57号）``); the curated code that
is the longest prefix of an unknown one (渝财农 → 渝财).  What is left keeps its code as
its name, with the level guessed from the prefix and the method marked ``guess``.

>>> r = IssuerResolver.from_package()
>>> r.resolve('渝府办发').name, r.resolve('渝府办发').level
('重庆市人民政府办公厅', '市')
>>> r.resolve('渝人社函').method
'curated-prefix'
>>> g = r.resolve('北碚某某发'); (g.name, g.level, g.method)
('北碚某某发', '区', 'guess')
>>> authority_from_title('《重庆市粮食局重庆市财政局关于下达计划的通知》')
'重庆市粮食局'
>>> authority_from_title('《中共中央国务院关于深化医药卫生体制改革的意见》')
'中共中央'
>>> authority_from_title('《重庆市食品药品监督管理局北碚区分局关于聘用协管员的请示》')
'重庆市食品药品监督管理局北碚区分局'
"""

from __future__ import annotations

import csv
import functools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from graph.errors import IssuerTableError
from graph.models import LEVELS, Citation, Issuer, Level
from graph.read.places import places
from graph.text import squash

__all__ = ["IssuerResolver", "authority_from_title", "guess_level"]

_ORG_END = (
    "人民政府办公厅",
    "人民政府办公室",
    "人民政府",
    "办公厅",
    "办公室",
    "委员会",
    "领导小组",
    "总队",
    "联合会",
    "合作社",
    "专班",
    "小组",
    "中心",
    "中央",
    "局",
    "委",
    "部",
    "院",
    "厅",
    "办",
    "署",
    "会",
    "社",
)


@functools.cache
def _new_org() -> re.Pattern[str]:
    """Where a second organisation's name starts inside a run of names (…财政局国家税务总局…): after an
    organisation's last word, at a province, a district not followed by 分 (…北碚区分局), or a national word."""
    P = places()
    ends = "".join(P.organisations["ends"])
    districts = sorted({n for inside in P.inside.values() for n, p in inside.items() if p.kind != "city"}, key=len)
    starts = [*P.provinces, *P.organisations["starts"]]
    alternatives = (
        "|".join(re.escape(s) for s in starts) + "|(?:" + "|".join(map(re.escape, districts[::-1])) + ")(?!分)"
    )
    return re.compile(rf"(?<=[{ends}])(?={alternatives})")


def authority_from_title(title: str) -> str | None:
    """The first authority named at the start of a title, before 关于/印发/转发, if any."""
    inner = title.strip().strip("《》").strip()
    m = re.match(r"^(.{2,60}?)\s*(?:关于|印发|转发)", inner)
    if not m:
        return None
    first = re.split(r"[\s、,，]+", m.group(1).strip())[0]
    first = _new_org().split(squash(first))[0]
    return first if first.endswith(_ORG_END) and len(first) >= 3 else None


def legislator_of(title: str) -> Issuer | None:
    """Who enacts a law or regulation, from its legal form (立法法): …法 by the NPC Standing
    Committee, 中国共产党…条例/规定 by 中共中央, 重庆市…条例 by the municipal people's congress,
    other …条例 by the State Council.  Marked method ``title`` with the rule as evidence."""
    inner = squash(title).strip("《》")
    inner = re.sub(r"[（(][^（）()]*[）)]$", "", inner).removeprefix("中华人民共和国")
    if inner.endswith("法") and not inner.endswith(("办法", "方法", "做法", "实施法")):
        return Issuer("", "全国人民代表大会常务委员会", "国家", "title", f"{title}: a law (…法)")
    if inner.startswith("中国共产党") and inner.endswith(("条例", "规定", "规则")):
        return Issuer("", "中共中央", "国家", "title", f"{title}: an intra-party regulation")
    if inner.endswith("条例"):
        region = places().region_in(inner)
        if region is not None and inner.startswith(region.province) and not region.district:
            where = f"{region.province}{region.city}"
            level = "市" if region.city else places().provinces[region.province].level
            return Issuer(
                "", f"{where}人民代表大会常务委员会", level, "title", f"{title}: a local regulation ({where}…条例)"
            )
        if not re.match(r"^.{1,8}?[省市区县州]", inner):
            return Issuer("", "国务院", "国家", "title", f"{title}: an administrative regulation (…条例)")
    return None


def guess_level(text: str) -> Level:
    """Level of an authority or code from its wording: a place it names or abbreviates
    (:mod:`graph.read.places`), the local and national words; 未知 otherwise."""
    return places().level_of(text)


class IssuerResolver:
    """Maps issuer codes to :class:`Issuer` records.  Build with :meth:`from_package`."""

    def __init__(self, curated: dict[str, tuple[str, Level]]) -> None:
        self.curated = curated
        self.learned: dict[str, tuple[str, str]] = {}  # code -> (authority, evidence)
        self.conflicts: list[tuple[str, str, str]] = []  # code, curated name, learned name

    @classmethod
    def from_csv(cls, path: str | Path) -> IssuerResolver:
        """A curated table (CSV with the columns ``code,name,level``; a BOM, as Excel writes, is fine)."""
        try:
            with open(path, encoding="utf-8-sig", newline="") as f:
                return cls._from_rows(csv.DictReader(f), str(path))
        except OSError as exc:
            raise IssuerTableError(str(path), f"cannot read the issuer table: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise IssuerTableError(str(path), f"not UTF-8 (byte offset {exc.start}); save it as UTF-8 CSV") from exc

    @classmethod
    def from_package(cls) -> IssuerResolver:
        text = resources.files("graph.read").joinpath("data/issuers.csv").read_text(encoding="utf-8")
        return cls._from_rows(csv.DictReader(text.splitlines()), "graph/read/data/issuers.csv")

    @classmethod
    def _from_rows(cls, rows: Iterable[dict[str, str]], where: str) -> IssuerResolver:
        table: dict[str, tuple[str, Level]] = {}
        for n, row in enumerate(rows, start=2):
            level = row.get("level", "")
            if level not in LEVELS or not row.get("code") or not row.get("name"):
                raise IssuerTableError(
                    where, f"need the columns code,name,level with level {'/'.join(LEVELS)}, got {dict(row)}", line=n
                )
            table[row["code"]] = (row["name"], level)  # type: ignore[assignment]
        return cls(table)

    @property
    def known_codes(self) -> frozenset[str]:
        return frozenset(self.curated) | frozenset(self.learned)

    def learn(self, citations: Iterable[Citation]) -> None:
        """Learn code → authority from titles that open with the authority's name."""
        votes: dict[str, Counter[str]] = defaultdict(Counter)
        evidence: dict[tuple[str, str], str] = {}
        for c in citations:
            if c.number is None or c.title is None or c.number.kind != "number":
                continue
            who = authority_from_title(c.title)
            if who:
                votes[c.number.issuer_code][who] += 1
                evidence.setdefault((c.number.issuer_code, who), f"{c.title}（{c.key}） at {c.span}")
        for code, counter in votes.items():
            who, _ = counter.most_common(1)[0]
            self.learned[code] = (who, evidence[(code, who)])
            if code in self.curated and squash(self.curated[code][0]) != who:
                self.conflicts.append((code, self.curated[code][0], who))

    def from_title(self, title: str) -> Issuer | None:
        """The issuer of a document cited by title alone: named at its start, or by legal form.

        >>> r = IssuerResolver({})
        >>> r.from_title('《中华人民共和国残疾人保障法》').name
        '全国人民代表大会常务委员会'
        >>> r.from_title('《重庆市残疾人保障条例》').name, r.from_title('《军人抚恤优待条例》').name
        ('重庆市人民代表大会常务委员会', '国务院')
        >>> r.from_title('《外来入侵物种管理办法》') is None
        True
        """
        who = authority_from_title(title)
        if who is not None:
            return Issuer("", who, guess_level(who), "title", f"named at the start of {title}")
        return legislator_of(title)

    def resolve(self, code: str) -> Issuer:
        if code in self.curated:
            name, level = self.curated[code]
            return Issuer(code, name, level, "curated")
        if code in self.learned:
            who, ev = self.learned[code]
            return Issuer(code, who, guess_level(who), "learned", ev)
        for i in range(len(code) - 1, 1, -1):
            prefix = code[:i]
            if prefix in self.curated:
                name, level = self.curated[prefix]
                return Issuer(code, name, level, "curated-prefix", f"prefix {prefix}")
        named = places().code_authority(code)
        if named is not None:
            return Issuer(code, named[0], named[1], "guess", "named from the place and suffix of the code")
        return Issuer(code, code, guess_level(code), "guess", "level guessed from the code's prefix")
