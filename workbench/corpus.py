"""One way in for analysts: a built index as a :class:`Corpus` of DataFrames, a graph and search.

>>> from workbench.corpus import open_corpus
>>> c = open_corpus(example_index)
>>> len(c.projects), round(float(c.projects['amount'].sum()), 2)
(94, 41826.39)
>>> c.cited_by('渝规资[2020]678 号')['project'].tolist()[0]
'三圣镇春柳村土地整理项目'
>>> route = c.path('照明设施电费', '路灯运行设施维护费')   # project -> shared document -> project
>>> len(route), route[1].startswith('doc:')
(3, True)
>>> hood = c.neighbours('保交楼经费', depth=1)
>>> sorted(set(hood['type']))
['department', 'document', 'indicator', 'project', 'unit']
>>> bool(c.communities().iloc[0]['size'] >= 2)
True
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import networkx as nx
import pandas as pd

from analysis import relations
from analysis.duplicates import DupCorpus, DuplicatePair, PairTable, duplicate_table, find_duplicates, to_frame
from analysis.lineage import Link, arrange, lineage
from analysis.lineage import to_frame as lineage_frame
from analysis.lint import Finding, LintView, Severity, lint_index
from analysis.lint import to_frame as lint_frame
from graph import queries
from graph.constants import (
    COMMUNITY_SEED,
    LINEAGE_SORTS,
    MIN_SHARED_PROJECTS,
    OVERVIEW_ABOVE,
    TOP_HITS,
    VIEW_DEPTH,
)
from graph.defaults import DEFAULT_OUT
from graph.errors import LookupFailed
from graph.export import GEPHI_FILES, write_csv, write_jsonl, write_workbook
from graph.ids import pair_key, short_key
from graph.manifest import not_over_an_index
from graph.store import Index, load_index, load_records
from graph.vocabulary import LEAST_SEVERITY
from index.searcher import Filters, Scope, Searcher
from index.store import has_search
from workbench.desk import SHORT, ImportReport, import_rows, read_decisions, resolve_short
from workbench.html_view import View, inline, write_html
from workbench.review import Decision, ReviewLog, reviews_path

HIT_COLUMNS = [
    "rank", "project_id", "project", "region", "year", "department", "unit_name", "amount", "score", "dense",
    "lexical", "field", "snippet", "matched_terms", "file", "line",
]  # fmt: skip

__all__ = ["Corpus", "open_corpus"]

Reviewed = TypeVar("Reviewed", Finding, DuplicatePair)  # what carries a review_key


def open_corpus(path: str | Path = DEFAULT_OUT) -> Corpus:
    """Open a built index directory (``python build_index.py`` writes ``build/index``)."""
    return Corpus(load_index(path))


class Corpus:
    """Projects, indicators, citations and documents as DataFrames; the graph; search; duplicates."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.directory = index.path
        self._searcher: Searcher | None = None
        self._dup: DupCorpus | None = None

    # The graph and each table are read from the index when first used, then kept.
    @property
    def graph(self) -> nx.MultiDiGraph:
        return self.index.graph

    @property
    def projects(self) -> pd.DataFrame:
        return self.index.projects

    @property
    def indicators(self) -> pd.DataFrame:
        return self.index.indicators

    @property
    def citations(self) -> pd.DataFrame:
        return self.index.citations

    @property
    def documents(self) -> pd.DataFrame:
        return self.index.documents

    @property
    def issuers(self) -> pd.DataFrame:
        return self.index.issuers

    @property
    def toc(self) -> pd.DataFrame:
        return self.index.toc

    @property
    def diagnostics(self) -> pd.DataFrame:
        return self.index.diagnostics

    def __repr__(self) -> str:
        c = self.index.manifest["counts"]
        return (
            f"<Corpus {self.directory}: {c['projects']} projects, {c['documents']} documents, {c['issuers']} issuers>"
        )

    # --- search (needs the search index) -------------------------------------------------

    @property
    def searcher(self) -> Searcher:
        if self._searcher is None:
            self._searcher = Searcher.load(self.directory)
        return self._searcher

    def query(self, text: str, k: int = TOP_HITS, **filters: Any) -> pd.DataFrame:
        """Projects matching a question (Chinese or English); filters as in :class:`index.searcher.Filters`."""
        hits = self.searcher.query(text, k, Filters(**filters) if filters else None)
        return pd.DataFrame([h.to_json() for h in hits], columns=HIT_COLUMNS)

    def similar(self, project: str, k: int = TOP_HITS, scope: Scope | None = None, **filters: Any) -> pd.DataFrame:
        """Projects most like one (id or name), from stored vectors; ``scope`` ``within`` or
        ``across`` keeps those of the project's own region or of the others."""
        hits = self.searcher.similar(project, k, Filters(**filters) if filters else None, scope)
        return pd.DataFrame([h.to_json() for h in hits], columns=HIT_COLUMNS)

    @property
    def dup_corpus(self) -> DupCorpus:
        """What the duplicates pass reads (its columns and sentences made once, on first use)."""
        if self._dup is None:
            self._dup = DupCorpus.from_search_index(self.searcher.index)
        return self._dup

    def duplicate_pairs(self, **options: Any) -> list[DuplicatePair]:
        """Candidate duplicate or overlapping pairs as records (see :func:`analysis.duplicates.find_duplicates`)."""
        return find_duplicates(self.dup_corpus, **options)

    def duplicate_table(self, **options: Any) -> PairTable:
        """The same pairs as columns (:func:`analysis.duplicates.duplicate_table`): at 10^5 projects
        and more, make records only of those shown (``table.pairs(c.dup_corpus, rows)``)."""
        return duplicate_table(self.dup_corpus, **options)

    def undismissed(self, table: PairTable) -> list[int]:
        """The rows of ``table`` whose pair no decision dismissed (each pair's key is made only when
        some decision dismisses a pair)."""
        current = self.reviews.current()
        if not any(d.decision == "dismissed" for d in current.values()):
            return list(range(len(table)))
        keys = table.review_keys(self.dup_corpus)
        return [r for r, k in enumerate(keys) if not (k in current and current[k].decision == "dismissed")]

    def duplicates(self, hide_dismissed: bool = False, **options: Any) -> pd.DataFrame:
        """Candidate duplicate or overlapping pairs with every signal, one row each, with the
        review decision on each (``hide_dismissed`` leaves out those dismissed)."""
        return self.with_decisions(to_frame(self.duplicate_pairs(**options)), hide_dismissed)

    # --- the graph ---------------------------------------------------------------------

    def cited_by(self, document: str, region: str | None = None, year: int | None = None) -> pd.DataFrame:
        """Projects resting on a document: its number in any bracket style, part of its title, or an
        issuer's prefix (every document of it), grouped by document (:func:`graph.queries.cited_by`).

        >>> c = open_corpus(example_index)
        >>> df = c.cited_by('渝府办发')
        >>> df['document'].nunique(), df['project_id'].nunique()   # documents, and the projects citing them
        (16, 13)
        """
        return queries.cited_by_in(self.index, document, region, year)

    def funded_by(self, department: str, region: str | None = None, year: int | None = None) -> pd.DataFrame:
        """Projects a department manages, largest budget first; short forms (城管局, 发改委) are understood.

        >>> df = open_corpus(example_index).funded_by('城管局')
        >>> len(df), round(float(df['amount'].sum()), 2)
        (10, 5546.02)
        """
        return queries.funded_by_in(self.index, department, region, year)

    def documents_of(self, project: str) -> pd.DataFrame:
        """The documents a project cites, with their issuers and levels.

        >>> df = open_corpus(example_index).documents_of('保交楼经费')
        >>> {'number', 'issuer', 'issuer_level'} <= set(df.columns)
        True
        """
        return queries.documents_of(self.graph, project)

    def shared_documents(
        self,
        min_projects: int = MIN_SHARED_PROJECTS,
        across: str | None = None,
        region: str | None = None,
        year: int | None = None,
    ) -> pd.DataFrame:
        """Documents cited by at least ``min_projects`` projects (``across``: regions or years), most shared first.

        >>> df = open_corpus(example_index).shared_documents(min_projects=3)
        >>> bool((df['n_projects'] >= 3).all())
        True
        """
        return queries.shared_documents(self.graph, min_projects, across, region, year)

    def issuers_of(self, projects: list[str] | None = None) -> pd.DataFrame:
        """The issuing authorities the projects (all, or those named) rest on, with their levels.

        >>> df = open_corpus(example_index).issuers_of()
        >>> r = df.iloc[0]; r['issuer'], r['issuer_level'], int(r['n_projects'])
        ('重庆市人民政府办公厅', '市', 17)
        """
        return queries.issuers_of(self.graph, projects)

    def _node(self, name: str) -> str:
        return relations.node_named(self.graph, name)

    def neighbours(self, project: str, depth: int = 1) -> pd.DataFrame:
        """Everything within ``depth`` links of a project (either direction), nearest first
        (:func:`analysis.relations.neighbours`)."""
        return relations.neighbours(self.graph, project, depth)

    def path(self, a: str, b: str) -> list[str]:
        """The shortest chain from one project to another through shared documents or indicators
        (:func:`analysis.relations.path`)."""
        return relations.path(self.graph, a, b)

    def project_graph(self) -> nx.Graph:
        """Projects linked by what they share (:func:`analysis.relations.project_graph`)."""
        return relations.project_graph(self.graph)

    def communities(self, resolution: float = 1.0, seed: int = COMMUNITY_SEED) -> pd.DataFrame:
        """Groups of projects that share documents and indicators (:func:`analysis.relations.communities`)."""
        return relations.communities(self.graph, resolution, seed)

    def lint_findings(self, **filters: Any) -> list[Finding]:
        """Lint findings as records, filtered as ``search.py lint`` filters them: ``rules``, ``severity``,
        ``project``, ``region``, ``year`` (:func:`analysis.lint.lint_index`)."""
        return lint_index(self.index, **filters)

    def lint_view(self, hide_dismissed: bool = False, **filters: Any) -> LintView:
        """The findings ``search.py lint`` lists, with ``lint_findings``'s filters, counted,
        summarised or listed (:class:`~analysis.lint.LintView`); ``hide_dismissed`` leaves out those
        dismissed."""
        hidden = [k for k, d in self.reviews.current().items() if d.decision == "dismissed"] if hide_dismissed else []
        return LintView(self.index, hidden=hidden, **filters)

    def lint(
        self,
        rules: Sequence[str] = (),
        severity: Severity = LEAST_SEVERITY,
        project: str | None = None,
        hide_dismissed: bool = False,
        region: str | None = None,
        year: int | None = None,
    ) -> pd.DataFrame:
        """Lint findings (rule, severity, project, message, values, file, line), one row each,
        with the review decision on each (``hide_dismissed`` leaves out those dismissed)."""
        found = self.lint_findings(rules=rules, severity=severity, project=project, region=region, year=year)
        return self.with_decisions(lint_frame(found), hide_dismissed)

    def lineage(
        self,
        from_year: int | None = None,
        to_year: int | None = None,
        department: str | None = None,
        region: str | None = None,
        changed: bool = False,
        sort: str = LINEAGE_SORTS[0],
    ) -> pd.DataFrame:
        """Each project of one year with its counterpart in the next (same, renamed, dropped, new),
        the amounts of both years, the change in 万元 and in %, indicators added, dropped or retargeted,
        and goals copied verbatim; projects are matched within their region.  ``changed`` keeps those
        where something moved; ``sort`` orders them (:data:`graph.constants.LINEAGE_SORTS`)."""
        links = self.lineage_links(from_year, to_year, department, region)
        return lineage_frame(arrange(links, changed, sort))

    def lineage_links(
        self,
        from_year: int | None = None,
        to_year: int | None = None,
        department: str | None = None,
        region: str | None = None,
    ) -> list[Link]:
        projects, _ = load_records(self.index)
        vectors = None
        if has_search(self.directory):
            idx = self.searcher.index
            vectors = {pid: idx.vectors["all"][i] for i, pid in enumerate(idx.ids)}
        return lineage(projects, from_year, to_year, vectors, department, region)

    # --- review decisions ----------------------------------------------------------------

    @property
    def reviews(self) -> ReviewLog:
        """The decisions kept beside this index (``<index>.reviews.sqlite``)."""
        return ReviewLog(reviews_path(self.directory))

    def review(self, item: str, decision: str, note: str = "", who: str = "", other: str | None = None) -> Decision:
        """Record a decision on a lint finding (its ``review_key``) or on a pair of projects
        (``item`` and ``other`` named by id or name)."""
        if other is not None:
            a, b = (queries.find_project(self.graph, x) for x in (item, other))
            item = pair_key(a, b)
        elif SHORT.fullmatch(item):  # L-… or P-…, as listings show it
            item = resolve_short(item, self._short_keyed(item))
        self._check_review_key(item)
        return self.reviews.record(item, decision, note, who)

    def _short_keyed(self, short: str) -> list[str]:
        """The review keys a short key may stand for: the findings (L-…), or the pairs decided on and
        the duplicate candidates (P-…)."""
        if short.startswith("L-"):
            return list(self.lint()["review_key"])
        pairs = [k for k in self.reviews.current() if k.startswith("pair:")]
        return pairs + ([p.review_key for p in self.duplicate_pairs()] if has_search(self.directory) else [])

    def import_decisions(self, path: str | Path, who: str = "") -> ImportReport:
        """The decisions written in a review workbook (``export``'s ``tables.xlsx``, its lint and
        duplicates sheets) recorded, each one that differs from the current decision; rows with an
        unknown decision or key refused by sheet and cell (:mod:`workbench.desk`)."""
        rows = list(read_decisions(path))
        known = set(self.lint()["review_key"])
        for r in rows:
            if r.key.startswith("pair:") and self._is_pair(r.key):
                known.add(r.key)
        current = {k: (d.decision, d.note) for k, d in self.reviews.current().items()}
        report = import_rows(rows, known, current)
        for r in report.changed:
            self.reviews.record(r.key, r.decision, r.note, who or f"imported from {Path(path).name}")
        return report

    def _is_pair(self, item: str) -> bool:
        ids = item.removeprefix("pair:").split("|")
        return len(ids) == 2 and all(self.graph.nodes.get(i, {}).get("type") == "project" for i in ids)

    def _check_review_key(self, item: str) -> None:
        """A decision is kept only on what this index holds: a lint finding it reports, or a pair of
        its projects; another key (mistyped, or from another index) is a :class:`LookupFailed`."""
        if item.startswith("lint:"):
            if item not in set(self.lint()["review_key"]):
                raise LookupFailed(
                    f"{item!r} is not a finding of {self.directory}; `search.py lint --json` lists each "
                    "finding's review_key"
                )
        elif item.startswith("pair:") and not self._is_pair(item):
            ids = item.removeprefix("pair:").split("|")
            unknown = [i for i in ids if self.graph.nodes.get(i, {}).get("type") != "project"]
            raise LookupFailed(f"{item!r}: {', '.join(unknown) or 'not two ids'} not a project of {self.directory}")

    def decisions(self) -> pd.DataFrame:
        """The current decision on every item reviewed."""
        rows = [d.__dict__ for d in self.reviews.current().values()]
        return pd.DataFrame(rows, columns=["item", "decision", "note", "who", "at"])

    def decided(self, items: Sequence[Reviewed], hide_dismissed: bool = False) -> list[tuple[Reviewed, str]]:
        """Each finding or pair with the current decision on it (``""`` when none), in order;
        ``hide_dismissed`` leaves out those dismissed (``search.py lint`` and ``duplicates`` show these)."""
        current = self.reviews.current()
        pairs = [(x, current[x.review_key].decision if x.review_key in current else "") for x in items]
        return [(x, d) for x, d in pairs if not (hide_dismissed and d == "dismissed")]

    def with_decisions(self, df: pd.DataFrame, hide_dismissed: bool = False) -> pd.DataFrame:
        """A frame of findings or pairs (with ``review_key``) with the decision and note on each."""
        current = self.reviews.current()
        df = df.copy()
        df["decision"] = [current[k].decision if k in current else "" for k in df["review_key"]]
        df["note"] = [current[k].note if k in current else "" for k in df["review_key"]]
        df["key"] = [short_key(k) for k in df["review_key"]]  # to type: search.py review L-…
        if hide_dismissed:
            df = df[df["decision"] != "dismissed"].reset_index(drop=True)
        return df

    # --- pictures and exports ---------------------------------------------------------

    def html(
        self,
        out: str | Path,
        project: str | None = None,
        depth: int = VIEW_DEPTH,
        region: str | None = None,
        year: int | None = None,
        overview_above: int | None = OVERVIEW_ABOVE,
    ) -> Path:
        """An interactive offline HTML view of a project's neighbourhood, or of the citation graph
        (of one region's or year's projects, with what they cite, when asked); a citation graph of
        more than ``overview_above`` projects is drawn by department (``None``: every node)."""
        focus = None if project is None else self._node(project)
        return write_html(self.graph, out, focus, depth, region, year, overview_above)

    def show(self, project: str | None = None, depth: int = VIEW_DEPTH, height: int = 640) -> View:
        """The interactive view inline in Jupyter (the last expression of a cell)."""
        return inline(self.graph, None if project is None else self._node(project), depth, height)

    def tables(self, with_search: bool = True) -> dict[str, pd.DataFrame]:
        """Every table of the review: the index's, lint findings, and (with a search index)
        duplicate candidates."""
        frames = {
            "projects": self.projects,
            "indicators": self.indicators,
            "citations": self.citations,
            "documents": self.documents,
            "issuers": self.issuers,
            "lint": self.lint(),
        }
        if with_search and has_search(self.directory):
            frames["duplicates"] = self.duplicates()
        frames["diagnostics"] = self.diagnostics
        return frames

    def export(self, out: str | Path, excel: bool = True, bom: bool = True, chinese: bool = False) -> list[Path]:
        """GraphML and GEXF (Gephi), CSV tables (UTF-8 with a BOM for Excel unless ``bom=False``),
        the review workbook, and JSON Lines of projects.  ``chinese`` gives Chinese column headers."""
        out = not_over_an_index(out, "export")
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name in GEPHI_FILES:  # as the build wrote them (graph.export.write_graph_files)
            shutil.copy2(self.directory / name, out / name)
            written.append(out / name)
        frames = self.tables()
        for name, df in frames.items():
            written.append(write_csv(df, out / f"{name}.csv", bom=bom, chinese=chinese))
        if excel:
            written.append(write_workbook(frames, out / "tables.xlsx", chinese=chinese))
        written.append(self._write_projects_jsonl(out / "projects.jsonl"))
        return written

    def database(self, path: str | Path) -> Path:
        """The whole index as one SQLite database, for Datasette; its metadata also has queries that
        read the decisions live from the review file (:func:`workbench.database.browse_command`)."""
        from workbench.database import write_database

        return write_database({**self.tables(), "decisions": self.decisions()}, path, self.reviews.path)

    def _write_projects_jsonl(self, path: Path) -> Path:
        cites = self.citations.groupby("project_id")
        inds = self.indicators.groupby("project_id")

        def rows() -> Iterator[dict[str, Any]]:
            for p in self.projects.to_dict("records"):
                pid = p["project_id"]
                p = {k: (None if isinstance(v, float) and v != v else v) for k, v in p.items()}
                p["citations"] = _records(cites.get_group(pid)) if pid in cites.groups else []
                p["indicators"] = _records(inds.get_group(pid)) if pid in inds.groups else []
                yield p

        return write_jsonl(path, rows())


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    cols = [c for c in df.columns if c not in ("project_id", "project", "department")]
    return json.loads(df[cols].to_json(orient="records", force_ascii=False))
