"""Documents spilled to disk as they are read (graph.spill): an index built with every project read
back from the spill is the index built with them held in memory, file for file, on the sample and
on a corpus that exercises every merge rule (the sample twice, an edition with one project read
differently and one with other values under its id, another district's; synthetic, made here from
the sample); a spill's folder goes when its documents go, and one that a killed build left beside
an index is removed by the next build, and said."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest

import graph.spill
from graph.codes import Code
from graph.defaults import DEFAULT_SAMPLE
from graph.read.layouts import parse_file
from graph.records import ProjectRecords
from graph.spill import SPILL_PREFIX, DocumentSpill, SpilledProjects, remove_left
from index.build import build
from tests.editions import other_district


def _variants(folder: Path) -> list[Path]:
    """The sample; the same file again; the sample with one project's overview reworded (read
    differently, counted once) and another's amount changed (other values under its id: kept as
    ``#2``); another district's tables."""
    text = DEFAULT_SAMPLE.read_text(encoding="utf-8")
    doc = parse_file(DEFAULT_SAMPLE)
    a, b = doc.projects[3], doc.projects[7]
    lines = text.split("\n")
    reworded = a.span.line + next(i for i, ln in enumerate(lines[a.span.line - 1 :]) if a.overview[:12] in ln) - 1
    lines[reworded] = lines[reworded].replace(a.overview[:12], a.overview[:12] + "，另行")
    for i in range(b.span.line - 1, b.span.end_line):  # 当年预算金额 and 部门留用, so the split still adds up
        lines[i] = lines[i].replace(f"\t{b.amount}\t", f"\t{b.amount + 1}\t")
    files = {
        "a_sample.txt": text,
        "b_copy.txt": text,
        "c_edited.txt": "\n".join(lines),
        "d_jiangbei.txt": other_district(text)[0],
    }
    for name, t in files.items():
        (folder / name).write_text(t, encoding="utf-8")
    return [folder / n for n in files]


def _files(index: Path) -> dict[str, object]:
    """What each manifest lists (names, sizes and hashes) and the counts; not when it was made."""
    out = {}
    for m in sorted(index.rglob("manifest.json")):
        got = json.loads(m.read_text(encoding="utf-8"))
        out[str(m.relative_to(index))] = (got["files"], got.get("counts"))
    return out


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return _variants(tmp_path_factory.mktemp("variants"))


def test_the_corpus_exercises_every_merge_rule(corpus: list[Path], tmp_path: Path) -> None:
    report = build(corpus, tmp_path / "idx", model=None, keep_going=True)
    codes = {d.code for d in report.diagnostics}
    assert {Code.DUPLICATE_SOURCE, Code.DUPLICATE_PROJECT, Code.DUPLICATE_ID} <= codes
    assert any(p.id.endswith("#2") for p in ProjectRecords(tmp_path / "idx"))


@pytest.mark.parametrize("which", ["sample", "corpus"])
def test_spilled_builds_the_same_index(which: str, corpus: list[Path], tmp_path: Path, monkeypatch) -> None:
    paths = [DEFAULT_SAMPLE] if which == "sample" else corpus
    held = build(paths, tmp_path / "held", model=None)
    monkeypatch.setattr(graph.spill, "SPILL_HELD", 0)
    spilled = build(paths, tmp_path / "spilled", model=None)
    assert _files(tmp_path / "spilled") == _files(tmp_path / "held")
    assert [str(d) for d in spilled.diagnostics] == [str(d) for d in held.diagnostics]
    assert list(spilled.docs) == list(held.docs)  # the report's documents are still readable after the build
    assert len(list(tmp_path.glob(f"{SPILL_PREFIX}*"))) == 2  # beside the index, while a report refers to them
    del held, spilled
    gc.collect()
    assert not any(tmp_path.glob(f"{SPILL_PREFIX}*"))


def test_spilled_search_part_is_the_same(st_encoder, tmp_path: Path, monkeypatch) -> None:
    from analysis.lint import write_findings

    build([DEFAULT_SAMPLE], tmp_path / "held", model=st_encoder, parts=(write_findings,))
    monkeypatch.setattr(graph.spill, "SPILL_HELD", 0)
    build([DEFAULT_SAMPLE], tmp_path / "spilled", model=st_encoder, parts=(write_findings,))
    assert _files(tmp_path / "spilled") == _files(tmp_path / "held")


def test_projects_are_read_back_one_at_a_time(sample, tmp_path: Path) -> None:
    spill = DocumentSpill.create(tmp_path, held=0)
    spill.add(sample)
    spill.add(sample)
    spill.close()
    first, second = (d.projects for d in spill)
    assert not spill.held and isinstance(first, SpilledProjects)
    assert first == sample.projects and second == list(sample.projects) and first != sample.projects[:-1]
    assert first[-1] == sample.projects[-1] and second[0] == sample.projects[0]
    assert first[2:5] == sample.projects[2:5] and first[::40] == sample.projects[::40] and first[5:2] == ()
    with pytest.raises(IndexError):
        first[len(first)]
    assert len(spill.projects) == 2 * len(sample.projects) and list(spill.projects)[94] == sample.projects[0]
    assert spill[0] == sample and spill[-1].path == sample.path and spill == [sample, sample]


def test_held_projects_are_dropped_past_the_budget(sample, tmp_path: Path) -> None:
    spill = DocumentSpill.create(tmp_path, held=len(sample.projects))
    spill.add(sample)
    assert spill.held and spill[0].projects[0] is sample.projects[0]  # walked from memory
    spill.add(sample)
    assert not spill.held and spill[0].projects[0] is not sample.projects[0]
    assert spill[0] == sample and spill[1] == sample


def test_the_folder_goes_with_its_documents(sample, tmp_path: Path) -> None:
    spill = DocumentSpill.create(tmp_path, held=0)
    spill.add(sample)
    folder, docs = spill.folder, list(spill)
    del spill
    gc.collect()
    assert folder.is_dir() and docs[0] == sample  # a document still refers to it
    del docs
    gc.collect()
    assert not folder.exists()


def test_a_killed_builds_spill_is_removed_and_said(tmp_path: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = tmp_path / f"{SPILL_PREFIX}{gone.stdout.strip()}-abc"
    (dead / "x").mkdir(parents=True)
    live = DocumentSpill.create(tmp_path)  # this process's: kept
    other = tmp_path / "not-a-spill"
    other.mkdir()
    report = build([DEFAULT_SAMPLE], tmp_path / "idx", model=None)
    assert not dead.exists() and live.folder.is_dir() and other.is_dir()
    said = [d for d in report.notes if d.code == Code.STAGING_LEFT]
    assert len(said) == 1 and dead.name in said[0].message
    assert remove_left(tmp_path) == []


def test_an_unreadable_file_leaves_no_spill(tmp_path: Path) -> None:
    from graph.errors import UnreadableFiles

    (tmp_path / "bad.txt").write_bytes(b"\x00\x01")
    with pytest.raises(UnreadableFiles):
        build([DEFAULT_SAMPLE, tmp_path / "bad.txt"], tmp_path / "idx", model=None)
    gc.collect()
    assert not any(tmp_path.glob(f"{SPILL_PREFIX}*"))


def test_vectors_written_as_they_come_equal_those_in_memory(st_encoder, sample, tmp_path: Path, monkeypatch) -> None:
    import numpy as np

    import index.store
    from index.store import FIELDS, embed

    whole = embed(sample.projects, st_encoder)
    monkeypatch.setattr(index.store, "EMBED_BATCH", 40)  # three batches, the last one short
    written = embed(sample.projects, st_encoder, folder=tmp_path)
    for name in FIELDS:
        assert isinstance(written.vectors[name], np.memmap) and not isinstance(whole.vectors[name], np.memmap)
        np.testing.assert_allclose(written.vectors[name], whole.vectors[name], atol=1e-5)
        np.save(tmp_path / f"saved.{name}.npy", np.asarray(written.vectors[name]), allow_pickle=False)
        assert (tmp_path / f"saved.{name}.npy").read_bytes() == (tmp_path / f"vectors.{name}.npy").read_bytes()
    assert written.split_pieces == whole.split_pieces and written.cut_texts == whole.cut_texts
