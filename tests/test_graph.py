"""The knowledge graph and the questions analysts ask of it."""

from __future__ import annotations

import pytest

from graph.errors import LookupFailed
from graph.knowledge import build_graph
from graph.queries import cited_by, documents_of, find_document, funded_by, issuers_of, shared_documents
from graph.read.tables import parse_text
from graph.store import Index

T = """2024 年区级重点专项绩效目标表（一级项目）
编制单位：{code}-{unit}
一级项目名称\t{name}\t\t业务主管部门\t{dept}
预算执行率权重\t10\t\t部门留用\t{amount}
当年预算金额\t{amount}\t\t补助街镇\t0
项目概述\t{overview}
立项依据\t{basis}
当年绩效目标\t目标。
绩效指标\t一级指标\t二级指标\t三级指标\t计量单位\t指标性质\t指标值\t权重（%）\t是否核心指标
\t满意度指标\t满意度指标\t群众满意度\t%\t≥\t90\t90\t是
"""

BEIBEI = "project:重庆市北碚区:2024"  # the sample's project ids begin so


def doc(*tables: dict[str, str]):
    text = "\n".join(
        T.format(**{"code": "201", "unit": "某局", "dept": "某局", "amount": "1", "overview": "概述。", **t})
        for t in tables
    )
    return parse_text(text, "made.txt")


def test_node_and_edge_types(sample_index: Index) -> None:
    G = sample_index.graph
    types = {t for _, t in G.nodes(data="type")}
    assert types == {"project", "department", "unit", "document", "issuer", "indicator"}
    assert {d["type"] for *_, d in G.edges(data=True)} == {
        "managed_by",
        "prepared_by",
        "cites",
        "issued_by",
        "measures",
    }
    assert G.nodes["doc:渝府办发〔2019〕57号"]["type"] == "document"
    assert G.has_edge(
        "project:重庆市北碚区:2024:105:执纪监督项目", "unit:105-中国共产党重庆市北碚区纪律检查委员会", "prepared_by"
    )


def test_shared_indicator_links_eleven_projects(sample_index: Index) -> None:
    G = sample_index.graph
    projects = {u for u, _ in G.in_edges("indicator:群众满意度")}
    assert len(projects) == 11
    edge = next(iter(G.get_edge_data(next(iter(projects)), "indicator:群众满意度").values()))
    assert {"operator", "target_value", "target_text", "measure_unit", "weight", "core"} <= set(edge)
    assert edge["target_value"] is not None


def test_cites_edge_keeps_field_and_line(sample_index: Index) -> None:
    G = sample_index.graph
    data = G.get_edge_data("project:重庆市北碚区:2024:301:北碚区第三次全国土壤普查（重点）", "doc:渝府发〔2022〕25号")
    assert set(data) == {"cites:项目概述", "cites:立项依据", "cites:当年绩效目标"}
    assert data["cites:立项依据"]["line"] == 1137


def test_document_issuer_and_level(sample_index: Index) -> None:
    G = sample_index.graph
    (issuer,) = [v for _, v, k in G.out_edges("doc:渝府办发〔2019〕82号", keys=True) if k == "issued_by"]
    assert issuer == "issuer:重庆市人民政府办公厅" and G.nodes[issuer]["issuer_level"] == "市"


def test_title_only_citation_joins_its_numbered_document() -> None:
    d = doc(
        {"name": "甲项目", "basis": "《某某管理办法》（渝府发〔2020〕3号）"},
        {"name": "乙项目", "basis": "《某某管理办法》"},
    )
    G = build_graph([d]).graph
    assert "doc:《某某管理办法》" not in G
    no_region = "project:-:2024:201"  # the test text names no region
    assert {u for u, _ in G.in_edges("doc:渝府发〔2020〕3号")} == {f"{no_region}:甲项目", f"{no_region}:乙项目"}


def test_learned_issuer_reaches_the_graph() -> None:
    d = doc({"name": "甲项目", "basis": "《重庆市某某中心关于甲的通知》（渝某中心发〔2020〕3号）"})
    G = build_graph([d]).graph
    assert G.has_edge("doc:渝某中心发〔2020〕3号", "issuer:重庆市某某中心", "issued_by")
    assert G.edges["doc:渝某中心发〔2020〕3号", "issuer:重庆市某某中心", "issued_by"]["method"] == "learned"


def test_cited_by_accepts_any_spelling(sample_index: Index) -> None:
    G = sample_index.graph
    a = cited_by(G, "渝规资〔2020〕678号")
    b = cited_by(G, "渝规资[2020]678 号")
    assert a.equals(b) and len(a) == 4 and set(a["department"]) == {"重庆市北碚区土地整治储备中心"}
    law = cited_by(G, "《中华人民共和国残疾人保障法》")
    assert len(law) == 3 and set(law["department"]) == {"重庆市北碚区残疾人联合会"}


def test_funded_by_and_documents_of(sample_index: Index) -> None:
    G = sample_index.graph
    df = funded_by(G, "重庆市北碚区民政局")
    assert len(df) == 2 and df["amount"].is_monotonic_decreasing
    docs = documents_of(G, "保交楼经费")
    assert "doc:北碚府发〔2023〕36号" in set(docs["document_id"])


def test_shared_documents_and_issuers(sample_index: Index) -> None:
    G = sample_index.graph
    shared = shared_documents(G, min_projects=3)
    assert (shared["n_projects"] >= 3).all() and "doc:渝规资〔2020〕678号" in set(shared["document_id"])
    iss = issuers_of(G)
    top = iss.iloc[0]
    assert top["issuer"] == "重庆市人民政府办公厅" and top["issuer_level"] == "市" and top["n_projects"] >= 10
    assert set(iss["issuer_level"]) <= {"国家", "市", "区", "未知"}
    one = issuers_of(G, ["保交楼经费"])
    assert "重庆市北碚区人民政府" in set(one["issuer"])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda G: cited_by(G, "渝府办发〔1999〕1号"), "not cited by any project"),
        (lambda G: cited_by(G, "不存在的文件名称"), "no document matches"),
        (lambda G: funded_by(G, "北碚区"), "departments match"),
        (lambda G: funded_by(G, "不存在的部门"), "no department matches"),
        (lambda G: documents_of(G, "土地整理"), "projects match"),
    ],
)
def test_lookup_errors_say_what_to_do(sample_index: Index, call, message: str) -> None:
    with pytest.raises(LookupFailed, match=message):
        call(sample_index.graph)


def test_find_document_by_title_fragment(sample_index: Index) -> None:
    assert find_document(sample_index.graph, "军人抚恤优待条例") == "doc:国务院令第413号"
