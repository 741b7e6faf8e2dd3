"""Many documents: each one's region, year and batch, read from the document or given; every
command filtered by them; similar projects and duplicates within or across regions.

The corpus here is the sample (重庆市北碚区 2024), its generated 2025 edition and the same tables
as 重庆市江北区 would publish them (``tests/editions.py``, synthetic)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

import build_index
import search
from graph.defaults import DEFAULT_SAMPLE
from graph.errors import UsageError
from graph.read.identity import Override, apply_identity, parse_region
from graph.read.layouts import parse_file
from graph.read.rows import rows_from_text
from graph.read.tables import parse_text, read_rows
from index.build import build
from tests.editions import OTHER_REGION, next_year, other_district
from workbench.corpus import open_corpus

TEXT = DEFAULT_SAMPLE.read_text(encoding="utf-8")
BEIBEI = "重庆市北碚区"
TABLES_ONLY = TEXT[TEXT.index("2024 年区级重点专项绩效目标表") :]  # no cover, no contents


# --- identity ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("四川省成都市武侯区教育局", ("四川省", "成都市", "武侯区")),
        ("新疆维吾尔自治区乌鲁木齐市天山区财政局", ("新疆维吾尔自治区", "乌鲁木齐市", "天山区")),
        ("广东省深圳市", ("广东省", "深圳市", "")),
        ("中国共产党重庆市北碚区纪律检查委员会", ("重庆市", "", "北碚区")),
        ("重庆市人民政府办公厅", ("重庆市", "", "")),
        ("上海市浦东新区", ("上海市", "", "浦东新区")),
    ],
)
def test_regions_in_names(text: str, region: tuple[str, str, str]) -> None:
    r = parse_region(text)
    assert r is not None and (r.province, r.city, r.district) == region


def test_identity_from_the_cover() -> None:
    doc = parse_file(DEFAULT_SAMPLE)
    assert doc.identity is not None and doc.identity.region is not None
    assert (doc.identity.region.name, doc.identity.year, doc.identity.batch) == (BEIBEI, 2024, "区级重点专项")
    assert doc.identity.evidence[0].startswith("cover title: 重庆市北碚区 2024 年")
    assert {p.region for p in doc.projects} == {BEIBEI} and {p.batch for p in doc.projects} == {"区级重点专项"}
    assert all(p.id.startswith(f"project:{BEIBEI}:2024:") for p in doc.projects)


def test_identity_from_unit_names_without_a_cover() -> None:
    doc = parse_text(TABLES_ONLY, "tables.txt")
    assert doc.identity is not None and doc.identity.region is not None
    assert doc.identity.region.name == BEIBEI and doc.identity.year == 2024
    # one unit, 北碚区自然灾害预警预防事务中心, names no province
    assert doc.identity.evidence[0] == f"unit names: {BEIBEI} in 93 of 94 tables"
    assert not [d for d in doc.diagnostics if d.code == "no-region"]


def _nameless() -> str:
    """The tables with no region anywhere: neither cover nor unit names say it."""
    return TABLES_ONLY.replace("重庆市北碚区", "").replace("中国共产党", "")


def test_a_document_that_does_not_say_is_warned_and_can_be_told() -> None:
    raw = read_rows(rows_from_text(_nameless(), "x.txt"), "x.txt")
    doc = apply_identity(raw)
    warned = [d for d in doc.diagnostics if d.code == "no-region"]
    assert len(warned) == 1 and warned[0].file == "x.txt" and "--region" in warned[0].message
    assert all(p.id.startswith("project:-:2024:") and p.region == "" for p in doc.projects)
    told = apply_identity(raw, Override(region="重庆市渝北区", year=2024))
    assert not [d for d in told.diagnostics if d.code in ("no-region", "identity-override")]
    assert all(p.id.startswith("project:重庆市渝北区:2024:") for p in told.projects)
    assert told.identity is not None and told.identity.overridden == ("region", "year")


def test_an_override_that_contradicts_the_document_is_said() -> None:
    doc = parse_file(DEFAULT_SAMPLE, override=Override(region="重庆市江北区"))
    said = [d for d in doc.diagnostics if d.code == "identity-override"]
    assert len(said) == 1 and "重庆市北碚区" in said[0].message and "cover title" in said[0].message
    assert {p.region for p in doc.projects} == {"重庆市江北区"}


@pytest.mark.parametrize(("region", "year"), [("北碚", None), ("not a place", None), (None, 1800)])
def test_bad_overrides_are_refused(region: str | None, year: int | None) -> None:
    with pytest.raises(UsageError, match=r"--region|--year"):
        Override(region, year)


def test_cli_override_and_bad_region(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "nameless.txt"
    src.write_text(_nameless(), encoding="utf-8")
    out = tmp_path / "idx"
    assert build_index.main([str(src), "--out", str(out), "--no-search", "--region", "重庆市渝北区"]) == 0
    assert "nameless.txt: 重庆市渝北区 2024 区级重点专项" in capsys.readouterr().out
    assert build_index.main([str(src), "--out", str(out), "--no-search", "--region", "渝北"]) == 1
    assert "--region '渝北' is not a region name" in capsys.readouterr().err
    # --add keeps what was given for the sources already in the index
    other = tmp_path / "jiangbei.txt"
    other.write_text(other_district(TEXT)[0], encoding="utf-8")
    assert build_index.main([str(other), "--add", "--out", str(out), "--no-search"]) == 0
    regions = Counter(r["region"] for r in open_corpus(out).index.projects.to_dict("records"))
    assert regions == {"重庆市渝北区": 94, OTHER_REGION: 94}


# --- a corpus of three documents ----------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory, st_encoder) -> tuple[Path, dict[str, str], list]:
    d = tmp_path_factory.mktemp("regions")
    nxt, changes = next_year(TEXT)
    (d / "beibei_2025.txt").write_text(nxt, encoding="utf-8")
    jb, renamed = other_district(TEXT)
    (d / "jiangbei_2024.txt").write_text(jb, encoding="utf-8")
    build([DEFAULT_SAMPLE, d / "beibei_2025.txt", d / "jiangbei_2024.txt"], d / "idx", model=st_encoder)
    return d / "idx", renamed, changes


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict]:
    assert search.main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_projects_carry_region_and_year(corpus_dir) -> None:
    idx, _, _ = corpus_dir
    projects = open_corpus(idx).index.projects
    assert Counter(zip(projects["region"], projects["year"], strict=True)) == {
        (BEIBEI, 2024): 94, (BEIBEI, 2025): 91, (OTHER_REGION, 2024): 94,
    }  # fmt: skip
    assert projects["project_id"].is_unique


def test_query_filters_by_region_and_year(corpus_dir, capsys: pytest.CaptureFixture[str]) -> None:
    idx = str(corpus_dir[0])
    hits = _json(capsys, "query", "森林防火", "--region", "江北", "--index", idx)
    assert hits and {h["region"] for h in hits} == {OTHER_REGION}
    hits = _json(capsys, "query", "森林防火", "--year", "2025", "--index", idx)
    assert hits and {(h["region"], h["year"]) for h in hits} == {(BEIBEI, 2025)}
    df = open_corpus(corpus_dir[0]).query("森林防火", region="北碚", year=2024)
    assert set(df["region"]) == {BEIBEI} and set(df["year"]) == {2024}


def test_similar_across_regions_finds_the_same_project_elsewhere(corpus_dir) -> None:
    idx, renamed, _ = corpus_dir
    corpus = open_corpus(idx)
    beibei_2024 = [p for p in corpus.searcher.projects if p.region == BEIBEI and p.year == 2024]
    twins = 0
    for p in beibei_2024:
        top = corpus.similar(p.id, k=1, scope="across").iloc[0]
        assert top["region"] == OTHER_REGION
        twins += top["project"] == renamed[p.name]
    assert twins == len(beibei_2024)  # every project's first match elsewhere is its own twin
    within = corpus.similar(beibei_2024[0].id, k=20, scope="within")
    assert set(within["region"]) == {BEIBEI}


def test_duplicates_pair_one_year_and_can_look_across_regions(corpus_dir, capsys) -> None:
    idx, renamed, _ = corpus_dir
    corpus = open_corpus(idx)
    pairs = corpus.duplicate_pairs()
    assert pairs and all(p.year is not None for p in pairs)
    by_id = {p.id: p for p in corpus.searcher.projects}
    assert all(by_id[p.project_id_a].year == by_id[p.project_id_b].year for p in pairs)  # never across years
    across = _json(capsys, "duplicates", "--scope", "across", "--top", "50", "--index", str(idx))
    assert len(across) == 50 and all(r["region_a"] != r["region_b"] for r in across)
    assert sum(renamed.get(r["project_a"]) == r["project_b"] or renamed.get(r["project_b"]) == r["project_a"]
               for r in across) == 50  # fmt: skip
    within = _json(capsys, "duplicates", "--scope", "within", "--region", "江北", "--index", str(idx))
    assert within and all(r["region_a"] == r["region_b"] == OTHER_REGION for r in within)
    one_year = _json(capsys, "duplicates", "--year", "2025", "--index", str(idx))
    assert one_year and all(r["year"] == 2025 for r in one_year)


def test_shared_documents_across_regions(corpus_dir, capsys: pytest.CaptureFixture[str]) -> None:
    idx, _, _ = corpus_dir
    citations = open_corpus(idx).index.citations
    regions_of = citations.assign(region=citations["project_id"].str.split(":").str[1])
    want = {d for d, g in regions_of.groupby("document_id") if g["region"].nunique() >= 2}
    rows = _json(capsys, "shared-docs", "--across", "regions", "--index", str(idx))
    assert {r["document_id"] for r in rows} == want and all("、" in r["regions"] for r in rows)
    alone = _json(capsys, "shared-docs", "--region", "江北", "--index", str(idx))
    assert alone and all(r["regions"] == OTHER_REGION for r in alone)


def test_graph_questions_and_lint_filter_by_place(corpus_dir, capsys: pytest.CaptureFixture[str]) -> None:
    idx = str(corpus_dir[0])
    every = _json(capsys, "cited-by", "渝规资〔2020〕678号", "--index", idx)
    assert {r["region"] for r in every} == {BEIBEI, OTHER_REGION}
    rows = _json(capsys, "cited-by", "渝规资〔2020〕678号", "--region", "江北", "--index", idx)
    assert rows and {r["region"] for r in rows} == {OTHER_REGION}
    rows = _json(capsys, "funded-by", "北碚区民政局", "--year", "2025", "--index", idx)
    assert rows and {r["year"] for r in rows} == {2025}
    found = _json(capsys, "lint", "--region", "江北", "--index", idx)
    projects = {p.id: p for p in open_corpus(corpus_dir[0]).searcher.projects}
    assert found and all(projects[f["project_id"]].region == OTHER_REGION for f in found if f["project_id"])


def test_lineage_follows_each_region_on_its_own(corpus_dir, capsys: pytest.CaptureFixture[str]) -> None:
    idx, _, changes = corpus_dir
    links = _json(capsys, "lineage", "--index", str(idx))
    got = Counter((x["from_name"], x["to_name"], x["status"], x["amount_delta"]) for x in links)
    want = Counter((c.from_name, c.to_name, c.status, c.amount_delta) for c in changes)
    assert got == want  # 江北区 has no 2025 edition: its projects are not "dropped"
    assert {x["region"] for x in links} == {BEIBEI}
    assert _json(capsys, "lineage", "--region", "江北", "--index", str(idx)) == []


def test_a_place_the_index_does_not_hold_is_said(
    corpus_dir, search_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mistyped --region or --year says what the index holds instead of printing no rows."""
    idx = str(corpus_dir[0])
    for argv in (["query", "森林防火"], ["cited-by", "渝规资〔2020〕678号"], ["lint"], ["duplicates"], ["lineage"]):
        assert search.main([*argv, "--region", "渝北", "--index", idx]) == 1
        err = capsys.readouterr().err
        assert "no project's region contains '渝北'; the index holds 重庆市北碚区, 重庆市江北区" in err, argv
    assert search.main(["funded-by", "北碚区民政局", "--year", "2023", "--index", idx]) == 1
    assert "no project of 2023; the index holds 2024, 2025" in capsys.readouterr().err
    assert search.main(["similar", "照明设施电费", "--scope", "across", "--index", str(search_dir.parent)]) == 1
    assert "--scope across needs projects of two regions; the index holds only 重庆市北碚区" in capsys.readouterr().err


def test_the_graph_view_of_one_district(corpus_dir, tmp_path: Path, capsys) -> None:
    """A province-sized index drawn for one district: its projects, what they cite and who issued it."""
    from graph.store import load_index
    from workbench.html_view import subgraph_for

    idx, _, _ = corpus_dir
    G = load_index(idx).graph
    sub = subgraph_for(G, region="江北")
    kinds = {t for _, t in sub.nodes(data="type")}
    projects = [a for _, a in sub.nodes(data=True) if a["type"] == "project"]
    assert kinds == {"project", "document", "issuer"} and len(projects) == 94
    assert {a["region"] for a in projects} == {"重庆市江北区"}
    assert all(
        any(G.nodes[p]["type"] == "project" for p in G.predecessors(d))
        for d, t in sub.nodes(data="type")
        if t == "document"
    )
    assert len(subgraph_for(G, year=2025).nodes) < len(subgraph_for(G).nodes)
    assert search.main(["graph", "--html", str(tmp_path / "jb.html"), "--region", "江北", "--index", str(idx)]) == 0
    assert "citation graph 江北" in (tmp_path / "jb.html").read_text(encoding="utf-8")
    assert (
        search.main(["graph", "保交楼经费", "--html", str(tmp_path / "x.html"), "--year", "2024", "--index", str(idx)])
        == 1
    )
    assert "narrow the whole citation graph" in capsys.readouterr().err
