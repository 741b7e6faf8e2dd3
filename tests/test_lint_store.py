"""Lint's findings kept with the index (issue 22): read, they are exactly the findings linting the
records gives, under every filter, with the same refusals; stale or damaged ones are never shown."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from pathlib import Path

import pytest

import analysis.lint_store as lint_store
import graph.spill
import search
from analysis.lint import LintView, documents_findings, lint_index, write_findings
from analysis.lint_store import FINDINGS, LINT_DIR, keep_findings, stored_findings
from graph.codes import Rule
from graph.defaults import DEFAULT_SAMPLE
from graph.errors import IndexFormatError, LookupFailed, UsageError
from graph.read.layouts import parse_file
from graph.store import Index, load_index
from index.build import build
from tests.editions import next_year, other_district
from workbench.corpus import Corpus

FILTERS = [
    {},
    {"rules": ["vague-target", "title-only-citation"]},
    {"severity": "warning"},
    {"severity": "error"},
    {"project": "土地整理"},
    {"region": "北碚", "year": 2024},
    {"rules": ["source-defect"], "region": "北碚"},
]


@pytest.fixture(scope="module")
def kept(search_dir: Path) -> Index:
    index = load_index(search_dir.parent)
    assert stored_findings(index) is not None  # the full index keeps its findings, as build_index.py writes it
    return index


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f) or "all")
def test_kept_findings_are_the_records_findings(kept: Index, sample_index: Index, filters: dict) -> None:
    assert stored_findings(sample_index) is None  # built without the part: linted from the records
    got, want = lint_index(kept, **filters), lint_index(sample_index, **filters)
    assert got == want and (want or filters.get("severity") == "error")
    read, linted = LintView(kept, **filters), LintView(sample_index, **filters)
    assert read._store is not None and linted._store is None  # one read, one linted
    assert read.summary() == linted.summary() and read.total() == linted.total() == len(want)
    assert read.findings(3) == linted.findings(3) == want[:3]
    for fail_on in ("error", "warning", "info", None):
        assert read.status(fail_on) == linted.status(fail_on)


def test_refusals_are_the_same(kept: Index, sample_index: Index) -> None:
    for filters, error in (({"rules": ["no-such-rule"]}, UsageError), ({"region": "江北"}, LookupFailed)):
        with pytest.raises(error) as on_kept:
            lint_index(kept, **filters)
        with pytest.raises(error) as on_records:
            lint_index(sample_index, **filters)
        assert str(on_kept.value) == str(on_records.value)


def test_hidden_findings_are_left_out_alike(kept: Index, sample_index: Index) -> None:
    every = lint_index(kept)
    hidden = {f.review_key for f in every[::3]}
    read, linted = LintView(kept, hidden=hidden), LintView(sample_index, hidden=hidden)
    left = [f for f in every if f.review_key not in hidden]
    assert read.findings() == linted.findings() == left and len(left) < len(every)
    assert read.summary() == linted.summary() and read.total() == len(left)
    assert Corpus(kept).lint_view(rules=["vague-target"]).total() == 35


def test_the_command_reads_the_kept_findings_as_it_would_lint(index_copy: Path, capsys) -> None:
    def out(*argv: str) -> str:
        search.main([*argv, "--index", str(index_copy)])
        return capsys.readouterr().out

    with_kept = [out("lint", "--summary"), out("lint", "--json"), out("lint", "--top", "3")]
    assert "3 of 126 findings shown" in with_kept[2] and len(with_kept[2].splitlines()) == 5
    assert len(json.loads(out("lint", "--json", "--top", "2"))) == 2
    shutil.rmtree(index_copy / LINT_DIR)  # an index written before the part: the records are linted
    assert [out("lint", "--summary"), out("lint", "--json"), out("lint", "--top", "3")] == with_kept


def test_findings_of_another_lint_or_graph_are_not_used(index_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert stored_findings(load_index(index_copy)) is not None
    monkeypatch.setattr(lint_store, "lint_version", lambda: "another")
    assert stored_findings(load_index(index_copy)) is None
    monkeypatch.undo()
    manifest = index_copy / LINT_DIR / "manifest.json"
    m = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(json.dumps({**m, "graph_manifest_sha256": "0" * 64}), encoding="utf-8")
    assert stored_findings(load_index(index_copy)) is None  # made from another graph
    assert lint_index(index_copy)  # linted from the records instead


def test_damaged_findings_are_refused(index_copy: Path) -> None:
    (index_copy / LINT_DIR / FINDINGS).write_bytes(b"x" * 4096)
    with pytest.raises(IndexFormatError, match=r"findings\.sqlite: checksum differs"):
        lint_index(index_copy)


@pytest.fixture(scope="module")
def two_years(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The sample (2024), its next edition (2025, goals copied, budgets changed) and another
    district's tables: synthetic, made here from the sample."""
    d = tmp_path_factory.mktemp("two_years")
    text = DEFAULT_SAMPLE.read_text(encoding="utf-8")
    files = {"a_2024.txt": text, "b_2025.txt": next_year(text)[0], "c_jiangbei.txt": other_district(text)[0]}
    for name, t in files.items():
        (d / name).write_text(t, encoding="utf-8")
    return [d / n for n in files]


def test_findings_walked_from_a_spill_are_lints_across_years(
    two_years: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every document read back from disk as lint walks it: the kept findings are, in order, those
    linting the records gives, the rules across projects and years among them."""
    monkeypatch.setattr(graph.spill, "SPILL_HELD", 0)
    report = build(two_years, tmp_path / "idx", model=None, parts=(write_findings,))
    kept = load_index(tmp_path / "idx")
    assert stored_findings(kept) is not None
    shutil.copytree(tmp_path / "idx", tmp_path / "bare", ignore=shutil.ignore_patterns(LINT_DIR))
    bare = load_index(tmp_path / "bare")
    assert stored_findings(bare) is None
    got, want = lint_index(kept), lint_index(bare)
    assert got == want == documents_findings(report.docs)
    rules = {f.rule for f in got}
    assert {Rule.COPIED_TEXT, Rule.FOREIGN_BODY_GOALS, Rule.GOALS_COPIED_BUDGET_CHANGED} <= rules
    assert lint_index(kept, region="江北") == lint_index(bare, region="江北") != []
    assert not list((tmp_path / "idx").rglob(lint_store._STAGED))  # the staging file went


def test_findings_in_any_order_are_kept_in_lints(index_copy: Path) -> None:
    """:func:`keep_findings` sorts what it is given by file, line, rule and project, ties in the
    order given, and leaves no staging file."""
    doc = parse_file(DEFAULT_SAMPLE)
    rows = [
        (f.rule, f.severity, f.project_id, f.project, f.message, dict(f.values), f.file, f.line, f.review_key)
        for f in documents_findings([doc])
    ]
    random.Random(7).shuffle(rows)
    places = [(p.span.file, p.id, p.region, p.year) for p in doc.projects]
    folder = keep_findings(index_copy, iter(rows), iter(places))
    db = sqlite3.connect(folder / FINDINGS)
    try:
        stored = db.execute("SELECT seq, rule, project_id, message, file, line FROM findings ORDER BY seq").fetchall()
    finally:
        db.close()
    ordered = sorted(rows, key=lambda r: (r[6], r[7], r[0], r[2]))  # stable: ties as given
    assert stored == [(k, r[0], r[2], r[4], r[6], r[7]) for k, r in enumerate(ordered, 1)]
    assert sorted(f.review_key for f in lint_index(index_copy)) == sorted(r[8] for r in rows)
    assert not (folder / lint_store._STAGED).exists()
