"""Duplicate and overlapping funding on the sample, with the real vectors and faiss."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from analysis.duplicates import WEIGHTS, DupCorpus, SharedSentence, _shared_sentences, find_duplicates, to_frame
from index.searcher import Searcher

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def pairs(searcher: Searcher):
    return searcher.duplicates()


def find(pairs, a: str, b: str):
    return next(p for p in pairs if {p.a, p.b} == {a, b})


def test_known_pairs_rank_high_with_their_evidence(pairs) -> None:
    top = {frozenset((p.a, p.b)) for p in pairs[:10]}
    assert frozenset(("抚恤补助", "退役安置补助")) in top
    assert frozenset(("路灯运行设施维护费", "照明设施电费")) in top
    assert frozenset(("民政局社会救助专项（重点）", "民政局社会福利专项（重点）")) in top
    disabled = find(pairs, "残疾人文化体育宣传服务", "其他残疾人事业支出")
    assert any("手语新闻栏目" in s.a and "手语新闻栏目" in s.b for s in disabled.shared_sentences)
    lights = find(pairs, "路灯运行设施维护费", "照明设施电费")
    assert "渝城管局〔2022〕88号" in lights.shared_documents and lights.same_department


def test_score_is_the_weighted_sum_of_visible_parts(pairs) -> None:
    for p in pairs[:30]:
        assert set(p.parts) == set(WEIGHTS)
        assert abs(p.score - sum(WEIGHTS[k] * v for k, v in p.parts.items())) < 1e-3
        assert all(0 <= v <= 1 for v in p.parts.values())
    assert [p.score for p in pairs] == sorted((p.score for p in pairs), reverse=True)


def test_labels(pairs) -> None:
    assert find(pairs, "三圣镇春柳村土地整理项目", "歇马街道农荣村土地整理项目").label == "template"
    assert find(pairs, "抚恤补助", "退役安置补助").label == "duplicate"
    assert find(pairs, "路灯运行设施维护费", "照明设施电费").label == "overlap"


def test_clusters_group_pairs_above_the_threshold(searcher: Searcher) -> None:
    pairs = searcher.duplicates(threshold=0.4)
    clustered = [p for p in pairs if p.cluster is not None]
    assert clustered and all(p.score >= 0.4 for p in clustered)
    assert all(p.cluster is None for p in pairs if p.score < 0.4)
    land = [p for p in clustered if "土地整理" in p.a and "土地整理" in p.b]
    assert len({p.cluster for p in land}) == 1  # the land consolidation template is one cluster


def test_candidates_come_from_neighbours_not_all_pairs(searcher: Searcher) -> None:
    n = len(searcher.docs)
    few = searcher.duplicates(k=2)
    assert len(few) <= n * 2 < n * (n - 1) // 2
    assert len(searcher.duplicates(k=10)) > len(few)


def test_filters(searcher: Searcher) -> None:
    cross = searcher.duplicates(cross_department=True)
    assert cross and all(not p.same_department for p in cross)
    assert frozenset(("享受国家定期抚恤补助的优抚对象租住公共租赁住房租金补助经费", "抚恤补助")) in {
        frozenset((p.a, p.b)) for p in cross
    }
    dept = searcher.duplicates(department="残疾人联合会")
    assert dept and all("残疾人联合会" in p.department_a or "残疾人联合会" in p.department_b for p in dept)
    assert all(p.score >= 0.5 for p in searcher.duplicates(min_score=0.5))


def test_shared_sentences_find_edited_copies() -> None:
    docs = [
        {
            "fields": {
                "overview": "提高优抚保障水平，维护军人军属合法权益。"
                "为优抚对象提供心理疏导、精神抚慰、法律援助等精细化服务。",
                "goals": "",
            }
        },
        {
            "fields": {
                "overview": "提高优抚安置保障水平，维护军人军属合法权益。"
                "为优抚安置对象提供心理疏导、精神抚慰、法律援助等精细化服务。",
                "goals": "",
            }
        },
        {"fields": {"overview": "完成全区森林防火巡查工作，及时处置火情，确保不发生重大森林火灾。", "goals": ""}},
    ]
    c = DupCorpus(docs, {}, None)
    c.prepare()
    share, shared = _shared_sentences(c, 0, 1)
    assert share == 1.0 and all(isinstance(s, SharedSentence) and s.similarity >= 0.8 for s in shared)
    assert _shared_sentences(c, 0, 2) == (0.0, [])


def test_tiny_corpus_and_frame(searcher: Searcher, pairs) -> None:
    one = DupCorpus(searcher.docs[:1], {f: np.asarray(v)[:1] for f, v in searcher.index.vectors.items()}, None)
    assert find_duplicates(one) == []
    df = to_frame(pairs[:5])
    assert {"a", "b", "score", "label", "part_semantic", "part_sentences", "shared_sentences", "cluster"} <= set(
        df.columns
    )
    assert json.dumps(pairs[0].to_json(), ensure_ascii=False)


def test_label_file_is_well_formed(searcher: Searcher) -> None:
    names = {d["name"] for d in searcher.docs}
    rows = [json.loads(line) for line in open(ROOT / "bench" / "duplicate_pairs.jsonl", encoding="utf-8")]
    assert sum(r["label"] == "strong" for r in rows) >= 10 and sum(r["label"] == "near-miss" for r in rows) >= 10
    for r in rows:
        assert r["a"] in names and r["b"] in names and r["label"] in {"strong", "near-miss"}, r
