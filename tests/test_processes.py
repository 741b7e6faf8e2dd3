"""Reading in local processes (index.processes) gives the index that reading in the build's own
process gives, byte for byte, on a corpus of text, Word and Excel documents made from the sample
(synthetic: tests/editions.py, tests/documents.py, tests/variants.py), a repeated file among them;
an unreadable file is named the same way."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.constants import PARALLEL_MIN_FILES
from graph.defaults import DEFAULT_SAMPLE
from graph.errors import InputError, UnreadableFiles
from graph.read.identity import NO_OVERRIDE
from graph.read.issuers import IssuerResolver
from index.build import Engine, build
from index.processes import parse_in_processes
from tests import documents, variants
from tests.editions import _tables, next_year, other_district, synthetic_districts

COMPARED = ("graph.json", "records.jsonl", "sources.jsonl", "diagnostics.csv", "projects.csv", "indicators.csv",
            "citations.csv", "documents.csv", "issuers.csv", "graph.graphml", "graph.gexf")  # fmt: skip


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    head, blocks = _tables(DEFAULT_SAMPLE.read_text(encoding="utf-8"))
    text = "\n".join([*head[:12], *(line for b in blocks[:10] for line in b)])
    d = tmp_path_factory.mktemp("many")
    later, moved = next_year(text)[0], other_district(text)[0]
    for name, t in {"a_beibei.txt": text, "b_beibei_2025.txt": later, "c_jiangbei.txt": moved,
                    "d_jiangbei_2025.txt": other_district(later)[0], "e_repeat.txt": text}.items():  # fmt: skip
        (d / name).write_text(t, encoding="utf-8")
    for k, (_, t) in enumerate(synthetic_districts(text, 8)):  # 重庆市合一区 …: more files than the pool's floor
        (d / f"j_district_{k}.txt").write_text(t, encoding="utf-8")
    documents.write_docx(moved, d / "f_jiangbei.docx")  # the same tables again, from Word: merged as repeats
    documents.write_xlsx(later, d / "g_beibei_2025.xlsx")
    sample = variants.load_sample()
    # structure drawn from a seed: cover, contents, merged cells, two-row headers, page breaks
    variants.write_docx(sample, variants.draw(3), d / "h_variant_3.docx")
    variants.write_xlsx(sample, variants.draw(11), d / "i_variant_11.xlsx")
    assert len(list(d.iterdir())) >= PARALLEL_MIN_FILES
    return d


def test_reading_in_processes_builds_the_same_index(corpus: Path, tmp_path: Path) -> None:
    here = build([corpus], tmp_path / "here", model=None, engine=Engine(workers=1))
    pool = build([corpus], tmp_path / "pool", model=None, engine=Engine(workers=3))
    assert here.counts == pool.counts and here.counts["projects"] > 40
    assert [str(d) for d in here.diagnostics] == [str(d) for d in pool.diagnostics]
    assert any("e_repeat.txt" in str(d) for d in here.diagnostics)  # the repeat is named, not counted twice
    for name in COMPARED:
        assert (tmp_path / "here" / name).read_bytes() == (tmp_path / "pool" / name).read_bytes(), name


def test_documents_come_back_in_the_order_given(corpus: Path) -> None:
    files = sorted(corpus.iterdir(), reverse=True)
    known = IssuerResolver.from_package().known_codes
    got = list(parse_in_processes([(f, NO_OVERRIDE) for f in files], known, workers=2))
    assert [Path(d.path).name for d in got] == [f.name for f in files]


def test_an_unreadable_file_is_named_as_when_read_here(corpus: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for f in corpus.iterdir():
        (src / f.name).write_bytes(f.read_bytes())
    (src / "empty.txt").write_text("", encoding="utf-8")
    (src / "broken.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    said = []
    for workers in (1, 2):
        with pytest.raises(UnreadableFiles) as exc:
            build([src], tmp_path / f"idx{workers}", model=None, engine=Engine(workers=workers))
        said.append(str(exc.value))
        assert "empty.txt" in said[-1] and "broken.xlsx" in said[-1] and not (tmp_path / f"idx{workers}").exists()
    assert said[0] == said[1]
    kept = build([src], tmp_path / "kept", model=None, engine=Engine(workers=2), keep_going=True)
    assert sorted(Path(e.file).name for e in kept.errors) == ["broken.xlsx", "empty.txt"]


def test_texts_cut_in_processes_are_cut_as_here(tmp_path: Path) -> None:
    from graph.read.layouts import parse_file
    from index.lexical import Tokens, corpus_terms
    from index.processes import cut_in_processes
    from index.store import project_fields

    projects = parse_file(DEFAULT_SAMPLE).projects
    tokens = Tokens(corpus_terms([p.name for p in projects] + [i.name for p in projects for i in p.indicators]))
    tokens.save(tmp_path / "userdict.txt")
    texts = [project_fields(p)["all"] for p in projects] * 3  # more batches than workers ask for at once
    here = [tokens.cut(t) for t in texts]
    assert list(cut_in_processes(tmp_path / "userdict.txt", iter(texts), workers=2)) == here
    terms = set(tokens.terms)
    assert sum(w in terms for t in here for w in t) > 100  # the corpus's own terms are the workers' words too


def test_layout_descriptions_are_checked_once_and_reach_the_workers(corpus: Path, tmp_path: Path) -> None:
    from graph.read.spec import LAYOUT_DIR

    empty, own = tmp_path / "empty", tmp_path / "own"
    empty.mkdir()
    own.mkdir()
    for f in LAYOUT_DIR.glob("*.toml"):  # the package's descriptions given as the user's own
        (own / f.name).write_bytes(f.read_bytes())
    with pytest.raises(InputError, match=r"no \*\.toml layout descriptions in this folder"):
        build([corpus], tmp_path / "bad", model=None, engine=Engine(workers=2), layout_dirs=[empty])
    here = build([corpus], tmp_path / "here", model=None, engine=Engine(workers=1), layout_dirs=[own])
    pool = build([corpus], tmp_path / "pool", model=None, engine=Engine(workers=2), layout_dirs=[own])
    assert here.counts == pool.counts
    assert (tmp_path / "here" / "records.jsonl").read_bytes() == (tmp_path / "pool" / "records.jsonl").read_bytes()
