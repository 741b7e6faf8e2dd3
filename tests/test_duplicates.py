"""Duplicate and overlapping funding on the sample, with the real vectors and faiss."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from analysis.duplicates import DupCorpus, SharedSentence, _shared_sentences, find_duplicates, minhash, to_frame
from graph.constants import DUP_WEIGHTS as WEIGHTS
from graph.errors import UsageError
from index.searcher import Searcher
from tests.factories import project

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def corpus(searcher: Searcher) -> DupCorpus:
    return DupCorpus.from_search_index(searcher.index)


@pytest.fixture(scope="module")
def pairs(corpus: DupCorpus):
    return find_duplicates(corpus)


def find(pairs, a: str, b: str):
    return next(p for p in pairs if {p.project_a, p.project_b} == {a, b})


def test_known_pairs_rank_high_with_their_evidence(pairs) -> None:
    top = {frozenset((p.project_a, p.project_b)) for p in pairs[:10]}
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


def test_clusters_group_pairs_above_the_threshold(corpus: DupCorpus) -> None:
    pairs = find_duplicates(corpus, threshold=0.4)
    clustered = [p for p in pairs if p.cluster is not None]
    assert clustered and all(p.score >= 0.4 for p in clustered)
    assert all(p.cluster is None for p in pairs if p.score < 0.4)
    land = [p for p in clustered if "土地整理" in p.project_a and "土地整理" in p.project_b]
    assert len({p.cluster for p in land}) == 1  # the land consolidation template is one cluster


def test_candidates_come_from_neighbours_not_all_pairs(corpus: DupCorpus) -> None:
    n = len(corpus.projects)
    few = find_duplicates(corpus, k=2)
    assert len(few) <= n * 2 < n * (n - 1) // 2
    assert len(find_duplicates(corpus, k=10)) > len(few)


@pytest.mark.parametrize("k", [0, -3, 2.5])
def test_bad_neighbour_counts_are_refused(corpus: DupCorpus, k) -> None:
    with pytest.raises(UsageError, match="neighbours"):
        find_duplicates(corpus, k=k)


def test_filters(corpus: DupCorpus) -> None:
    cross = find_duplicates(corpus, cross_department=True)
    assert cross and all(not p.same_department for p in cross)
    assert frozenset(("享受国家定期抚恤补助的优抚对象租住公共租赁住房租金补助经费", "抚恤补助")) in {
        frozenset((p.project_a, p.project_b)) for p in cross
    }
    dept = find_duplicates(corpus, department="残疾人联合会")
    assert dept and all("残疾人联合会" in p.department_a or "残疾人联合会" in p.department_b for p in dept)
    assert all(p.score >= 0.5 for p in find_duplicates(corpus, min_score=0.5))


def test_shared_sentences_find_edited_copies() -> None:
    docs = [
        project(
            "甲", "提高优抚保障水平，维护军人军属合法权益。为优抚对象提供心理疏导、精神抚慰、法律援助等精细化服务。"
        ),
        project(
            "乙",
            "提高优抚安置保障水平，维护军人军属合法权益。为优抚安置对象提供心理疏导、精神抚慰、法律援助等精细化服务。",
        ),
        project("丙", "完成全区森林防火巡查工作，及时处置火情，确保不发生重大森林火灾。"),
    ]
    c = DupCorpus(docs, {}, None)
    c.prepare()
    share, shared = _shared_sentences(c, 0, 1)
    assert share == 1.0 and all(isinstance(s, SharedSentence) and s.similarity >= 0.8 for s in shared)
    assert _shared_sentences(c, 0, 2) == (0.0, [])


def test_minhash_reads_every_byte_of_a_cjk_shingle() -> None:
    # 森林防 and 森林阳 share their first 8 UTF-8 bytes: a hash of 8 bytes made them one shingle.
    assert (minhash({"森林防"}) != minhash({"森林阳"})).any()
    assert (minhash({"森林防", "火"}) == minhash({"火", "森林防"})).all()


def test_a_copied_sentence_is_found_when_another_looks_closer() -> None:
    """Every candidate within the slack is checked exactly, not only the best MinHash estimate."""
    copied = "全年开展残疾人职业技能培训不少于十二期，帮助残疾人实现就业创业"
    decoy = "全年开展残疾人职业技能培训不少于十二期，帮助困难群众实现就业创业"
    a = project("甲", copied + "。")
    b = project("乙", decoy + "。" + copied + "。")
    c = DupCorpus([a, b], {}, None)
    c.prepare()
    share, shared = _shared_sentences(c, 0, 1)
    assert share == 1.0 and shared[0].b == copied + "。" and shared[0].similarity == 1.0


def test_tiny_corpus_and_frame(searcher: Searcher, pairs) -> None:
    one = DupCorpus(searcher.projects[:1], {f: np.asarray(v)[:1] for f, v in searcher.index.vectors.items()}, None)
    assert find_duplicates(one) == []
    df = to_frame(pairs[:5])
    assert {
        "project_a",
        "project_b",
        "score",
        "label",
        "part_semantic",
        "part_sentences",
        "shared_sentences",
        "cluster",
    } <= set(df.columns)
    assert json.dumps(pairs[0].to_json(), ensure_ascii=False)


def test_label_file_is_well_formed(searcher: Searcher) -> None:
    names = {p.name for p in searcher.projects}
    rows = [json.loads(line) for line in open(ROOT / "bench" / "duplicate_pairs.jsonl", encoding="utf-8")]
    assert sum(r["label"] == "strong" for r in rows) >= 10 and sum(r["label"] == "near-miss" for r in rows) >= 10
    for r in rows:
        assert r["a"] in names and r["b"] in names and r["label"] in {"strong", "near-miss"}, r


def test_lsh_pairs_copied_sentences_and_skips_templates() -> None:
    """MinHash LSH gives a pair for a sentence copied into two projects, none for unrelated texts,
    and none for a sentence more than LSH_MAX_BUCKET projects share (a template)."""
    from analysis.duplicates import sentence_pairs
    from graph.constants import LSH_MAX_BUCKET

    copied = "为优抚对象提供心理疏导、精神抚慰、法律援助等精细化服务，全年走访慰问不少于三百人次。"
    template = "项目实施后服务对象满意度达到百分之九十以上，社会效益明显提升。"
    docs = [
        project("甲", copied),
        project("乙", "完成全区森林防火巡查工作。" + copied),
        project("丙", "完成全区道路照明设施的日常维护和电费支付工作。"),
        *(project(f"模板{i}", template) for i in range(LSH_MAX_BUCKET + 1)),
    ]
    c = DupCorpus(docs, {}, None)
    assert sentence_pairs(c) == {(0, 1)}
    assert sentence_pairs(c, max_bucket=LSH_MAX_BUCKET + 1) >= {(3, 4), (0, 1)}
