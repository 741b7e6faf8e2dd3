from __future__ import annotations

from pathlib import Path

import pytest

from graph.errors import IssuerTableError
from graph.read.citations import extract_citations
from graph.read.issuers import IssuerResolver, authority_from_title, guess_level


@pytest.fixture
def resolver() -> IssuerResolver:
    return IssuerResolver.from_package()


@pytest.mark.parametrize(
    ("code", "name", "level", "method"),
    [
        ("国发", "国务院", "国家", "curated"),
        ("国办发", "国务院办公厅", "国家", "curated"),
        ("渝府发", "重庆市人民政府", "市", "curated"),
        ("渝府办发", "重庆市人民政府办公厅", "市", "curated"),
        ("北碚府办发", "重庆市北碚区人民政府办公室", "区", "curated"),
        ("碚财", "重庆市北碚区财政局", "区", "curated"),
        ("北碚财", "重庆市北碚区财政局", "区", "curated"),
        ("渝财农", "重庆市财政局", "市", "curated"),
        ("渝财新", "重庆市财政局", "市", "curated-prefix"),
        ("北碚某办", "北碚某办", "区", "guess"),
        ("渝某发", "渝某发", "市", "guess"),
        ("某某发", "某某发", "未知", "guess"),
    ],
)
def test_resolve(resolver: IssuerResolver, code: str, name: str, level: str, method: str) -> None:
    iss = resolver.resolve(code)
    assert (iss.code, iss.name, iss.level, iss.method) == (code, name, level, method)


def test_learned_from_titles_in_the_corpus(resolver: IssuerResolver) -> None:
    cites = extract_citations(
        "《重庆市安全生产委员会办公室关于加强安全工作的通知》（渝安办〔2021〕60号）", "立项依据", "f.txt", 3
    )
    resolver.learn(cites)
    iss = resolver.resolve("渝安办")
    assert (iss.name, iss.level, iss.method) == ("重庆市安全生产委员会办公室", "市", "learned")
    assert "f.txt:3" in iss.evidence


def test_learning_never_overrides_curated_but_records_conflict(resolver: IssuerResolver) -> None:
    resolver.learn(extract_citations("《重庆市某某局关于甲的通知》（渝府办发〔2019〕1号）", "立项依据"))
    assert resolver.resolve("渝府办发").name == "重庆市人民政府办公厅"
    assert resolver.conflicts == [("渝府办发", "重庆市人民政府办公厅", "重庆市某某局")]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("《重庆市人民政府办公厅关于印发甲的通知》", "重庆市人民政府办公厅"),
        ("《市委组织部 市委老干部局 市财政局关于调整标准的通知》", "市委组织部"),
        ("《重庆市粮食局重庆市财政局国家税务总局重庆市税务局关于下达计划的通知》", "重庆市粮食局"),
        ("《重庆市人民政府四川省人民政府印发重庆都市圈发展规划》", "重庆市人民政府"),
        ("《国务院关于开展第三次全国土壤普查的通知》", "国务院"),
        ("《关于印发甲的通知》", None),
        ("《中华人民共和国残疾人保障法》", None),
    ],
)
def test_authority_from_title(title: str, expected: str | None) -> None:
    assert authority_from_title(title) == expected


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("重庆市北碚区财政局", "区"),
        ("碚财", "区"),
        ("渝财", "市"),
        ("国务院", "国家"),
        ("民政部", "国家"),
        ("巴中市人民政府", "市"),  # a city of 四川省
        ("某某委员会", "未知"),
    ],
)
def test_guess_level(text: str, level: str) -> None:
    assert guess_level(text) == level


def test_custom_table_and_bad_table(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("code,name,level\n测发,测试局,区\n", encoding="utf-8")
    assert IssuerResolver.from_csv(good).resolve("测发").name == "测试局"
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,level\n测发,测试局,乡\n", encoding="utf-8")
    with pytest.raises(IssuerTableError, match=r"bad\.csv:2: need the columns code,name,level"):
        IssuerResolver.from_csv(bad)
    with pytest.raises(IssuerTableError, match=r"missing\.csv: cannot read the issuer table"):
        IssuerResolver.from_csv(tmp_path / "missing.csv")
    excel = tmp_path / "excel.csv"
    excel.write_bytes("code,name,level\n测发,测试局,区\n".encode("utf-8-sig"))  # Excel's "CSV UTF-8" has a BOM
    assert IssuerResolver.from_csv(excel).resolve("测发").name == "测试局"
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("code,name,level\n测发,测试局,区\n".encode("gbk"))
    with pytest.raises(IssuerTableError, match="not UTF-8"):
        IssuerResolver.from_csv(gbk)
