"""The index directory: round trip, exports, and a manifest that refuses tampering."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from graph.defaults import DEFAULT_SAMPLE
from graph.errors import IndexFormatError
from graph.store import load_index
from graph.vocabulary import COLUMNS, is_known
from index.build import build


@pytest.fixture
def built(tmp_path: Path) -> Path:
    build([DEFAULT_SAMPLE], tmp_path / "idx", model=None)
    return tmp_path / "idx"


def test_round_trip(built: Path) -> None:
    idx = load_index(built)
    assert idx.manifest["counts"]["projects"] == 94
    assert len(idx.indicators) == 520 and len(idx.toc) == 94
    assert round(float(idx.projects["amount"].sum()), 2) == 41826.39
    assert idx.projects["unit_code"].tolist()[:2] == ["102", "105"]
    assert {"project_id", "document_id", "field", "line", "raw"} <= set(idx.citations.columns)
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


def test_every_column_is_in_the_vocabulary(built: Path) -> None:
    idx = load_index(built)
    for name in ("projects", "indicators", "citations", "documents", "issuers", "toc", "diagnostics"):
        unknown = [c for c in getattr(idx, name).columns if not is_known(c)]
        assert not unknown, (name, unknown)
    assert COLUMNS["unit_name"][0] == "编制单位" and COLUMNS["measure_unit"][0] == "计量单位"


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
    with pytest.raises(IndexFormatError, match=r"graph\.json: listed in manifest\.json but missing"):
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


def test_truncated_file_of_the_same_name_is_refused(built: Path) -> None:
    data = (built / "records.jsonl").read_bytes()
    (built / "records.jsonl").write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexFormatError, match=r"records\.jsonl: checksum differs"):
        load_index(built)


@pytest.mark.parametrize("manifest", ['{"format": "budget-graph-index", "version": 2}', "[]", '{"files": {"a": 1}}'])
def test_manifest_of_the_wrong_shape_is_refused(built: Path, manifest: str) -> None:
    (built / "manifest.json").write_text(manifest, encoding="utf-8")
    with pytest.raises(IndexFormatError, match="unreadable manifest"):
        load_index(built)
