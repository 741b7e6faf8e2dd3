"""Places as data (graph/read/data/places.csv, region_words.toml): every province's abbreviation and
government, every place of Chongqing read from a cover title and from its document numbers, and no
place named in the code outside its examples."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from graph.read.identity import title_identity
from graph.read.issuers import IssuerResolver, guess_level
from graph.read.places import places

ROOT = Path(__file__).resolve().parent.parent
P = places()
PROVINCES = [p for p in P.provinces.values() if p.name not in ("台湾省", "香港特别行政区", "澳门特别行政区")]
CHONGQING = [p for p in P.inside["重庆市"].values() if p.kind != "city"]


def test_the_country_is_there() -> None:
    assert len(PROVINCES) == 31
    assert sum(1 for inside in P.inside.values() for p in inside.values() if p.kind == "county") > 2800
    assert len(CHONGQING) == 41  # 26 districts, 8 counties, 4 autonomous counties, 3 functional areas


@pytest.mark.parametrize("province", PROVINCES, ids=lambda p: p.name)
def test_each_province_abbreviation_names_its_government(province) -> None:
    tier_office = "办公厅"
    finance = "财政局" if province.level == "市" else "财政厅"
    for abbreviation in province.shorts:
        for suffix, authority in (("政发", "人民政府"), ("府发", "人民政府"), ("政办发", f"人民政府{tier_office}"),
                                  ("财预", finance)):  # fmt: skip
            assert P.code_authority(abbreviation + suffix) == (province.name + authority, province.level)
    assert guess_level(f"{province.name}人民政府") == province.level
    county = next(p for p in P.inside[province.name].values() if p.kind == "county")
    text = f"{province.name}{county.city}{county.name}教育局"
    assert P.region_in(text).district == county.name and guess_level(text) == "区"


@pytest.mark.parametrize("place", CHONGQING, ids=lambda p: p.name)
def test_every_place_of_chongqing_is_read_from_its_cover_and_its_numbers(place) -> None:
    region, year, batch = title_identity(f"重庆市{place.name} 2024 年区级重点专项 （一级项目）预算绩效（草案）")
    assert (region.province, region.district, year, batch) == ("重庆市", place.name, 2024, "区级重点专项")
    resolved = IssuerResolver.from_package().resolve(f"{place.shorts[0]}府办发")
    assert (resolved.name, resolved.level) in (
        (f"重庆市{place.name}人民政府办公室", "区"),
        (resolved.name, "区"),  # a curated entry may name it as the district writes it
    )


def test_the_cases_the_issue_names() -> None:
    r = IssuerResolver.from_package()
    assert (r.resolve("渝北府发").name, r.resolve("渝北府发").level) == ("重庆市渝北区人民政府", "区")
    assert r.resolve("江北府发").level == "区" and guess_level("重庆市江北区财政局") == "区"
    assert r.resolve("渝府办发").level == "市" and r.resolve("川府发").level == "省"
    assert r.from_title("《四川省粮食安全保障条例》").name == "四川省人民代表大会常务委员会"


def _constants(path: Path) -> list[tuple[int, str]]:
    """The string constants of a module that are no docstring."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {
        id(n.body[0].value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Module | ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
        and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)
    }  # fmt: skip
    return [
        (n.lineno, n.value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs
    ]


def test_no_place_is_named_in_code_but_in_examples() -> None:
    """Place facts live in the data files; code names a place only as an example, in brackets."""
    names = {*P.provinces, *CHONGQING_NAMES, "北碚", "渝北", "江北"}
    found = []
    for folder in ("graph", "index", "analysis", "workbench"):
        for path in [*sorted((ROOT / folder).rglob("*.py")), ROOT / "search.py", ROOT / "build_index.py"]:
            for line, text in _constants(path):
                bare = re.sub(r"[（(][^（）()]*[）)]", "", text)
                found += [f"{path.name}:{line} {n}" for n in names if n in bare]
    assert not found


CHONGQING_NAMES = [p.name for p in CHONGQING]
