"""Project records in JSON Lines, the one serialised shape of :class:`~graph.models.Project`.

``records.jsonl`` holds one project per line with the dataclass's own field names (amounts as
decimal strings, spans with file, line, end_line and raw text); :func:`read_records` reads them
back, after verifying the index's manifest, without pandas (the search side loads it cold).

>>> from graph.models import Span
>>> p = read_records(example_index)[0]
>>> project_from_json(project_to_json(p)) == p
True
"""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from graph.manifest import GRAPH_FORMAT, read_manifest
from graph.models import Citation, DocumentNumber, Indicator, Project, Span

__all__ = ["RECORDS", "project_from_json", "project_to_json", "read_records"]

RECORDS = "records.jsonl"


def _jsonable(obj: Any) -> Any:
    """Dataclasses, tuples and Decimals as JSON values (Decimal as a string, exact)."""
    if isinstance(obj, Decimal):
        return str(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, list | tuple):
        return [_jsonable(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    return obj


def project_to_json(p: Project) -> dict[str, Any]:
    """A project as its ``records.jsonl`` object."""
    out = _jsonable(p)
    assert isinstance(out, dict)
    return out


def _span(d: dict[str, Any]) -> Span:
    return Span(d["file"], d["line"], d["end_line"], d.get("raw", ""))


def _dec(x: str | None) -> Decimal | None:
    return Decimal(x) if x is not None else None


def project_from_json(d: dict[str, Any]) -> Project:
    """A :class:`Project` back from its ``records.jsonl`` line."""
    inds = tuple(Indicator(**{**i, "span": _span(i["span"])}) for i in d["indicators"])
    cites = tuple(
        Citation(
            c["key"],
            DocumentNumber(**c["number"]) if c["number"] else None,
            c["title"],
            c["field"],
            _span(c["span"]),
        )
        for c in d["citations"]
    )
    return Project(
        **{
            **d,
            "amount": _dec(d["amount"]),
            "retained": _dec(d["retained"]),
            "to_towns": _dec(d["to_towns"]),
            "basis": tuple(d["basis"]),
            "indicators": inds,
            "long_term": tuple(Indicator(**{**i, "span": _span(i["span"])}) for i in d.get("long_term", ())),
            "attributes": tuple(tuple(a) for a in d.get("attributes", ())),
            "citations": cites,
            "unparsed": tuple(_span(u) for u in d["unparsed"]),
            "span": _span(d["span"]),
        }
    )


def read_records(root: str | Path) -> list[Project]:
    """The projects of an index directory, in build order, after verifying its manifest."""
    root = Path(root)
    read_manifest(root, *GRAPH_FORMAT, required=[RECORDS])
    with open(root / RECORDS, encoding="utf-8") as f:
        return [project_from_json(json.loads(line)) for line in f if line.strip()]
