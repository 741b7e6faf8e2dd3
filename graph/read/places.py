"""Places as data: every province, city and county-level place of the country (``data/places.csv``, from
the national division codes) and the words about governments (``data/region_words.toml``).  Nothing
about a particular place is written in code.

>>> P = places()
>>> P.region_in('中国共产党重庆市北碚区纪律检查委员会').name, P.region_in('重庆市城市管理局').name
('重庆市北碚区', '重庆市')
>>> P.region_in('重庆市彭水苗族土家族自治县 2024 年区级重点专项').district
'彭水苗族土家族自治县'
>>> P.code_authority('渝北府发'), P.code_authority('川府发'), P.code_authority('江北府发')
(('重庆市渝北区人民政府', '区'), ('四川省人民政府', '省'), ('重庆市江北区人民政府', '区'))
"""

from __future__ import annotations

import csv
import functools
import os
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources

from graph.models import Level, Region

__all__ = ["Place", "Places", "places", "region_words"]

NAME_MAX = 20  # characters: the longest place name (新疆维吾尔自治区…) is shorter


@dataclass(frozen=True)
class Place:
    kind: str  # province, city, county, area (a functional area: 万盛经济技术开发区)
    name: str
    shorts: tuple[str, ...]  # how document numbers abbreviate it (渝; 北碚; 贵|黔)
    province: str
    city: str
    level: Level

    @property
    def region(self) -> Region:
        if self.kind == "province":
            return Region(self.name)
        if self.kind == "city":
            return Region(self.province, self.name)
        return Region(self.province, self.city, self.name)


class Places:
    """The places and words, with look-ups by name and by the short names in document numbers."""

    def __init__(self, rows: list[Place], words: dict) -> None:
        self.provinces = {p.name: p for p in rows if p.kind == "province"}
        self.inside: dict[str, dict[str, Place]] = defaultdict(dict)  # province → name → city/county/area
        for p in rows:
            if p.kind != "province":
                self.inside[p.province].setdefault(p.name, p)
        by_short: dict[str, list[Place]] = defaultdict(list)
        for p in rows:
            for s in p.shorts:
                by_short[s].append(p)
        self.by_short = dict(by_short)
        self.suffixes: dict[str, dict[str, str]] = words["issuer_suffixes"]
        self.national = words["national"]
        self.organisations = words["organisations"]
        self.words = words["words"]

    def is_place_word(self, word: str) -> bool:
        """Whether a word is a place's name or short name (北碚区, 北碚, 重庆市): no subject of its own."""
        return (
            word in self.provinces or (word in self.by_short and len(word) > 1)
            or any(word in inside for inside in self.inside.values())
        )  # fmt: skip

    def apart(self, a: str, b: str) -> str:
        """Two regions without the whole place names they share: ``北碚区/江北区``.

        >>> places().apart('重庆市北碚区', '重庆市江北区'), places().apart('重庆市北碚区', '四川省')
        ('北碚区/江北区', '重庆市北碚区/四川省')
        """
        common = len(os.path.commonprefix([a, b])) if a != b else 0  # noqa: RUF071 (characters, not paths)
        while common and not a[:common].endswith(tuple(self.words["place_ends"])):
            common -= 1  # cut at a whole place name, not inside one
        return f"{a[common:] or '-'}/{b[common:] or '-'}"

    def county_names(self) -> list[str]:
        """Every county-level name (and functional area), longest first (for patterns)."""
        names = {n for inside in self.inside.values() for n, p in inside.items() if p.kind != "city"}
        return sorted(names, key=len, reverse=True)

    def region_in(self, text: str) -> Region | None:
        """The first region named in ``text``: a province, then the city and the county named right after."""
        hits = [(text.find(name), name) for name in self.provinces if name in text]
        if not hits:
            return None
        at, name = min(hits)
        province = self.provinces[name]
        rest = text[at + len(name) :]
        city = self._named_at(province.name, rest, "city")
        if city is not None:
            rest = rest[len(city.name) :]
        county = self._named_at(province.name, rest, "county", "area")
        if county is not None and city is not None and county.city and county.city != city.name:
            county = None
        return Region(province.name, city.name if city else "", county.name if county else "")

    def _named_at(self, province: str, text: str, *kinds: str) -> Place | None:
        names = self.inside.get(province, {})
        for n in range(min(NAME_MAX, len(text)), 1, -1):
            p = names.get(text[:n])
            if p is not None and p.kind in kinds:
                return p
        return None

    def code_place(self, code: str) -> tuple[Place, str] | None:
        """The place whose short name begins an issuer code, the longest that does, and the rest
        (渝北府发 → 渝北区, 府发); a short name several places share is none of them."""
        for n in range(min(NAME_MAX, len(code) - 1), 0, -1):
            found = self.by_short.get(code[:n], [])
            if len(found) > 1:  # 江北 in 重庆 and in 宁波: a municipality's district, when one is
                found = [p for p in found if self.provinces[p.province].level == "市"] or found
            if len(found) == 1:
                return found[0], code[n:]
        return None

    def code_authority(self, code: str) -> tuple[str, Level] | None:
        """The authority an issuer code names, from its place and its suffix (渝北府发 → 重庆市渝北区人民政府)."""
        found = self.code_place(code)
        if found is None:
            return None
        place, rest = found
        tier = {"省": "省", "市": "直辖市" if place.kind == "province" else "市", "区": "区"}[place.level]
        authority = self.suffixes.get(rest, {}).get(tier)
        if authority is None:
            return None
        return f"{place.region.name}{authority}", place.level

    def level_of(self, text: str) -> Level:
        """The level of an authority or code from its wording: a place named or abbreviated in it, the
        local words (区财政局, 市委), the national ones; 未知 otherwise."""
        region = self.region_in(text)
        if region is not None:
            if region.district:
                return "区"
            if region.city:
                return "市"
            return self.provinces[region.province].level
        if text.startswith(tuple(self.organisations["local_district"])):
            return "区"
        if text.startswith(tuple(self.organisations["local_city"])):
            return "市"
        if text.startswith(tuple(self.national["prefixes"])) or text.endswith(tuple(self.national["suffixes"])):
            return "国家"
        found = self.code_place(text)
        return found[0].level if found else "未知"


@functools.cache
def region_words() -> dict:
    """``data/region_words.toml`` alone (no place list: cheap enough for a cold query)."""
    text = resources.files("graph.read").joinpath("data/region_words.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@functools.cache
def places() -> Places:
    data = resources.files("graph.read").joinpath("data")
    rows = [
        Place(r["kind"], r["name"], tuple(r["short"].split("|")), r["province"], r["city"], r["level"])  # type: ignore[arg-type]
        for r in csv.DictReader(data.joinpath("places.csv").read_text(encoding="utf-8").splitlines())
    ]
    return Places(rows, region_words())
