"""What a question's filters test, as arrays: ``search/filters.npz`` (no pickle), so a filter is a
few array operations over every row, not a Python loop, and the file is read in milliseconds.

Each text column is a vocabulary and a code per row; the documents cited are a ragged array
(``doc_indptr``: row ``i`` cites ``doc_codes[doc_indptr[i]:doc_indptr[i + 1]]``).

>>> t = FilterTable.from_columns({"departments": ["区城市管理局", "区民政局"], "units": ["甲", "乙"],
...     "codes": ["101", "102"], "amounts": [10.0, None], "documents": [["渝府办发〔2019〕57号"], []]})
>>> t.mask(department="城市管理").tolist(), t.mask(min_amount=5).tolist(), t.mask(cites="渝府办发〔2019〕57号").tolist()
([True, False], [True, False], [True, False])
>>> t.mask(unit="102").tolist(), t.mask(cites="没有").tolist()
([False, True], [False, False])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from graph.errors import IndexFormatError

__all__ = ["FILTERS", "FilterTable"]

FILTERS = "filters.npz"  # what the filters of a question test, as arrays (read only by a question with filters)


def _coded(values: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    names, codes = np.unique(np.array([v or "" for v in values], dtype=str), return_inverse=True)
    return names, codes.astype(np.int32)


def _holding(names: np.ndarray, part: str) -> np.ndarray:
    """The vocabulary codes whose name holds ``part``."""
    return np.flatnonzero([part in n for n in names.tolist()])


@dataclass(frozen=True)
class FilterTable:
    """The filter columns of every row (:func:`index.store.filter_columns`), as arrays."""

    amounts: np.ndarray  # float64, NaN where a project has no amount
    department_names: np.ndarray
    departments: np.ndarray
    unit_names: np.ndarray
    units: np.ndarray
    code_names: np.ndarray
    codes: np.ndarray
    doc_names: np.ndarray
    doc_indptr: np.ndarray
    doc_codes: np.ndarray

    @classmethod
    def from_columns(cls, c: dict[str, list[Any]]) -> FilterTable:
        department_names, departments = _coded(c["departments"])
        unit_names, units = _coded(c["units"])
        code_names, codes = _coded(c["codes"])
        cited = [list(d) for d in c["documents"]]
        doc_names = np.unique(np.array([k for d in cited for k in d] or [""], dtype=str))
        flat = np.array([k for d in cited for k in d], dtype=str)
        doc_codes = np.searchsorted(doc_names, flat).astype(np.int32) if len(flat) else np.zeros(0, np.int32)
        doc_indptr = np.concatenate([[0], np.cumsum([len(d) for d in cited])]).astype(np.int64)
        amounts = np.array([np.nan if a is None else float(a) for a in c["amounts"]], dtype=np.float64)
        return cls(amounts, department_names, departments, unit_names, units, code_names, codes, doc_names,
                   doc_indptr, doc_codes)  # fmt: skip

    def save(self, path: str | Path) -> None:
        with open(path, "wb") as f:
            np.savez(f, **{x.name: getattr(self, x.name) for x in fields(self)})

    @classmethod
    def load(cls, path: str | Path) -> FilterTable:
        try:
            with np.load(path, allow_pickle=False) as data:
                return cls(**{x.name: data[x.name] for x in fields(cls)})
        except (OSError, ValueError, KeyError) as exc:
            raise IndexFormatError(f"{path}: unreadable filter columns ({exc}); rebuild the index") from exc

    def mask(
        self,
        department: str | None = None,
        unit: str | None = None,
        min_amount: float | None = None,
        max_amount: float | None = None,
        cites: str | None = None,
    ) -> np.ndarray:
        """Which rows pass: ``department`` and ``unit`` are any part of the name (a unit also by its
        code), amounts in 万元 (a project without one passes no amount filter), ``cites`` a
        document's key."""
        keep = np.ones(len(self.amounts), dtype=bool)
        if department:
            keep &= np.isin(self.departments, _holding(self.department_names, department))
        if unit:
            by_name = np.isin(self.units, _holding(self.unit_names, unit))
            keep &= by_name | np.isin(self.codes, np.flatnonzero(self.code_names == unit))
        with np.errstate(invalid="ignore"):  # NaN compares False: no amount passes no amount filter
            if min_amount is not None:
                keep &= self.amounts >= min_amount
            if max_amount is not None:
                keep &= self.amounts <= max_amount
        if cites is not None:
            code = int(np.searchsorted(self.doc_names, cites))
            citing = np.zeros(len(keep), dtype=bool)
            if code < len(self.doc_names) and self.doc_names[code] == cites:
                rows = np.repeat(np.arange(len(keep)), np.diff(self.doc_indptr))
                citing[rows[self.doc_codes == code]] = True
            keep &= citing
        return keep
