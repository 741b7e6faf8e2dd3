"""Names as analysts write them (issue 21, in part): short forms of department names from
``graph/read/data/aliases.toml``, the nearest names when nothing matches, and a total under every
listing of projects."""

from __future__ import annotations

import pytest

import search
from graph import queries
from graph.errors import LookupFailed
from graph.store import Index

BEIBEI = "重庆市北碚区"


@pytest.mark.parametrize(
    ("written", "department"),
    [
        ("城管局", f"{BEIBEI}城市管理局"),
        ("区城管局", f"{BEIBEI}城市管理局"),
        ("发改委", f"{BEIBEI}发展和改革委员会"),
        ("卫健委", f"{BEIBEI}卫生健康委员会"),
        ("住建委", f"{BEIBEI}住房和城乡建设委员会"),
        ("人社局", f"{BEIBEI}人力资源和社会保障局"),
        ("区委宣传部", "中国共产党重庆市北碚区委员会宣传部"),
        ("区纪委", "中国共产党重庆市北碚区纪律检查委员会"),
        ("区委统战部", "中共重庆市北碚区委统一战线工作部"),
        ("区供销社", f"{BEIBEI}供销合作社联合社"),
        ("区人大", f"{BEIBEI}人民代表大会常务委员会办公室"),
    ],
)
def test_short_names_find_their_department(sample_index: Index, written: str, department: str) -> None:
    node = queries.find_department(sample_index.graph, written)
    assert sample_index.graph.nodes[node]["name"] == department


def test_a_name_that_matches_nothing_gets_the_nearest(sample_index: Index) -> None:
    with pytest.raises(LookupFailed, match=f"did you mean {BEIBEI}城市管理局"):
        queries.find_department(sample_index.graph, "城市管局")


def test_listings_end_with_their_total(sample_index: Index, capsys: pytest.CaptureFixture[str]) -> None:
    assert search.main(["funded-by", "区城管局", "--index", str(sample_index.path)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "10 projects, 5,546.02 万元"
    assert search.main(["funded-by", "区城管局", "--json", "--index", str(sample_index.path)]) == 0
    assert "万元" not in capsys.readouterr().out.splitlines()[-1]  # JSON stays data


def test_cited_by_several_documents_lists_each_one_s_projects(sample_index: Index) -> None:
    """`乡村振兴` is in the titles of nine documents: their projects, grouped by document."""
    df = queries.cited_by(sample_index.graph, "乡村振兴")
    assert df["document"].nunique() == 9 and len(df) == 9 and df["project_id"].nunique() == 3
    assert df["document"].tolist() == list(dict.fromkeys(df["document"]))  # grouped: each document once, in a run


def test_an_issuer_prefix_selects_all_its_documents(sample_index: Index) -> None:
    df = queries.cited_by(sample_index.graph, "渝府办发")
    assert df["document"].nunique() == 16 and df["document"].str.startswith("渝府办发〔").all()
    assert queries.projects_total(df) == "13 projects, 8,305.30 万元"
