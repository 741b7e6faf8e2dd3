"""The index and the decisions around it survive what users' machines do to them (issue 20): SQLite
files locked, full or foreign; outputs aimed at an index; killed builds; links; names in GBK; pipes,
devices and bytes that are not UTF-8 in arguments.  Each test reproduces the fault and checks the
clear message (or the warning) that replaced the traceback, and that nothing was lost."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

import build_index
import search
from graph.errors import IndexFormatError, InputError, LookupFailed, StoreError, UsageError
from graph.manifest import MANIFEST
from graph.read.source import scan_sources
from graph.store import load_index
from index.build import build
from index.cache import VectorCache
from tests.test_tables import table
from workbench import review as review_module
from workbench.corpus import open_corpus
from workbench.review import ReviewLog, reviews_path

SAMPLE = Path(__file__).parent.parent / "data" / "beibei_2024_key_projects.txt"


@pytest.fixture
def graph_index(sample_index, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    out = tmp_path / "idx"
    shutil.copytree(sample_index.path, out)
    return out


def run(capsys: pytest.CaptureFixture[str], main, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def a_finding_key(index: Path) -> str:
    return open_corpus(index).lint()["review_key"].iloc[0]


# --- SQLite --------------------------------------------------------------------------------------


def test_a_locked_review_file_is_said_not_a_traceback(
    graph_index: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    key = a_finding_key(graph_index)
    ReviewLog(reviews_path(graph_index))  # the file exists, as after any review
    monkeypatch.setattr(review_module, "REVIEW_TIMEOUT_S", 0.2)
    holder = sqlite3.connect(reviews_path(graph_index))
    holder.execute("BEGIN EXCLUSIVE")  # another program holding the file
    try:
        code, _, err = run(capsys, search.main, "review", key, "--decision", "dismissed", "--index", str(graph_index))
    finally:
        holder.rollback()
        holder.close()
    assert code == 1 and "locked by another program" in err and "Traceback" not in err
    assert run(capsys, search.main, "review", key, "--decision", "dismissed", "--index", str(graph_index))[0] == 0


@pytest.mark.parametrize("content", [b"this is not sqlite at all" * 100, b"SQLite format 3\x00" + b"\xff" * 4000])
def test_a_garbage_review_file_is_named_by_every_command(
    graph_index: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes
) -> None:
    reviews_path(graph_index).write_bytes(content)
    for argv in (["lint"], ["review"], ["export", "--out", str(tmp_path / "out")]):
        code, _, err = run(capsys, search.main, *argv, "--index", str(graph_index))
        assert code == 1 and str(reviews_path(graph_index)) in err and "move it aside" in err, (argv, err)
    assert reviews_path(graph_index).read_bytes() == content  # never written over


def test_a_foreign_sqlite_file_is_refused_and_left_as_it_was(graph_index: Path) -> None:
    path = reviews_path(graph_index)
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE contacts (name TEXT)")
    before = path.read_bytes()
    with pytest.raises(StoreError, match="tables of another program"):
        ReviewLog(path)
    assert path.read_bytes() == before


def test_a_review_key_that_is_not_the_index_s_is_refused(graph_index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, search.main, "review", "lint:anything", "--decision", "dismissed",
                       "--index", str(graph_index))  # fmt: skip
    assert code == 1 and "'lint:anything' is not a finding of" in err and "lint --json" in err
    with pytest.raises(LookupFailed, match="not a project"):
        open_corpus(graph_index).review("pair:project:甲|project:乙", "confirmed")
    assert not ReviewLog(reviews_path(graph_index)).current()


def test_a_vector_cache_that_fails_is_not_used_and_said(tmp_path: Path) -> None:
    garbage = tmp_path / "v.sqlite"
    garbage.write_bytes(b"not a database" * 1000)
    cache = VectorCache(garbage, "m")
    cache.put("passage", ["甲"], np.ones((1, 3), np.float32), [1])
    vecs, _ = cache.get("passage", ["甲"])
    assert vecs == [None] and cache.trouble and cache.trouble[0].startswith("not used (DatabaseError")


def test_a_cached_vector_moved_to_another_text_is_computed_again(tmp_path: Path) -> None:
    cache = VectorCache(tmp_path / "v.sqlite", "m")
    cache.put("passage", ["甲", "乙"], np.array([[1, 0, 0], [0, 1, 0]], np.float32), [1, 1])
    with sqlite3.connect(cache.path) as db:  # swap the two vectors, as a damaged or edited cache would
        (a, va), (b, vb) = db.execute(f"SELECT key, vec FROM {cache.table} ORDER BY key").fetchall()
        db.execute(f"UPDATE {cache.table} SET vec = ? WHERE key = ?", (vb, a))
        db.execute(f"UPDATE {cache.table} SET vec = ? WHERE key = ?", (va, b))
    vecs, _ = cache.get("passage", ["甲", "乙"])
    assert vecs == [None, None] and "2 cached vector(s) did not match" in cache.trouble[0]


def test_a_build_goes_on_when_the_vector_cache_is_broken(
    tmp_path: Path,
    st_encoder,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("BUDGET_GRAPH_CACHE", str(tmp_path / "cache"))
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "vectors.sqlite").write_bytes(b"garbage" * 1000)
    (tmp_path / "t.txt").write_text(table(), encoding="utf-8")
    report = build([tmp_path / "t.txt"], tmp_path / "idx", model=st_encoder)
    assert report.search is not None and report.counts["projects"] == 1
    (note,) = [d for d in report.diagnostics if d.code == "vector-cache"]
    assert "vectors.sqlite" in note.file and "not used" in note.message


# --- outputs and targets ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["graph", "--html", "{index}/manifest.json"],
        ["graph", "--html", "{index}/projects.csv"],
        ["database", "--out", "{index}.reviews.sqlite"],
        ["export", "--out", "{index}"],
        ["lint", "--csv", "{index}/graph.json"],
    ],
)
def test_no_command_writes_over_an_index_or_its_decisions(
    graph_index: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    open_corpus(graph_index).review(a_finding_key(graph_index), "confirmed", note="保留")
    before = {p: p.read_bytes() for p in [*graph_index.rglob("*"), reviews_path(graph_index)] if p.is_file()}
    args = [a.format(index=graph_index) for a in argv]
    code, _, err = run(capsys, search.main, *args, "--index", str(graph_index))
    assert code == 1 and ("inside the index" in err or "review decisions" in err), err
    assert {p: p.read_bytes() for p in before} == before
    load_index(graph_index)


def test_a_rebuild_refuses_an_index_folder_holding_files_of_the_user(graph_index: Path) -> None:
    (graph_index / "我的笔记.xlsx").write_bytes(b"notes")
    with pytest.raises(UsageError, match=r"我的笔记\.xlsx"):
        build([SAMPLE], graph_index, model=None)
    assert (graph_index / "我的笔记.xlsx").read_bytes() == b"notes"


def test_a_folder_with_a_one_line_manifest_is_not_taken_for_an_index(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / MANIFEST).write_text('{"format": "budget-graph-index"}', encoding="utf-8")
    (folder / "thesis.docx").write_bytes(b"work of months")
    with pytest.raises(UsageError, match="not an index"):
        build([SAMPLE], folder, model=None)
    assert (folder / "thesis.docx").read_bytes() == b"work of months"


def test_out_as_a_link_builds_the_index_it_points_to(graph_index: Path, tmp_path: Path) -> None:
    link = tmp_path / "current"
    link.symlink_to(graph_index)
    (tmp_path / "one.txt").write_text(table(), encoding="utf-8")
    build([tmp_path / "one.txt"], link, model=None)
    assert link.is_symlink() and load_index(graph_index).projects.shape[0] == 1


def test_staging_folders_of_a_killed_build_are_removed_by_the_next(graph_index: Path) -> None:
    left = graph_index.parent / f".{graph_index.name}.building-killed"
    shutil.copytree(graph_index, left)  # what kill -9 during a build leaves
    report = build([SAMPLE], graph_index, model=None)
    assert not left.exists()
    assert any(d.code == "staging-left" and left.name in d.message for d in report.diagnostics)


def test_loading_refuses_files_the_manifest_does_not_list(graph_index: Path) -> None:
    manifest = json.loads((graph_index / MANIFEST).read_text(encoding="utf-8"))
    manifest["files"] = {}
    (graph_index / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexFormatError, match=r"does not list .*records\.jsonl"):
        load_index(graph_index)


# --- names, arguments and odd files ---------------------------------------------------------------


def test_a_gbk_file_name_builds_is_shown_decoded_and_can_be_added_to(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name as a Windows zip extracts it: GBK bytes, not UTF-8."""
    raw = os.fsdecode("预算表.txt".encode("gbk"))
    (tmp_path / raw).write_text(table(), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, build_index.main, raw, "--out", "idx", "--no-search")
    assert code == 0, err
    assert "预算表.txt" in out and "[file-name]" in out
    idx = load_index(tmp_path / "idx")
    assert idx.projects["file"].tolist() == ["预算表.txt"]
    (source,) = idx.manifest["sources"]
    assert source["path"] == str(tmp_path / raw) and source["sha256"]
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "two.txt").write_text(table().replace("测试项目", "另一项目"), encoding="utf-8")
    monkeypatch.chdir(other)  # --add from another folder: sources are recorded whole
    code, _, err = run(capsys, build_index.main, "--add", "two.txt", "--out", str(tmp_path / "idx"), "--no-search")
    assert code == 0, err
    assert load_index(tmp_path / "idx").projects.shape[0] == 2


def test_arguments_that_are_not_utf8_are_refused_by_name(graph_index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    query = os.fsdecode("森林防火".encode("gbk"))
    code, _, err = run(capsys, search.main, "query", query, "--index", str(graph_index))
    assert code == 1 and "not UTF-8 text" in err and "LANG=zh_CN.UTF-8" in err


def test_a_newline_in_a_file_name_cannot_forge_an_output_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = tmp_path / "a\nerror: forged.txt"
    name.write_text(table(), encoding="utf-8")
    code, out, _ = run(capsys, build_index.main, str(name), "--out", str(tmp_path / "idx"), "--no-search")
    assert code == 0
    assert not any(line.startswith("error: forged") for line in out.splitlines())
    assert "a\\nerror: forged.txt" in out


def test_pipes_and_devices_are_named_never_skipped_silently(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(table(), encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.txt")
    files, unread = scan_sources([tmp_path])
    assert [f.name for f in files] == ["a.txt"]
    assert [(f.name, "pipe" in why) for f, why in unread] == [("pipe.txt", True)]
    with pytest.raises(InputError, match="not a regular file"):
        scan_sources(["/dev/zero"])


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a folder whatever its permissions")
def test_an_unreadable_folder_is_named(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(table(), encoding="utf-8")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        _, unread = scan_sources([tmp_path])
    finally:
        locked.chmod(0o755)
    assert [(f.name, "cannot be read" in why) for f, why in unread] == [("locked", True)]


def test_a_changed_unit_code_changes_the_id_and_the_rebuild_says_so(tmp_path: Path) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    (tmp_path / "s.txt").write_text(text, encoding="utf-8")
    build([tmp_path / "s.txt"], tmp_path / "idx", model=None)
    first = text.index("编制单位：102-")
    (tmp_path / "s.txt").write_text(
        text[:first] + text[first:].replace("编制单位：102-", "编制单位：112-", 1), encoding="utf-8"
    )
    report = build([tmp_path / "s.txt"], tmp_path / "idx", model=None)
    (said,) = [d for d in report.diagnostics if d.code == "id-changed"]
    assert "人大监督专项经费（重点）" in said.message and ":102:" in said.message and ":112:" in said.message


def test_a_full_disk_is_said_with_what_to_do(tmp_path: Path) -> None:
    """SQLite's own "database or disk is full" (a page limit stands in for the disk), through the
    mapping every SQLite file of ours uses."""
    from graph.errors import sqlite_trouble

    db = sqlite3.connect(tmp_path / "full.sqlite")
    db.execute("CREATE TABLE t (x BLOB)")
    db.execute("PRAGMA max_page_count = 3")
    with pytest.raises(sqlite3.OperationalError) as raised:
        db.execute("INSERT INTO t VALUES (?)", (b"x" * 100_000,))
    assert "full" in str(raised.value)
    said = str(sqlite_trouble(tmp_path / "r.sqlite", raised.value, "the review file"))
    assert said.startswith(f"{tmp_path / 'r.sqlite'}: the review file cannot be written: the disk is full")
