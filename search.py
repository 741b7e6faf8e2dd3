#!/usr/bin/env python
"""Ask a built index questions from the command line.

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
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from graph.build import DEFAULT_OUT
from graph.errors import BudgetGraphError
from graph.lint import RULES, SEVERITIES, Finding, lint_index, to_frame
from graph.queries import cited_by, documents_of, funded_by, issuers_of, shared_documents
from graph.store import Index, load_index

Command = Callable[[argparse.Namespace, Index], pd.DataFrame]


def _print(df: pd.DataFrame, as_json: bool) -> None:
    if as_json:
        rows = json.loads(df.to_json(orient="records", force_ascii=False))
        for r in rows:
            if isinstance(r.get("values"), str):
                r["values"] = json.loads(r["values"])
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if df.empty:
        print("(no rows)")
        return
    with pd.option_context(
        "display.unicode.east_asian_width",
        True,
        "display.width",
        200,
        "display.max_colwidth",
        48,
        "display.max_rows",
        500,
    ):
        text_cols = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
        print(df.fillna(dict.fromkeys(text_cols, "")).to_string(index=False))


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", type=Path, default=DEFAULT_OUT, help=f"index directory (default: {DEFAULT_OUT})")
    common.add_argument("--json", action="store_true", help="print a JSON list of objects instead of a table")
    p = argparse.ArgumentParser(prog="search.py", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    c = sub.add_parser(
        "cited-by", parents=[common], help="projects that cite a document (number in any bracket style, or title)"
    )
    c.add_argument("document")
    c.set_defaults(run=lambda a, idx: cited_by(idx.graph, a.document))

    c = sub.add_parser("documents", parents=[common], help="documents a project cites, with issuer and level")
    c.add_argument("project", help="project id, name, or a unique part of the name")
    c.set_defaults(run=lambda a, idx: documents_of(idx.graph, a.project))

    c = sub.add_parser("funded-by", parents=[common], help="projects a department manages, largest budget first")
    c.add_argument("department", help="department name or a unique part of it")
    c.set_defaults(run=lambda a, idx: funded_by(idx.graph, a.department))

    c = sub.add_parser("shared-docs", parents=[common], help="documents cited by several projects")
    c.add_argument("--min", type=int, default=2, help="least number of citing projects (default: 2)")
    c.set_defaults(run=lambda a, idx: shared_documents(idx.graph, a.min))

    c = sub.add_parser("issuers", parents=[common], help="issuing authorities the projects rest on, with level")
    c.add_argument("--project", action="append", help="limit to these projects (repeatable)")
    c.set_defaults(run=lambda a, idx: issuers_of(idx.graph, a.project))

    c = sub.add_parser("lint", parents=[common], help="quality findings on indicators, budgets, texts and citations")
    c.add_argument("--summary", action="store_true", help="one row per rule: findings, projects, description")
    c.add_argument("--rules", action="store_true", help="list the rules and exit")
    c.add_argument("--rule", action="append", choices=sorted(RULES), metavar="RULE", help="only this rule (repeatable)")
    c.add_argument("--severity", choices=SEVERITIES, default="info", help="least severity shown (default: info)")
    c.add_argument("--project", help="only projects whose name or id contains this")
    c.add_argument(
        "--csv", type=Path, metavar="FILE", help="also write the findings to FILE as CSV ('-' for stdout only)"
    )
    c.add_argument("--fail-on", choices=SEVERITIES, help="exit 2 when a finding of this severity or worse is shown")
    c.set_defaults(run=run_lint)
    return p


def filter_findings(findings: list[Finding], args: argparse.Namespace) -> list[Finding]:
    least = SEVERITIES.index(args.severity)
    return [
        f
        for f in findings
        if SEVERITIES.index(f.severity) <= least
        and (not args.rule or f.rule in args.rule)
        and (not args.project or args.project in f.project or args.project in f.project_id)
    ]


def summarise(findings: list[Finding], args: argparse.Namespace) -> pd.DataFrame:
    """One row per rule the filters let through, found or not."""
    least = SEVERITIES.index(args.severity)
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
    return pd.DataFrame(rows)


def run_lint(args: argparse.Namespace, index: Index) -> pd.DataFrame:
    if args.rules:
        return pd.DataFrame([{"rule": r, "severity": s, "description": d} for r, (s, d) in RULES.items()])
    findings = filter_findings(lint_index(index.path), args)
    args.failed = bool(args.fail_on) and any(
        SEVERITIES.index(f.severity) <= SEVERITIES.index(args.fail_on) for f in findings
    )
    frame = to_frame(findings)
    if args.csv:
        if str(args.csv) == "-":
            frame.to_csv(sys.stdout, index=False)
            args.printed = True
        else:
            frame.to_csv(args.csv, index=False)
            print(f"wrote {len(frame)} findings to {args.csv}", file=sys.stderr)
    if args.summary:
        return summarise(findings, args)
    if not args.json:
        frame = frame.assign(where=frame["file"] + ":" + frame["line"].astype(str))
        frame = frame[["rule", "severity", "project", "message", "where"]]
    return frame


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        index = load_index(args.index)
        df = args.run(args, index)
    except BudgetGraphError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not getattr(args, "printed", False):
        _print(df, args.json)
    return 2 if getattr(args, "failed", False) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # output piped into `head`: stop quietly
        sys.stderr.close()
        sys.exit(0)
