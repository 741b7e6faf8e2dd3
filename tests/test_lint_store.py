"""Lint's findings kept with the index (issue 22): read, they are exactly the findings linting the
records gives, under every filter, with the same refusals; stale or damaged ones are never shown."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import analysis.lint_store as lint_store
import search
from analysis.lint import LintView, lint_index
from analysis.lint_store import FINDINGS, LINT_DIR, stored_findings
from graph.errors import IndexFormatError, LookupFailed, UsageError
from graph.store import Index, load_index
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
