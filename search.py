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
    python search.py issuers                            # authorities the projects rest on
    python search.py lint --summary                     # weak or inconsistent tables, per rule

Every command prints a table, or JSON with ``--json`` (a list of objects).  Build the index
first with ``python build_index.py``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from analysis.lint import SEVERITIES  # light: pandas is imported only when findings become a frame
from graph.defaults import DEFAULT_OUT
from graph.errors import BudgetGraphError

# --- output ------------------------------------------------------------------------------


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list | tuple):
        return "、".join(map(str, value))
    return str(value).replace("\n", " ")


def print_rows(rows: Sequence[dict[str, Any]], as_json: bool, columns: Sequence[str] | None = None) -> None:
    """A JSON list of objects, or an aligned table (CJK characters count two columns)."""
    if as_json:
        print(json.dumps(list(rows), ensure_ascii=False, indent=2))
        return
    if not rows:
        print("(no rows)")
        return
    cols = list(columns or rows[0].keys())
    cells = [[_cell(r.get(c)) for c in cols] for r in rows]
    widths = [max(_width(c), *(_width(row[j]) for row in cells)) for j, c in enumerate(cols)]
    numeric = [all(_NUMBER.fullmatch(row[j]) or not row[j] for row in cells) for j in range(len(cols))]

    def line(values: Sequence[str]) -> str:
        out = []
        for v, w, num in zip(values, widths, numeric, strict=True):
            pad = " " * (w - _width(v))
            out.append(pad + v if num else v + pad)
        return "  ".join(out).rstrip()

    print(line(cols))
    for row in cells:
        print(line(row))


def _records(df: Any) -> list[dict[str, Any]]:
    """DataFrame rows as plain dicts (NaN as None, JSON text in 'values' decoded)."""
    rows = json.loads(df.to_json(orient="records", force_ascii=False))
    for r in rows:
        if isinstance(r.get("values"), str):
            r["values"] = json.loads(r["values"])
    return rows


# --- search ------------------------------------------------------------------------------


def _filters(args: argparse.Namespace):
    from index.searcher import Filters

    return Filters(args.department, args.unit, args.min_amount, args.max_amount, args.cites)


def _hits(hits: list[Any], as_json: bool) -> None:
    if as_json:
        print_rows([h.to_json() for h in hits], True)
        return
    rows = [
        {
            "#": h.rank,
            "project": h.name,
            "department": h.department,
            "amount": h.amount,
            "score": f"{h.score:.3f}",
            "dense": f"{h.dense:.3f}",
            "lexical": f"{h.lexical:.3f}",
            "why": f"{h.field}: {h.snippet[:36]}" + (f"  [{' '.join(h.matched_terms[:6])}]" if h.matched_terms else ""),
        }
        for h in hits
    ]
    print_rows(rows, False)


def run_query(args: argparse.Namespace) -> int:
    from index.searcher import Searcher

    searcher = Searcher.load(args.index, model=args.model)
    _hits(searcher.query(args.text, args.top, _filters(args), args.mode), args.json)
    return 0


def run_similar(args: argparse.Namespace) -> int:
    from index.searcher import Searcher

    searcher = Searcher.load(args.index)
    _hits(searcher.similar(args.project, args.top, _filters(args)), args.json)
    return 0


def run_duplicates(args: argparse.Namespace) -> int:
    from analysis.duplicates import to_frame
    from index.searcher import Searcher

    pairs = Searcher.load(args.index).duplicates(
        args.neighbours, args.min_score, args.threshold, args.cross_department, args.department
    )
    shown = pairs[: args.top]
    if args.csv or args.excel:
        frame = to_frame(pairs)  # every candidate at or above --min-score, not only the top
        if args.csv:
            frame.to_csv(args.csv, index=False)
        if args.excel:
            frame.to_excel(args.excel, index=False, sheet_name="candidates")
        print(
            f"wrote {len(frame)} candidate pairs to {', '.join(str(p) for p in (args.csv, args.excel) if p)}",
            file=sys.stderr,
        )
    if args.json:
        print_rows([p.to_json() for p in shown], True)
        return 0
    rows = []
    for r, p in enumerate(shown, 1):
        if p.shared_sentences:
            evidence = f"“{p.shared_sentences[0].a[:30]}”"
        elif p.shared_documents:
            evidence = "cite " + "、".join(p.shared_documents[:2])
        else:
            evidence = "、".join(p.shared_indicators[:3])
        rows.append(
            {
                "#": r,
                "cluster": "" if p.cluster is None else str(p.cluster),
                "score": f"{p.score:.3f}",
                "label": p.label,
                "a": p.a,
                "b": p.b,
                "sem": f"{p.parts['semantic']:.2f}",
                "sent": f"{p.parts['sentences']:.2f}",
                "docs": f"{p.parts['documents']:.2f}",
                "ind": f"{p.parts['indicators']:.2f}",
                "dept": "same" if p.same_department else "different",
                "evidence": evidence,
            }
        )
    print_rows(rows, False)
    return 0


def run_view(args: argparse.Namespace) -> int:
    from workbench.corpus import open_corpus

    out = open_corpus(args.index).html(args.html, args.project, args.depth)
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB); open it in a browser, no network needed")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from workbench.corpus import open_corpus

    for path in open_corpus(args.index).export(args.out, excel=not args.no_excel):
        print(path)
    return 0


# --- graph questions ----------------------------------------------------------------------


def run_graph(args: argparse.Namespace) -> int:
    from graph import queries
    from graph.store import load_index

    G = load_index(args.index).graph
    if args.command == "cited-by":
        df = queries.cited_by(G, args.document)
    elif args.command == "documents":
        df = queries.documents_of(G, args.project)
    elif args.command == "funded-by":
        df = queries.funded_by(G, args.department)
    elif args.command == "shared-docs":
        df = queries.shared_documents(G, args.min)
    else:
        df = queries.issuers_of(G, args.project)
    print_rows(_records(df), args.json, list(df.columns))
    return 0


def run_lint(args: argparse.Namespace) -> int:
    from analysis.lint import RULES, lint_index, to_frame

    if args.rules:
        print_rows([{"rule": r, "severity": s, "description": d} for r, (s, d) in RULES.items()], args.json)
        return 0
    least = SEVERITIES.index(args.severity)
    findings = [
        f
        for f in lint_index(args.index)
        if SEVERITIES.index(f.severity) <= least
        and (not args.rule or f.rule in args.rule)
        and (not args.project or args.project in f.project or args.project in f.project_id)
    ]
    frame = to_frame(findings)
    failed = bool(args.fail_on) and any(
        SEVERITIES.index(f.severity) <= SEVERITIES.index(args.fail_on) for f in findings
    )
    if args.csv and str(args.csv) == "-":
        frame.to_csv(sys.stdout, index=False)
        return 2 if failed else 0
    if args.csv:
        frame.to_csv(args.csv, index=False)
        print(f"wrote {len(frame)} findings to {args.csv}", file=sys.stderr)
    if args.summary:
        rows = [
            {
                "rule": rule,
                "severity": sev,
                "findings": sum(1 for f in findings if f.rule == rule),
                "projects": len({f.project_id for f in findings if f.rule == rule and f.project_id}),
                "description": desc,
            }
            for rule, (sev, desc) in RULES.items()
            if SEVERITIES.index(sev) <= least and (not args.rule or rule in args.rule)
        ]
        print_rows(rows, args.json)
    elif args.json:
        print_rows(_records(frame), True)
    else:
        rows = [
            {"rule": f.rule, "severity": f.severity, "project": f.project, "message": f.message, "where": f.where}
            for f in findings
        ]
        print_rows(rows, False, ["rule", "severity", "project", "message", "where"])
    return 2 if failed else 0


# --- arguments ----------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    from analysis.lint import RULES

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", type=Path, default=DEFAULT_OUT, help=f"index directory (default: {DEFAULT_OUT})")
    common.add_argument("--json", action="store_true", help="print a JSON list of objects instead of a table")
    filters = argparse.ArgumentParser(add_help=False)
    filters.add_argument("--top", type=int, default=10, help="how many results (default: 10)")
    filters.add_argument("--department", help="only projects whose 业务主管部门 contains this")
    filters.add_argument("--unit", help="only projects whose 编制单位 contains this (or has this code)")
    filters.add_argument("--min-amount", type=float, help="only projects with 当年预算金额 ≥ this (万元)")
    filters.add_argument("--max-amount", type=float, help="only projects with 当年预算金额 ≤ this (万元)")
    filters.add_argument("--cites", metavar="DOCUMENT", help="only projects citing this document (number or title)")

    p = argparse.ArgumentParser(prog="search.py", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    c = sub.add_parser("query", parents=[common, filters], help="projects matching a question, in Chinese or English")
    c.add_argument("text")
    c.add_argument("--mode", choices=("fused", "dense", "lexical"), default="fused", help="ranking (default: fused)")
    c.add_argument("--model", help="refuse unless the index was built with this model")
    c.set_defaults(run=run_query)

    c = sub.add_parser("similar", parents=[common, filters], help="projects most like a given one (id or name)")
    c.add_argument("project")
    c.set_defaults(run=run_similar)

    c = sub.add_parser(
        "duplicates", parents=[common], help="pairs that may fund the same activity twice, with evidence"
    )
    c.add_argument("--top", type=int, default=20, help="how many pairs to show (default: 20)")
    c.add_argument("--min-score", type=float, default=0.0, help="only pairs scoring at least this (0..1)")
    c.add_argument("--cross-department", action="store_true", help="only pairs of projects of different departments")
    c.add_argument("--department", help="only pairs where one project's department contains this")
    c.add_argument(
        "--threshold", type=float, default=0.5, help="pairs at or above this form review clusters (default: 0.5)"
    )
    c.add_argument(
        "--neighbours", type=int, default=10, help="faiss neighbours per project taken as candidates (default: 10)"
    )
    c.add_argument(
        "--csv", type=Path, metavar="FILE", help="write every candidate pair, with all signals, to FILE (CSV)"
    )
    c.add_argument("--excel", type=Path, metavar="FILE", help="the same as an Excel workbook (.xlsx)")
    c.set_defaults(run=run_duplicates)

    c = sub.add_parser(
        "graph", parents=[common], help="an interactive HTML view of a project's neighbourhood or the citation graph"
    )
    c.add_argument("project", nargs="?", help="project id or name (default: the whole citation graph)")
    c.add_argument("--html", type=Path, required=True, metavar="FILE", help="the page to write (opens offline)")
    c.add_argument("--depth", type=int, default=2, help="links around the project to show (default: 2)")
    c.set_defaults(run=run_view)

    c = sub.add_parser("export", parents=[common], help="GraphML/GEXF, CSV and Excel tables, JSON Lines of projects")
    c.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to write into")
    c.add_argument("--no-excel", action="store_true", help="skip the Excel workbook")
    c.set_defaults(run=run_export)

    c = sub.add_parser(
        "cited-by", parents=[common], help="projects that cite a document (number in any bracket style, or title)"
    )
    c.add_argument("document")
    c.set_defaults(run=run_graph)

    c = sub.add_parser("documents", parents=[common], help="documents a project cites, with issuer and level")
    c.add_argument("project", help="project id, name, or a unique part of the name")
    c.set_defaults(run=run_graph)

    c = sub.add_parser("funded-by", parents=[common], help="projects a department manages, largest budget first")
    c.add_argument("department", help="department name or a unique part of it")
    c.set_defaults(run=run_graph)

    c = sub.add_parser("shared-docs", parents=[common], help="documents cited by several projects")
    c.add_argument("--min", type=int, default=2, help="least number of citing projects (default: 2)")
    c.set_defaults(run=run_graph)

    c = sub.add_parser("issuers", parents=[common], help="issuing authorities the projects rest on, with level")
    c.add_argument("--project", action="append", help="limit to these projects (repeatable)")
    c.set_defaults(run=run_graph)

    c = sub.add_parser("lint", parents=[common], help="quality findings on indicators, budgets, texts and citations")
    c.add_argument("--summary", action="store_true", help="one row per rule: findings, projects, description")
    c.add_argument("--rules", action="store_true", help="list the rules and exit")
    c.add_argument("--rule", action="append", choices=sorted(RULES), metavar="RULE", help="only this rule (repeatable)")
    c.add_argument("--severity", choices=SEVERITIES, default="info", help="least severity shown (default: info)")
    c.add_argument("--project", help="only projects whose name or id contains this")
    c.add_argument(
        "--csv", type=Path, metavar="FILE", help="also write the findings to FILE as CSV ('-': CSV to stdout only)"
    )
    c.add_argument("--fail-on", choices=SEVERITIES, help="exit 2 when a finding of this severity or worse is shown")
    c.set_defaults(run=run_lint)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (BudgetGraphError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # output piped into `head`: stop quietly
        sys.stderr.close()
        sys.exit(0)
