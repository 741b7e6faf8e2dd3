"""A graph question reads the part of the graph it names (issue 22): ``cited-by`` and
``funded-by`` on ``graph.sqlite`` answer exactly as on the whole ``graph.json``, however the
document or department is named, with the same refusals."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from graph import queries
from graph.errors import IndexFormatError, LookupFailed, UsageError
from graph.graphdb import GRAPH_DB, GraphDB
from graph.store import load_index

DOCUMENTS = [
    "渝府办发〔2019〕57号",
    "渝府办发[2019]57 号",
    "渝府办发",
    "乡村振兴",
    "doc:渝规资〔2020〕678号",
    "《重庆市",
]
DEPARTMENTS = ["城管局", "区城管局", "民政局", "发改委", "重庆市北碚区卫生健康委员会"]


@pytest.fixture(scope="module")
def whole(search_dir: Path):
    return load_index(search_dir.parent).graph


def _part_read(index_dir: Path):
    index = load_index(index_dir)
    assert index.db is not None  # the part is read from SQLite, not the whole graph
    return index


@pytest.mark.parametrize("document", DOCUMENTS)
def test_cited_by_on_the_part_is_cited_by_on_the_whole(search_dir: Path, whole, document: str) -> None:
    got = queries.cited_by_in(_part_read(search_dir.parent), document)
    pd.testing.assert_frame_equal(got, queries.cited_by(whole, document))
    assert len(got)


@pytest.mark.parametrize("department", DEPARTMENTS)
def test_funded_by_on_the_part_is_funded_by_on_the_whole(search_dir: Path, whole, department: str) -> None:
    got = queries.funded_by_in(_part_read(search_dir.parent), department)
    pd.testing.assert_frame_equal(got, queries.funded_by(whole, department))
    assert len(got)


def test_places_and_refusals_are_the_wholes(search_dir: Path, whole) -> None:
    index = _part_read(search_dir.parent)
    narrowed = queries.cited_by_in(index, "渝府办发", region="北碚", year=2024)
    pd.testing.assert_frame_equal(narrowed, queries.cited_by(whole, "渝府办发", region="北碚", year=2024))
    for call in (
        lambda G_or_index, f: f(G_or_index, "渝府办发", region="江北"),  # a region no project has
        lambda G_or_index, f: f(G_or_index, "渝府办发", year=2019),
    ):
        with pytest.raises((UsageError, LookupFailed)) as on_whole:
            call(whole, queries.cited_by)
        with pytest.raises((UsageError, LookupFailed)) as on_part:
            call(index, queries.cited_by_in)
        assert str(on_part.value) == str(on_whole.value)
    for wrong in ("渝府办发〔2031〕1号", "没有这个文件"):
        with pytest.raises(LookupFailed) as on_whole:
            queries.cited_by(whole, wrong)
        with pytest.raises(LookupFailed) as on_part:
            queries.cited_by_in(index, wrong)
        assert str(on_part.value) == str(on_whole.value)
    with pytest.raises(LookupFailed):
        queries.funded_by_in(index, "没有这个部门")


def test_an_index_written_before_the_database_reads_the_whole(index_copy: Path, whole) -> None:
    index = load_index(index_copy)
    older = dataclasses.replace(index, manifest={**index.manifest, "files": {}})
    assert older.db is None
    pd.testing.assert_frame_equal(queries.cited_by_in(older, "渝府办发"), queries.cited_by(whole, "渝府办发"))


def test_a_damaged_database_is_refused_by_name(index_copy: Path, tmp_path: Path) -> None:
    (index_copy / GRAPH_DB).write_bytes(b"not a database" * 100)
    with pytest.raises(IndexFormatError, match=r"graph\.sqlite: checksum differs"):
        load_index(index_copy)
    with pytest.raises(IndexFormatError, match="unreadable graph database"):
        GraphDB(index_copy / GRAPH_DB)


@pytest.mark.parametrize("document", ["渝府办发[2019]57 号", "doc:渝规资〔2020〕678号"])
def test_one_document_read_from_the_part_is_the_wholes(search_dir: Path, whole, document: str) -> None:
    got = queries.document_in(_part_read(search_dir.parent), document)
    assert got == dict(whole.nodes[queries.find_document(whole, document)]) and got["key"]


def test_a_question_citing_a_document_parses_no_whole_graph(index_copy: Path, monkeypatch) -> None:
    import graph.store
    from index.searcher import Filters, Searcher

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("graph.json was parsed")

    monkeypatch.setattr(graph.store.nx, "node_link_graph", refuse)
    hits = Searcher.load(index_copy).query("农业", 5, Filters(cites="渝府办发〔2019〕57号"))
    assert [h.project for h in hits] == ["农业发展专项"]
    with pytest.raises(AssertionError, match="parsed"):  # the spy works: the whole graph would be caught
        _ = load_index(index_copy).graph
