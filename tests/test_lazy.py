"""A question pays for what it reads (issue 22): records parsed when read, the columns a question
needs in one file, postings memory-mapped, each file hashed once per change.  Every lazy path gives
what the eager one gave."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
from pathlib import Path

import numpy as np
import pytest

import search
from graph.defaults import cache_root
from graph.errors import IndexFormatError
from graph.manifest import VERIFIED
from graph.records import OFFSETS, ProjectRecords
from graph.store import load_index
from index.searcher import Searcher
from index.store import COLUMNS, EMPTY, empty_fields, inner_products, load_search, read_rows, search_columns


@pytest.fixture
def copied(index_copy: Path) -> Path:
    return index_copy


def test_records_read_lazily_are_the_records(copied: Path) -> None:
    eager = list(ProjectRecords.load(copied))
    lazy = ProjectRecords(copied)
    assert len(lazy) == len(eager) == 94
    assert lazy[57] == eager[57] and lazy[-1] == eager[-1] and lazy[2:4] == eager[2:4]
    assert list(lazy) == eager
    (copied / OFFSETS).unlink()  # an index written before the offsets: line ends found by a scan
    assert list(ProjectRecords(copied)) == eager


def test_the_columns_file_holds_what_the_records_give(copied: Path) -> None:
    idx = load_search(copied / "search")
    assert idx.columns() == search_columns(list(idx.projects))
    older = dataclasses.replace(idx, manifest={**idx.manifest, "files": {}})  # written before columns.json
    assert older.columns() == idx.columns() and COLUMNS in idx.manifest["files"]


def test_the_empty_fields_file_is_what_the_records_give(copied: Path) -> None:
    idx = load_search(copied / "search")
    assert isinstance(idx.empty, np.memmap) and EMPTY in idx.manifest["files"]
    assert np.array_equal(idx.empty, empty_fields(list(idx.projects)))
    older = dataclasses.replace(idx, manifest={**idx.manifest, "files": {}})  # written before empty.npy
    assert not isinstance(older.empty, np.memmap) and np.array_equal(older.empty, idx.empty)


def test_rows_read_without_mapping_are_the_mapped_rows(copied: Path, tmp_path: Path) -> None:
    v = load_search(copied / "search").vectors["goals"]
    rows = np.array([93, 0, 1, 2, 50, 49, 7, 7])  # unsorted, runs, a repeat
    assert np.array_equal(read_rows(v, rows), np.asarray(v)[rows])
    assert np.array_equal(read_rows(np.asarray(v), rows), np.asarray(v)[rows])  # not mapped: plain indexing
    assert read_rows(v, np.array([], dtype=np.int64)).shape == (0, v.shape[1])
    path = tmp_path / "short.npy"
    np.save(path, np.asarray(v))
    mapped = np.load(path, mmap_mode="r")
    os.truncate(path, path.stat().st_size - 100)  # cut under a live map: the last row is short
    with pytest.raises(IndexFormatError, match="shorter than its shape"):
        read_rows(mapped, np.array([93]))


def test_rows_scored_where_they_lie_are_their_products(copied: Path) -> None:
    v = load_search(copied / "search").vectors["overview"]
    q = np.asarray(v[5], dtype=np.float32)
    rows = np.array([93, 0, 1, 2, 50, 49, 7, 7])
    mapped = inner_products(v, q, rows)
    assert np.allclose(mapped, np.asarray(v)[rows] @ q, atol=1e-6)  # BLAS sums in another order
    assert np.array_equal(mapped, inner_products(read_rows(v, rows), q))  # read or mapped: the same bits
    assert np.array_equal(inner_products(v, q), inner_products(v, q, np.arange(len(v))))
    assert inner_products(v, q, np.array([], dtype=np.int64)).shape == (0,)
    with pytest.raises(IndexError, match="outside the matrix's 94"):
        inner_products(v, q, np.array([94]))
    halves = np.asarray(v, dtype=np.float16)  # not float32: plain products
    assert np.allclose(inner_products(halves, q, rows), mapped, atol=1e-2)


def test_the_first_question_read_and_the_next_mapped_answer_alike(copied: Path) -> None:
    s = Searcher.load(copied)
    first = [h.to_json() for h in s.query("森林火灾预防", 10)]  # rows read with pread
    assert [h.to_json() for h in s.query("森林火灾预防", 10)] == first  # rows gathered from the map
    alike = s.similar(s.ids[3], 5)
    assert [h.to_json() for h in s.similar(s.ids[3], 5)] == [h.to_json() for h in alike]


def test_lazy_search_answers_as_the_eager_records_do(copied: Path, searcher: Searcher) -> None:
    s = Searcher.load(copied)
    for q in ("森林火灾预防", "乡村振兴 道路", "扫黑除恶"):
        assert [h.to_json() for h in s.query(q, 10)] == [h.to_json() for h in searcher.query(q, 10)]
    first = s.ids[0]
    assert [h.to_json() for h in s.similar(first, 5)] == [h.to_json() for h in searcher.similar(first, 5)]
    assert len(s.projects._parsed) < 94  # type: ignore[attr-defined]  # only the rows shown were parsed


def test_each_file_is_hashed_once_then_known_by_its_stat(copied: Path) -> None:
    load_index(copied)
    with sqlite3.connect(cache_root() / VERIFIED) as db:
        known = {row[0] for row in db.execute("SELECT path FROM verified")}
    assert os.path.realpath(copied / "graph.json") in known


def test_an_edit_that_keeps_size_and_time_is_still_refused(copied: Path, capsys: pytest.CaptureFixture[str]) -> None:
    load_index(copied)  # hashed and remembered
    target = copied / "projects.csv"
    st = target.stat()
    data = bytearray(target.read_bytes())
    data[-2] = ord("9") if data[-2] != ord("9") else ord("8")
    target.write_bytes(bytes(data))
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))  # the modification time put back
    with pytest.raises(IndexFormatError, match=r"projects\.csv: checksum differs"):
        load_index(copied)
    assert search.main(["verify", "--index", str(copied)]) == 1
    assert "projects.csv: checksum differs" in capsys.readouterr().err


def test_verify_hashes_every_file(copied: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert search.main(["verify", "--index", str(copied)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{copied}: every file matches its manifest (graph: 14 files") and "search:" in out
    assert "lint: 1 file," in out


def test_postings_are_memory_mapped(copied: Path) -> None:
    s = Searcher.load(copied)
    s.query("森林火灾预防", 3)
    assert isinstance(s.bm25._data, np.memmap)


def test_filters_read_their_own_columns_and_keep_their_answers(copied: Path) -> None:
    from index.searcher import Filters
    from index.store import FILTER_COLUMNS, filter_columns

    idx = load_search(copied / "search")
    assert idx.columns(FILTER_COLUMNS) == filter_columns(list(idx.projects))
    s = Searcher.load(copied)
    for f, ok in (
        (Filters(department="纪律检查委员会"), lambda p: "纪律检查委员会" in p.department),
        (Filters(unit="105"), lambda p: p.unit_code == "105"),
        (Filters(min_amount=100), lambda p: p.amount is not None and p.amount >= 100),
        (Filters(cites="渝府办发〔2019〕57号"), lambda p: any("渝府办发〔2019〕57号" in c.key for c in p.citations)),
    ):
        allowed = {i for i, p in enumerate(list(ProjectRecords.load(copied))) if ok(p)}
        assert allowed and set(np.flatnonzero(s._allowed(f))) == allowed


def test_every_filter_as_arrays_is_the_filter_on_the_records(copied: Path) -> None:
    """The array filters (search/filters.npz) keep exactly the projects each filter, read plainly
    on the records, keeps; an index written before the file (filters.json, or neither) the same."""
    import dataclasses as dc

    from index.filters import FILTERS
    from index.searcher import Filters

    projects = list(ProjectRecords.load(copied))
    s = Searcher.load(copied)
    assert FILTERS in s.index.manifest["files"] and "filters.json" not in s.index.manifest["files"]
    cases = [
        (Filters(department="民政"), lambda p: "民政" in p.department),
        (
            Filters(unit="北碚区城市管理局"),
            lambda p: "北碚区城市管理局" in p.unit_name or p.unit_code == "北碚区城市管理局",
        ),
        (Filters(unit="105"), lambda p: "105" in p.unit_name or p.unit_code == "105"),
        (Filters(min_amount=100, max_amount=500), lambda p: p.amount is not None and 100 <= p.amount <= 500),
        (Filters(max_amount=0), lambda p: p.amount is not None and p.amount <= 0),
        (
            Filters(cites="渝规资〔2020〕678号", region="北碚"),
            lambda p: "渝规资〔2020〕678号" in {c.key for c in p.citations},
        ),
        (Filters(department="没有这个部门"), lambda p: False),
        (Filters(year=2024, department="城市管理"), lambda p: p.year == 2024 and "城市管理" in p.department),
    ]
    older = Searcher(dc.replace(s.index, manifest={**s.index.manifest, "files": {}}))  # written before filters.npz
    for f, ok in cases:
        want = {i for i, p in enumerate(projects) if ok(p)}
        assert set(np.flatnonzero(s._allowed(f))) == want == set(np.flatnonzero(older._allowed(f))), f


def test_a_cited_document_is_resolved_without_the_tables(copied: Path) -> None:
    """``--cites`` reads the document from graph.sqlite: no pandas, no table (100 MiB of a 10^5
    index's question), and the key the whole graph gives; an edited graph.sqlite is refused."""
    import subprocess
    import sys

    from graph.queries import document_in, document_key_at

    code = (
        "import sys; from graph.queries import document_key_at; "
        f"print(document_key_at({str(copied)!r}, '渝府办发[2019]57 号'), 'pandas' in sys.modules)"
    )
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert got == ["渝府办发〔2019〕57号", "False"]
    for text in ("道路照明设施维护技术规程", "渝城管局〔2022〕88号"):
        assert document_key_at(copied, text) == document_in(load_index(copied), text)["key"]
    with open(copied / "graph.sqlite", "ab") as f:
        f.write(b"x")
    with pytest.raises(IndexFormatError, match=r"graph\.sqlite"):
        document_key_at(copied, "渝府办发〔2019〕57号")


def test_bm25_built_from_token_ids_scores_as_bm25s_from_the_strings(tmp_path: Path) -> None:
    """The build turns each document's tokens into ids as they come (no token strings of the whole
    corpus held); every score equals bm25s's own index of the strings, on the sample's texts, a
    generated corpus of them in a seeded order, and empty documents."""
    import random

    import bm25s

    from graph.constants import BM25_B, BM25_K1
    from graph.defaults import DEFAULT_SAMPLE
    from graph.read.layouts import parse_file
    from index.lexical import BM25Index, Tokens
    from index.store import project_fields

    projects = parse_file(DEFAULT_SAMPLE).projects
    tokens = Tokens([p.name for p in projects])
    texts = [tokens.cut(project_fields(p)["all"]) for p in projects]
    rng = random.Random(7)
    generated = [rng.sample(t, len(t) // 2) for t in rng.choices(texts, k=150)] + [[], []]
    for docs in (texts, generated):
        ours = tmp_path / f"ours{len(docs)}"
        BM25Index.build(iter(docs)).save(ours)
        theirs = bm25s.BM25(k1=BM25_K1, b=BM25_B)
        theirs.index([d or [""] for d in docs], show_progress=False)
        got = BM25Index.load(ours)
        for q in [*(rng.sample(t, min(3, len(t))) for t in rng.choices(texts, k=40)), ["未见过的词"], []]:
            want = theirs.get_scores(q) if any(t in theirs.vocab_dict for t in q) else np.zeros(len(docs))
            assert np.array_equal(got.scores(q), want.astype(np.float32)), q
