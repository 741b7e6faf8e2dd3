"""The analyst's entry point: one object over a built index."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from graph.errors import IndexFormatError, LookupFailed
from workbench.corpus import Corpus, open_corpus


@pytest.fixture(scope="module")
def corpus(search_dir: Path) -> Corpus:
    return open_corpus(search_dir.parent)


def test_tables_and_graph(corpus: Corpus) -> None:
    assert len(corpus.projects) == 94 and len(corpus.indicators) == 520
    assert {"project_id", "document_id", "field"} <= set(corpus.citations.columns)
    assert isinstance(corpus.graph, nx.MultiDiGraph) and "94 projects" in repr(corpus)


def test_search_through_the_corpus(corpus: Corpus) -> None:
    hits = corpus.query("防止山林起火", k=2)
    assert isinstance(hits, pd.DataFrame) and set(hits["project"]) == {
        "森林防火基础设施建设",
        "北碚区森林防火经费（重点）",
    }
    assert corpus.query("补助", k=3, department="民政局")["department"].eq("重庆市北碚区民政局").all()
    assert corpus.similar("照明设施电费", k=1)["project"].tolist() == ["路灯运行设施维护费"]
    dup = corpus.duplicates(min_score=0.5)
    assert len(dup) >= 5 and dup["score"].ge(0.5).all()
    lint = corpus.lint(rules=["cost-lower-bound"], severity="warning")
    assert len(lint) == 3 and set(lint["rule"]) == {"cost-lower-bound"}


def test_graph_questions(corpus: Corpus) -> None:
    assert len(corpus.cited_by("渝规资〔2020〕678号")) == 4
    assert len(corpus.funded_by("民政局")) == 2
    assert "北碚府发〔2023〕36号" in set(corpus.documents_of("保交楼经费")["number"])


def test_neighbours_by_depth(corpus: Corpus) -> None:
    one = corpus.neighbours("保交楼经费", depth=1)
    two = corpus.neighbours("保交楼经费", depth=2)
    assert one["distance"].max() == 1 and len(two) > len(one)
    assert one.iloc[0]["node"] == "project:重庆市北碚区:2024:201:保交楼经费" and one.iloc[0]["distance"] == 0


def test_path_through_shared_documents_or_indicators(corpus: Corpus) -> None:
    route = corpus.path("照明设施电费", "路灯运行设施维护费")
    assert len(route) == 3 and corpus.graph.nodes[route[1]]["type"] in ("document", "indicator")
    with pytest.raises(LookupFailed, match="no project matches"):
        corpus.path("照明设施电费", "没有这个项目")


def test_communities_are_labelled(corpus: Corpus) -> None:
    df = corpus.communities()
    assert df["size"].sum() == 94 and df["label"].str.len().gt(0).all()
    land = df[df["projects"].str.contains("三圣镇春柳村土地整理项目")].iloc[0]
    assert "土地" in land["label"]  # the land consolidation group is named by what its projects share
    assert "澄江民权村土地整理项目" in land["projects"]


def test_export(corpus: Corpus, tmp_path: Path) -> None:
    files = {p.name for p in corpus.export(tmp_path / "out")}
    assert {"graph.graphml", "graph.gexf", "projects.csv", "lint.csv", "tables.xlsx", "projects.jsonl"} <= files
    rows = [json.loads(line) for line in (tmp_path / "out" / "projects.jsonl").read_text(encoding="utf-8").splitlines()]
    first = rows[0]
    assert len(rows) == 94 and first["citations"] and first["indicators"] and "line" in first["indicators"][0]
    assert list(pd.read_excel(tmp_path / "out" / "tables.xlsx", sheet_name=None)) == [
        "projects", "indicators", "citations", "documents", "issuers", "lint", "duplicates", "diagnostics",
    ]  # fmt: skip


def test_csv_opens_in_excel_as_utf8(corpus: Corpus, tmp_path: Path) -> None:
    """Excel on Chinese Windows reads a CSV without a BOM as GBK: every CSV has one, unless asked not to."""
    corpus.export(tmp_path / "bom", excel=False)
    for f in (tmp_path / "bom").glob("*.csv"):
        assert f.read_bytes().startswith(b"\xef\xbb\xbf"), f.name
    assert (
        pd.read_csv(tmp_path / "bom" / "projects.csv", encoding="utf-8-sig")["project"].iloc[0]
        == "人大监督专项经费（重点）"
    )
    corpus.export(tmp_path / "plain", excel=False, bom=False)
    assert not (tmp_path / "plain" / "projects.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_chinese_headers_and_review_workbook(corpus: Corpus, tmp_path: Path) -> None:
    import openpyxl

    corpus.export(tmp_path / "zh", chinese=True)
    header = (tmp_path / "zh" / "projects.csv").read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert (
        header[:4] == ["项目编号", "项目名称", "地区", "年度"] and "业务主管部门" in header and "计量单位" not in header
    )
    wb = openpyxl.load_workbook(tmp_path / "zh" / "tables.xlsx")
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref, ws.title
    assert wb.sheetnames[:2] == ["项目", "绩效指标"]  # Chinese sheet names too
    ws = wb["项目"]
    names = [c.value for c in ws[1]]
    amount = ws.cell(row=2, column=names.index("当年预算金额（万元）") + 1)
    assert amount.number_format == "#,##0.00" and amount.value == 208
    assert ws.column_dimensions["B"].width > 10  # fitted, not the default 8.43
    assert wb["质量问题"].max_row > 50 and wb["疑似重复"].max_row > 10
    signals = [c.value for c in wb["疑似重复"][1]]
    assert (
        "分项得分·语义" in signals
        and "余弦相似度·绩效目标" in signals
        and not any(str(v).startswith(("part_", "cos_")) for v in signals)
    )


def test_gephi_reads_every_relation_back(corpus: Corpus, tmp_path: Path) -> None:
    corpus.export(tmp_path / "g", excel=False)
    relations = {"managed_by", "prepared_by", "cites", "issued_by", "measures"}
    for name, read in (("graph.gexf", nx.read_gexf), ("graph.graphml", nx.read_graphml)):
        H = read(tmp_path / "g" / name)
        assert {d.get("relation") for _, _, d in H.edges(data=True)} == relations, name
        assert H.number_of_edges() == corpus.graph.number_of_edges(), name
        doc = H.nodes["doc:渝府办发〔2019〕57号"]
        assert doc["type"] == "document" and doc["document_key"] == "渝府办发〔2019〕57号", name


def test_communities_are_the_same_under_any_hash_seed(search_dir: Path) -> None:
    import os
    import subprocess
    import sys

    code = (
        "import sys; from workbench.corpus import open_corpus; "
        "c = open_corpus(sys.argv[1]); print(c.communities()[['label', 'projects']].to_json())"
    )
    root = Path(__file__).resolve().parent.parent
    outs = {
        subprocess.run(
            [sys.executable, "-c", code, str(search_dir.parent)], capture_output=True, text=True, check=True, cwd=root,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("0", "1", "12345")
    }  # fmt: skip
    assert len(outs) == 1


def test_missing_index(tmp_path: Path) -> None:
    with pytest.raises(IndexFormatError, match=r"no manifest\.json"):
        open_corpus(tmp_path)
