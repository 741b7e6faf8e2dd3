#!/usr/bin/env python
"""Ask a built index questions from the command line.

    python search.py cited-by "渝规资〔2020〕678号"     # projects resting on a document
    python search.py documents 保交楼经费               # what a project cites, and who issued it
    python search.py funded-by 民政局                   # projects a department manages
    python search.py shared-docs --min 3                # documents several projects share
    python search.py issuers                            # authorities the projects rest on

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
from graph.queries import cited_by, documents_of, funded_by, issuers_of, shared_documents
from graph.store import load_index

Command = Callable[[argparse.Namespace, object], pd.DataFrame]


def _print(df: pd.DataFrame, as_json: bool) -> None:
    if as_json:
        print(json.dumps(json.loads(df.to_json(orient="records", force_ascii=False)), ensure_ascii=False, indent=2))
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
    c.set_defaults(run=lambda a, G: cited_by(G, a.document))

    c = sub.add_parser("documents", parents=[common], help="documents a project cites, with issuer and level")
    c.add_argument("project", help="project id, name, or a unique part of the name")
    c.set_defaults(run=lambda a, G: documents_of(G, a.project))

    c = sub.add_parser("funded-by", parents=[common], help="projects a department manages, largest budget first")
    c.add_argument("department", help="department name or a unique part of it")
    c.set_defaults(run=lambda a, G: funded_by(G, a.department))

    c = sub.add_parser("shared-docs", parents=[common], help="documents cited by several projects")
    c.add_argument("--min", type=int, default=2, help="least number of citing projects (default: 2)")
    c.set_defaults(run=lambda a, G: shared_documents(G, a.min))

    c = sub.add_parser("issuers", parents=[common], help="issuing authorities the projects rest on, with level")
    c.add_argument("--project", action="append", help="limit to these projects (repeatable)")
    c.set_defaults(run=lambda a, G: issuers_of(G, a.project))
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        index = load_index(args.index)
        df = args.run(args, index.graph)
    except BudgetGraphError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    _print(df, args.json)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # output piped into `head`: stop quietly
        sys.stderr.close()
        sys.exit(0)
