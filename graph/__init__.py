"""Read 预算绩效目标表 documents into typed records and a citation knowledge graph.

The stages, one module each: :mod:`graph.read.source` (bytes to text), :mod:`graph.read.clean`
(normalisers), :mod:`graph.read.tables` (tables to records), :mod:`graph.read.citations` (document
numbers and titles), :mod:`graph.read.issuers` (who issued them), :mod:`graph.knowledge` (the
networkx graph), :mod:`graph.store` (the index directory) and :mod:`graph.queries`
(questions analysts ask of the graph).
"""

from graph.errors import BudgetGraphError, IndexFormatError, InputError, LookupFailed
from graph.models import (
    Citation,
    Diagnostic,
    DocumentNumber,
    Indicator,
    Issuer,
    ParsedDocument,
    Project,
    Span,
    TocEntry,
)

__all__ = [
    "BudgetGraphError",
    "Citation",
    "Diagnostic",
    "DocumentNumber",
    "IndexFormatError",
    "Indicator",
    "InputError",
    "Issuer",
    "LookupFailed",
    "ParsedDocument",
    "Project",
    "Span",
    "TocEntry",
]
