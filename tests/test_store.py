"""The index directory: round trip, exports, and a manifest that refuses tampering."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from graph.errors import IndexFormatError
from graph.models import ParsedDocument
from graph.store import load_index, write_index


@pytest.fixture
def built(sample: ParsedDocument, tmp_path: Path) -> Path:
    write_index([sample], tmp_path)
    return tmp_path


def test_round_trip(built: Path, sample: ParsedDocument) -> None:
    idx = load_index(built)
    assert idx.manifest["counts"]["projects"] == 94
    assert len(idx.indicators) == 520 and len(idx.toc) == 94
    assert round(float(idx.projects["amount"].sum()), 2) == 41826.39
    assert idx.projects["unit_code"].tolist()[:2] == ["102", "105"]
    assert {"project_id", "document", "field", "line", "raw"} <= set(idx.citations.columns)
    assert idx.graph.number_of_nodes() == idx.manifest["counts"]["nodes"]


def test_tables_load_straight_into_pandas(built: Path) -> None:
    for name in ("projects", "indicators", "citations", "documents", "issuers", "toc", "diagnostics"):
        df = pd.read_csv(built / f"{name}.csv")
        assert len(df) > 0, name


def test_records_keep_raw_text(built: Path) -> None:
    lines = (built / "records.jsonl").read_text(encoding="utf-8").splitlines()
    rec = json.loads(lines[18])
    assert rec["name"] == "粮食工作专项经费"
    assert "\t定性\t好\t20" in rec["span"]["raw"] and rec["amount"] == "17.00"
    assert rec["indicators"][-1]["recovered"] is True
    src = json.loads((built / "sources.jsonl").read_text(encoding="utf-8"))
    assert "内部资料" in src["preamble"]


def test_gephi_exports_read_back(built: Path) -> None:
    G = nx.read_graphml(built / "graph.graphml")
    H = nx.read_gexf(built / "graph.gexf")
    assert G.number_of_nodes() == H.number_of_nodes() == load_index(built).graph.number_of_nodes()


def test_no_pickle_anywhere(built: Path) -> None:
    for f in built.iterdir():
        assert not f.read_bytes().startswith(b"\x80"), f


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(IndexFormatError, match=r"no manifest\.json; is this an index directory"):
        load_index(tmp_path / "nope")


def test_tampered_file_is_refused(built: Path) -> None:
    with open(built / "projects.csv", "a", encoding="utf-8") as f:
        f.write("x\n")
    with pytest.raises(IndexFormatError, match=r"projects\.csv: checksum differs"):
        load_index(built)


def test_missing_file_is_refused(built: Path) -> None:
    (built / "graph.json").unlink()
    with pytest.raises(IndexFormatError, match=r"graph\.json: listed in the manifest but missing"):
        load_index(built)


def test_other_version_is_refused(built: Path) -> None:
    m = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    m["version"] = 99
    (built / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    with pytest.raises(IndexFormatError, match="version 99"):
        load_index(built)


def test_broken_manifest_is_refused(built: Path) -> None:
    (built / "manifest.json").write_text("{", encoding="utf-8")
    with pytest.raises(IndexFormatError, match="unreadable manifest"):
        load_index(built)
