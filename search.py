#!/usr/bin/env python
"""Search a built index and ask it questions from the command line.

    python search.py query "森林防火" --top 5            # Chinese or English, keyword or paraphrase
    python search.py similar 照明设施电费                # projects like a given one (no model loaded)
    python search.py duplicates --top 20                # the same activity funded twice, with evidence
    python search.py graph 保交楼经费 --html view.html   # an interactive picture of a neighbourhood
    python search.py export --out exports/               # Gephi files, CSV/Excel tables, JSON Lines
    python search.py cited-by "渝规资〔2020〕678号"     # projects resting on a document
    python search.py documents 保交楼经费               # what a project cites, and who issued it
    python search.py funded-by 民政局                   # projects a department manages
    python search.py shared-docs --min 3                # documents several projects share
    python search.py shared-docs --across regions       # documents several districts rest on
    python search.py lineage --from 2024 --to 2025      # the same projects a year later
    python search.py issuers                            # authorities the projects rest on
    python search.py lint --summary                     # weak or inconsistent tables, per rule

Every command prints a table, or JSON with ``--json`` (a list of objects); commands that print
rows also write them as CSV with ``--csv FILE`` (``-`` for standard output).  Build the index
first with ``python build_index.py``.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Any

from graph import console
from graph.console import whole_number
from graph.constants import (
    DUP_CLUSTER_THRESHOLD,
    DUP_NEIGHBOURS,
    LINEAGE_SORTS,
    MIN_PAIR_SCORE,
    MIN_SHARED_PROJECTS,
    OVERVIEW_ABOVE,
    REGION_SCOPES,
    SEARCH_MODES,
    SHARED_ACROSS,
    TOP_HITS,
    TOP_PAIRS,
    VIEW_DEPTH,
)
from graph.defaults import DEFAULT_OUT
from graph.errors import UsageError
from graph.i18n import LANGS, finding_text, language, message, text
from graph.ids import short_key
from graph.progress import set_quiet
from graph.text import check_text_arguments
from graph.vocabulary import DECISIONS, LEAST_SEVERITY, SEVERITIES  # light: no pandas for --help
from workbench.output import Rows, emit, records

# --- search ------------------------------------------------------------------------------


def _filters(args: argparse.Namespace) -> Any:
    from index.searcher import Filters

    return Filters(args.region, args.year, args.department, args.unit, args.min_amount, args.max_amount, args.cites)


def _hit_rows(hits: list[Any]) -> Rows:
    full = [h.to_json() for h in hits]
    table = [
        {
            "#": h.rank,
            "project": h.project,
            "department": h.department,
            "amount": h.amount,
            "score": f"{h.score:.3f}",
            "dense": f"{h.dense:.3f}",
            "lexical": f"{h.lexical:.3f}",
            "why": f"{h.field}: {h.snippet[:36]}" + (f"  [{' '.join(h.matched_terms[:6])}]" if h.matched_terms else ""),
        }
        for h in hits
    ]
    return Rows(full, table)


def run_query(args: argparse.Namespace) -> Rows:
    from index.searcher import Searcher

    return _hit_rows(Searcher.load(args.index, model=args.model).query(args.text, args.top, _filters(args), args.mode))


def run_similar(args: argparse.Namespace) -> Rows:
    from index.searcher import Searcher

    return _hit_rows(Searcher.load(args.index).similar(args.project, args.top, _filters(args), args.scope))


def run_duplicates(args: argparse.Namespace) -> Rows:
    from analysis.duplicates import to_frame, write_excel
    from graph.read.places import places
    from workbench.corpus import open_corpus

    corpus = open_corpus(args.index)
    from index.build import Engine

    options = dict(
        k=args.neighbours, min_score=args.min_score, threshold=args.threshold,
        cross_department=args.cross_department, department=args.department, region=args.region, year=args.year,
        scope=args.scope, engine=Engine(args.engine, args.ray_address, args.workers),
    )  # fmt: skip
    found = corpus.duplicate_table(**options)
    rows = corpus.undismissed(found) if args.hide_dismissed else list(range(len(found)))

    def every_pair() -> list[Any]:  # every candidate at or above --min-score, not only the top: made when written
        return found.pairs(corpus.dup_corpus, rows)

    if args.excel:
        pairs = every_pair()
        write_excel(pairs, args.excel)
        print(f"wrote {len(pairs)} candidate pairs to {args.excel}", file=sys.stderr)
    shown = found.pairs(corpus.dup_corpus, rows[: args.top])
    decided = {p.review_key: d for p, d in corpus.decided(shown)}
    show_decisions = any(decided[p.review_key] for p in shown)
    table = [_pair_row(r, p, decided[p.review_key], show_decisions) for r, p in enumerate(shown, 1)]
    if any(p.region_a != p.region_b for p in shown):  # which district is which, when pairs span two
        for row, p in zip(table, shown, strict=True):
            row["regions"] = places().apart(p.region_a, p.region_b)
    full = [{**p.to_json(), "decision": decided[p.review_key], "key": short_key(p.review_key)} for p in shown]
    # JSON: the records as they are; CSV: every candidate with every signal, one row each.
    return Rows(full, table, csv=lambda: records(corpus.with_decisions(to_frame(every_pair()))))


def _pair_row(rank: int, p: Any, decision: str, show_decision: bool) -> dict[str, Any]:
    if p.shared_sentences:
        evidence = f"“{p.shared_sentences[0].a[:30]}”"
    elif p.shared_documents:
        evidence = "cite " + "、".join(p.shared_documents[:2])
    else:
        evidence = "、".join(p.shared_indicators[:3])
    row = {
        "#": rank,
        "key": short_key(p.review_key),
        "cluster": "" if p.cluster is None else str(p.cluster),
        "score": f"{p.score:.3f}",
        "label": p.label,
        "project_a": p.project_a,
        "project_b": p.project_b,
        "sem": f"{p.parts['semantic']:.2f}",
        "sent": f"{p.parts['sentences']:.2f}",
        "docs": f"{p.parts['documents']:.2f}",
        "ind": f"{p.parts['indicators']:.2f}",
        "dept": "same" if p.same_department else "different",
        "evidence": evidence,
    }
    if show_decision:
        row["decision"] = decision
    return row


def run_lineage(args: argparse.Namespace) -> Rows:
    from analysis.lineage import arrange, totals
    from workbench.corpus import open_corpus

    links = open_corpus(args.index).lineage_links(getattr(args, "from"), args.to, args.department, args.region)
    links = arrange(links, args.changed, args.sort)
    table = [
        {
            "status": x.status,
            "from_name": x.from_name or "",
            "to_name": x.to_name or "",
            "department": x.department,
            "from": x.amount_from,
            "to": x.amount_to,
            "change": x.amount_delta,
            "%": "" if x.amount_pct is None else f"{x.amount_pct:+.1f}",
            "changes": "; ".join(
                part for part in (
                    f"+{len(x.indicators_added)} indicators" if x.indicators_added else "",
                    f"-{len(x.indicators_dropped)} indicators" if x.indicators_dropped else "",
                    f"{len(x.targets_changed)} targets changed" if x.targets_changed else "",
                    "goals copied" if x.goals_copied else "",
                ) if part
            ),
        }
        for x in links
    ]  # fmt: skip
    return Rows([x.to_json() for x in links], table, footer=totals(links, language(args.lang)))


def run_review(args: argparse.Namespace) -> Rows:
    from workbench.corpus import open_corpus

    corpus = open_corpus(args.index)
    if args.import_:
        report = corpus.import_decisions(args.import_, args.who or "")
        rows = [{"item": r.key, "decision": r.decision, "note": r.note, "where": r.where} for r in report.changed]
        return Rows(rows, message=report.summary(), status=1 if report.refused else 0)
    if not args.items:
        return Rows(records(corpus.decisions()), columns=["item", "decision", "note", "who", "at"])
    if len(args.items) > 2:
        raise UsageError("review one key (L-… or P-…, from `lint` or `duplicates`) or two projects (a pair)")
    if args.decision is None:
        raise UsageError("say the decision: --decision confirmed, dismissed, explained or open")
    other = args.items[1] if len(args.items) == 2 else None
    d = corpus.review(args.items[0], args.decision, args.note or "", args.who or "", other)
    return Rows([d.__dict__], message=f"{d.decision}: {d.item} ({d.who or 'anonymous'}, {d.at})")


def run_view(args: argparse.Namespace) -> Rows:
    from workbench.corpus import open_corpus

    if args.project is not None and (args.region is not None or args.year is not None):
        raise UsageError("--region and --year narrow the whole citation graph; a project's neighbourhood is its own")
    whole = None if args.whole else OVERVIEW_ABOVE
    out = open_corpus(args.index).html(args.html, args.project, args.depth, args.region, args.year, whole)
    kib = out.stat().st_size // 1024
    return Rows([{"file": str(out), "kib": kib}], message=f"wrote {out} ({kib} KiB); open it in a browser, offline")


def run_export(args: argparse.Namespace) -> Rows:
    from workbench.corpus import open_corpus

    written = open_corpus(args.index).export(
        args.out, excel=not args.no_excel, bom=not args.no_bom, chinese=args.chinese
    )
    return Rows([{"file": str(p)} for p in written], message="\n".join(map(str, written)))


def run_database(args: argparse.Namespace) -> Rows:
    from workbench.corpus import open_corpus
    from workbench.database import browse_command, metadata_path

    corpus = open_corpus(args.index)
    out = corpus.database(args.out)
    meta = metadata_path(out)
    said = f"wrote {out} and {meta.name}; browse it with: {browse_command(out, corpus.reviews.path)}"
    return Rows([{"file": str(out), "metadata": str(meta), "reviews": str(corpus.reviews.path)}], message=said)


def run_verify(args: argparse.Namespace) -> Rows:
    from index.store import verify_index

    rows = verify_index(args.index)
    said = ", ".join(f"{r['part']}: {r['files']} file{'s' * (r['files'] != 1)}, {r['mib']} MiB" for r in rows)
    return Rows(rows, message=f"{args.index}: every file matches its manifest ({said})")


# --- graph questions ----------------------------------------------------------------------


def run_graph(args: argparse.Namespace) -> Rows:
    from graph import queries
    from graph.store import load_index

    index = load_index(args.index)
    if args.command == "cited-by":
        df = queries.cited_by_in(index, args.document, args.region, args.year)
    elif args.command == "funded-by":
        df = queries.funded_by_in(index, args.department, args.region, args.year)
    elif args.command == "documents":
        df = queries.documents_of(index.graph, args.project)
    elif args.command == "shared-docs":
        df = queries.shared_documents(index.graph, args.min, args.across, args.region, args.year)
    else:
        df = queries.issuers_of(index.graph, args.project)
    full = records(df)
    ids = [c for c in df.columns if c.endswith("_id") and c.removesuffix("_id") in df.columns]  # names show them
    table = [{k: v for k, v in r.items() if k not in ids} for r in full]
    return Rows(full, table, columns=list(df.columns), footer=queries.projects_total(df, language(args.lang)))


def run_lint(args: argparse.Namespace) -> Rows:
    from analysis.lint import RULES, to_frame
    from workbench.corpus import open_corpus

    lang = language(args.lang)
    if args.rules:
        return Rows([{"rule": r, "severity": s, "description": text(f"rule.{r}", lang)} for r, (s, _) in RULES.items()])
    corpus = open_corpus(args.index)
    filters = {"rules": args.rule or (), "severity": args.severity, "project": args.project, "region": args.region}
    view = corpus.lint_view(args.hide_dismissed, **filters, year=args.year)
    status = view.status(args.fail_on)  # dismissed findings, when hidden, do not fail

    def full_rows(top: int | None = None) -> list[dict[str, Any]]:
        return records(corpus.with_decisions(to_frame(view.findings(top))))

    if args.summary:
        rows = [{**r, "description": text(f"rule.{r['rule']}", lang)} for r in view.summary()]
        return Rows(rows, csv=full_rows, status=status)
    full = full_rows(args.top)
    total = view.total() if args.top is not None else len(full)
    columns = ["key", "rule", "severity", "project", "message", "where"]
    decided = any(r["decision"] for r in full)
    table = [
        {"key": r["key"], "rule": r["rule"], "severity": r["severity"], "project": r["project"],
         "message": finding_text(r["rule"], r["values"], r["message"], lang), "where": f"{r['file']}:{r['line']}",
         **({"decision": r["decision"]} if decided else {})}
        for r in full
    ]  # fmt: skip
    footer = message("findings-shown", lang, shown=len(full), total=total) if len(full) < total else None
    return Rows(full, table, columns=[*columns, "decision"] if decided else columns, status=status, footer=footer)


# --- arguments ----------------------------------------------------------------------------


def _amount(text: str) -> float:
    """An amount of 万元 ≥ 0."""
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of 万元") from None
    if not x >= 0:
        raise argparse.ArgumentTypeError(f"{text} is below 0")
    return x


def _share(text: str) -> float:
    """A score between 0 and 1."""
    x = _amount(text)
    if x > 1:
        raise argparse.ArgumentTypeError(f"{text} is above 1")
    return x


def _place() -> argparse.ArgumentParser:
    """``--region`` and ``--year``, shared by every command that lists projects."""
    place = argparse.ArgumentParser(add_help=False)
    place.add_argument("--region", help="only projects whose region contains this (重庆市北碚区, 北碚, 四川省)")
    place.add_argument("--year", type=int, help="only projects of this budget year")
    return place


def _scope(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--scope", choices=REGION_SCOPES, help="only projects of the same region (within) or of other regions"
    )


def _options() -> tuple[argparse.ArgumentParser, argparse.ArgumentParser, argparse.ArgumentParser]:
    """Options shared by commands: the index and output formats; rows as CSV; search filters."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", type=Path, default=DEFAULT_OUT, help=f"index directory (default: {DEFAULT_OUT})")
    common.add_argument("--json", action="store_true", help="print a JSON list of objects instead of a table")
    common.add_argument("--quiet", action="store_true", help="no progress lines on a terminal (stdout is the same)")
    common.add_argument(
        "--lang", choices=LANGS, help="headers and words of tables in Chinese or English (default: from LANG, else en)"
    )
    rows = argparse.ArgumentParser(add_help=False)
    rows.add_argument("--csv", metavar="FILE", help="also write the rows to FILE as CSV ('-': CSV to stdout only)")
    rows.add_argument("--no-bom", action="store_true", help="CSV without the UTF-8 BOM that Excel needs")
    rows.add_argument("--columns", metavar="A,B", help="only these columns of the table (names as its header shows)")
    filters = argparse.ArgumentParser(add_help=False, parents=[_place()])
    filters.add_argument("--top", type=whole_number, default=TOP_HITS, help="how many results (default: %(default)s)")
    filters.add_argument("--department", help="only projects whose 业务主管部门 contains this")
    filters.add_argument("--unit", help="only projects whose 编制单位 contains this (or has this code)")
    filters.add_argument("--min-amount", type=_amount, help="only projects with 当年预算金额 ≥ this (万元)")
    filters.add_argument("--max-amount", type=_amount, help="only projects with 当年预算金额 ≤ this (万元)")
    filters.add_argument("--cites", metavar="DOCUMENT", help="only projects citing this document (number or title)")
    return common, rows, filters


def _search_commands(sub: Any, common: Any, rows: Any, filters: Any) -> None:
    c = sub.add_parser(
        "query", parents=[common, rows, filters], help="projects matching a question, in Chinese or English"
    )
    c.add_argument("text")
    c.add_argument("--mode", choices=SEARCH_MODES, default=SEARCH_MODES[0], help="ranking (default: %(default)s)")
    c.add_argument("--model", help="refuse unless the index was built with this model")
    c.set_defaults(run=run_query)

    c = sub.add_parser("similar", parents=[common, rows, filters], help="projects most like a given one (id or name)")
    c.add_argument("project")
    _scope(c)
    c.set_defaults(run=run_similar)

    c = sub.add_parser(
        "duplicates",
        parents=[common, rows, _place(), console.engine_options("score the candidate pairs")],
        help="pairs (of one year) that may fund the same activity twice, with evidence",
    )
    _scope(c)
    c.add_argument("--top", type=whole_number, default=TOP_PAIRS, help="how many pairs to show (default: %(default)s)")
    c.add_argument("--min-score", type=_share, default=MIN_PAIR_SCORE, help="only pairs scoring at least this (0..1)")
    c.add_argument("--cross-department", action="store_true", help="only pairs of projects of different departments")
    c.add_argument("--department", help="only pairs where one project's department contains this")
    c.add_argument(
        "--threshold",
        type=_share,
        default=DUP_CLUSTER_THRESHOLD,
        help="pairs at or above this form review clusters (default: %(default)s)",
    )
    c.add_argument(
        "--neighbours",
        type=whole_number,
        default=DUP_NEIGHBOURS,
        help="faiss neighbours per project taken as candidates (default: %(default)s)",
    )
    c.add_argument("--excel", type=Path, metavar="FILE", help="every candidate pair as a workbook (.xlsx)")
    c.add_argument("--hide-dismissed", action="store_true", help="leave out pairs a reviewer dismissed")
    c.set_defaults(run=run_duplicates)


def _graph_commands(sub: Any, common: Any, rows: Any) -> None:
    c = sub.add_parser(
        "graph",
        parents=[common, _place()],
        help="an interactive HTML view of a project's neighbourhood or the citation graph (of a region, a year)",
    )
    c.add_argument("project", nargs="?", help="project id or name (default: the whole citation graph)")
    c.add_argument("--html", type=Path, required=True, metavar="FILE", help="the page to write (opens offline)")
    c.add_argument(
        "--depth",
        type=whole_number,
        default=VIEW_DEPTH,
        help="links around the project to show (default: %(default)s)",
    )
    c.add_argument(
        "--whole",
        action="store_true",
        help=f"draw every node even beyond {OVERVIEW_ABOVE} projects (drawn as departments that open on a click)",
    )
    c.set_defaults(run=run_view)

    c = sub.add_parser("export", parents=[common], help="GraphML/GEXF, CSV and Excel tables, JSON Lines of projects")
    c.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to write into")
    c.add_argument("--no-excel", action="store_true", help="skip the Excel workbook")
    c.add_argument("--no-bom", action="store_true", help="CSV without the UTF-8 BOM that Excel needs")
    c.add_argument("--chinese", action="store_true", help="Chinese column headers (项目名称, 主管部门 …)")
    c.set_defaults(run=run_export)

    c = sub.add_parser("database", parents=[common], help="the whole index as one SQLite database, for Datasette")
    c.add_argument("--out", type=Path, required=True, metavar="FILE", help="the database to write (e.g. corpus.db)")
    c.set_defaults(run=run_database)

    c = sub.add_parser("verify", parents=[common], help="hash every file of the index against its manifests")
    c.set_defaults(run=run_verify)

    for name, arg, helps in (
        ("cited-by", "document", "projects that cite a document (number in any bracket style, or title)"),
        ("documents", "project", "documents a project cites, with issuer and level"),
        ("funded-by", "department", "projects a department manages, largest budget first"),
    ):
        c = sub.add_parser(name, parents=[common, rows] + ([_place()] if name != "documents" else []), help=helps)
        c.add_argument(arg, help=f"{arg} id, name, or a unique part of the name")
        c.set_defaults(run=run_graph)

    c = sub.add_parser("shared-docs", parents=[common, rows, _place()], help="documents cited by several projects")
    c.add_argument(
        "--min",
        type=whole_number,
        default=MIN_SHARED_PROJECTS,
        help="least number of citing projects (or regions, years; default: %(default)s)",
    )
    c.add_argument(
        "--across", choices=SHARED_ACROSS, help="count the regions (or years) citing a document, not projects"
    )
    c.set_defaults(run=run_graph)

    c = sub.add_parser("issuers", parents=[common, rows], help="issuing authorities the projects rest on, with level")
    c.add_argument("--project", action="append", help="limit to these projects (repeatable)")
    c.set_defaults(run=run_graph)


def _lint_command(sub: Any, common: Any, rows: Any) -> None:
    c = sub.add_parser(
        "lint", parents=[common, rows, _place()], help="quality findings on indicators, budgets, texts and citations"
    )
    c.add_argument("--summary", action="store_true", help="one row per rule: findings, projects, description")
    c.add_argument("--top", type=whole_number, help="the first N findings only (default: all)")
    c.add_argument("--rules", action="store_true", help="list the rules and exit")
    c.add_argument("--rule", action="append", metavar="RULE", help="only this rule (repeatable; see --rules)")
    c.add_argument(
        "--severity", choices=SEVERITIES, default=LEAST_SEVERITY, help="least severity shown (default: %(default)s)"
    )
    c.add_argument("--project", help="only projects whose name or id contains this")
    c.add_argument("--fail-on", choices=SEVERITIES, help="exit 2 when a finding of this severity or worse is shown")
    c.add_argument("--hide-dismissed", action="store_true", help="leave out findings a reviewer dismissed")
    c.set_defaults(run=run_lint)

    c = sub.add_parser(
        "lineage", parents=[common, rows], help="each project of one year with its counterpart in the next"
    )
    c.add_argument("--from", type=int, metavar="YEAR", help="the earlier year (default: the last but one)")
    c.add_argument("--to", type=int, metavar="YEAR", help="the later year (default: the last)")
    c.add_argument("--department", help="only projects whose 业务主管部门 contains this")
    c.add_argument("--region", help="only projects whose region contains this (each region is matched on its own)")
    c.add_argument("--changed", action="store_true", help="only projects where something moved (budget, indicators)")
    c.add_argument("--sort", choices=LINEAGE_SORTS, default=LINEAGE_SORTS[0], help="order (default: %(default)s)")
    c.set_defaults(run=run_lineage)

    c = sub.add_parser(
        "review", parents=[common, rows], help="record a decision on a lint finding or a duplicate pair; list them"
    )
    c.add_argument(
        "items",
        nargs="*",
        help="a key (L-… or P-…, as listings show it), a review_key, or two projects (a pair); "
        "none: list the decisions",
    )
    c.add_argument(
        "--import", dest="import_", type=Path, metavar="XLSX",
        help="record the decisions written in the review workbook (export's tables.xlsx), and report them",
    )  # fmt: skip
    c.add_argument("--decision", choices=DECISIONS, help="what you decided")
    c.add_argument("--note", help="why, or what explains it")
    c.add_argument("--who", help="who decided (kept with the decision)")
    c.set_defaults(run=run_review)


def parser() -> argparse.ArgumentParser:
    common, rows, filters = _options()
    p = argparse.ArgumentParser(prog="search.py", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _search_commands(sub, common, rows, filters)
    _graph_commands(sub, common, rows)
    _lint_command(sub, common, rows)
    return p


def _notice(lang: str) -> Any:
    """How the library's notices print: one line each (a query cut to length, pinyin read), in ``lang``."""

    def show(said: Warning | str, *_: Any, **__: Any) -> None:
        line = said.said(lang) if hasattr(said, "said") else str(said)
        print(f"{text('message.notice', lang)}: {line}", file=sys.stderr)

    return show


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    said_in = language(getattr(args, "lang", None))
    warnings.showwarning = _notice(said_in)
    set_quiet(args.quiet)

    def work() -> int:
        check_text_arguments(args, paths=("csv",))
        result: Rows = args.run(args)
        lang = language(args.lang)
        columns = [c.strip() for c in (getattr(args, "columns", None) or "").split(",") if c.strip()]
        emit(result, args.json, getattr(args, "csv", None), not getattr(args, "no_bom", False), lang, columns)
        return result.status

    return console.guarded(work, said_in)


def run() -> None:
    """Entry point (``budget-search``): see :func:`graph.console.run`."""
    console.run(main)


if __name__ == "__main__":
    run()
