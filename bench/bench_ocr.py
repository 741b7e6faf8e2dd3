"""OCR of scanned copies of the sample: pages per second, peak memory, how exact the records are, the
character error rate of the free text, the cells flagged as doubtful, and search over the scan
against search over the text PDF.

What is measured: the sample's 94 tables as python-docx writes them and LibreOffice prints them (a
PDF of about 134 landscape pages), scanned by tests/scans.py (synthetic: pdftoppm, Pillow, img2pdf)
at 150 dpi, grey JPEG, the issue's target; with --all also at 200 dpi PNG turned 0.7° with speckle,
and in colour at 150 dpi with a red seal, turned -0.5°.  Each scan is read in a child process (its
peak RSS is the figure), on this machine's cores.  The baseline, in the same run: the text PDF read
by pdfplumber.  With --search (default on the first scan) both are built into indexes with the
real model and the benchmark queries (bench/queries.jsonl) compared at their top 5.

    python bench/bench_ocr.py [--all] [--no-search]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.scans import FREE_TEXT, Scan, char_errors, free_text, record, scan_pdf  # noqa: E402
from tests.variants import Variant, write_all  # noqa: E402

SCANS = [
    Scan(dpi=150),
    Scan(dpi=200, jpeg=False, angle=0.7, speckle=0.002, seed=3),
    Scan(dpi=150, grey=False, angle=-0.5, seal=True, seed=5),
]
SAMPLE = Variant(seed=0, writer="writer-pdf", tables=tuple(range(1, 95)), toc=True, cover=True)


def child(pdf: str, text_pdf: str) -> None:
    """Read one scan, then its text PDF; print the seconds, this process's peak memory (the scan's:
    the text PDF needs less), the warnings and the comparison as JSON."""
    from graph.errors import BudgetGraphError
    from graph.read.layouts import parse_file

    t = time.perf_counter()
    try:
        got = parse_file(pdf)
    except BudgetGraphError as exc:  # a refusal is a result: say it
        print(json.dumps({"refused": str(exc)[:600], "seconds": time.perf_counter() - t}))
        return
    seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    codes: dict[str, int] = {}
    for d in got.diagnostics:
        codes[d.code] = codes.get(d.code, 0) + 1
    compared = compare(parse_file(text_pdf), got)
    print(json.dumps({"seconds": seconds, "peak_mib": peak, "codes": codes, **compared}, default=str))


def measure(pdf: Path, text_pdf: Path) -> dict:
    cmd = [sys.executable, __file__, "--child", str(pdf), str(text_pdf)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare(want, got) -> dict:
    """How the scan's records compare with the text PDF's."""
    pairs = list(zip(want.projects, got.projects, strict=False))
    errors = chars = 0
    for a, b in pairs:
        for f in FREE_TEXT:
            errors += char_errors(free_text(a, f), free_text(b, f))
            chars += len(free_text(a, f))
    return {
        "projects": len(got.projects),
        "want": len(want.projects),
        "indicators": sum(len(p.indicators) for p in got.projects),
        "amount": sum(p.amount or 0 for p in got.projects),
        "exact": sum(record(a) == record(b) for a, b in pairs),
        "names": sum(a.name == b.name for a, b in pairs),
        "cer": errors / max(chars, 1),
        "chars": chars,
    }


def search_agreement(text_pdf: Path, scanned: Path, folder: Path) -> dict:
    """Top-5 of every benchmark query over an index of each, side by side."""
    from graph.text import text_key
    from index.build import build
    from index.evaluate import load_queries
    from index.searcher import Searcher

    for pdf, name in ((text_pdf, "text"), (scanned, "scan")):
        build([pdf], folder / name)
    a, b = Searcher.load(folder / "text"), Searcher.load(folder / "scan")
    queries = load_queries(ROOT / "bench" / "queries.jsonl")
    same_top1 = same_top5 = 0
    overlap = []
    for q in queries:
        x = [text_key(h.project) for h in a.query(q.query, 5)]  # names without punctuation and width
        y = [text_key(h.project) for h in b.query(q.query, 5)]
        same_top1 += x[:1] == y[:1]
        same_top5 += x == y
        overlap.append(len(set(x) & set(y)) / max(len(x), 1))
    return {"queries": len(queries), "same_top1": same_top1, "same_top5": same_top5, "overlap": overlap}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--all", action="store_true", help="the rotated, speckled and sealed scans too")
    ap.add_argument("--no-search", action="store_true", help="skip the two index builds and the queries")
    ap.add_argument("--only", type=int, nargs="+", help="these scans only (0, 1, 2: the order above)")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(*args.child)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        text_pdf = write_all([SAMPLE], folder)[SAMPLE.seed]
        t = time.perf_counter()
        from graph.read.layouts import parse_file

        want = parse_file(text_pdf)
        base = time.perf_counter() - t
        pages = len(__import__("pdfplumber").open(text_pdf).pages)
        print(f"text PDF: {pages} pages, {len(want.projects)} projects; pdfplumber reads it in {base:.1f} s")
        print(f"{'scan':<42}{'s':>7}{'pages/s':>9}{'peak MiB':>10}{'exact':>8}{'names':>7}{'CER':>8}{'doubtful':>10}")
        for scan in [SCANS[i] for i in args.only] if args.only else SCANS if args.all else SCANS[:1]:
            scanned = scan_pdf(text_pdf, folder / f"{scan.name}.pdf", scan)
            m = measure(scanned, text_pdf)
            if "refused" in m:
                print(f"{scan.name:<42}{m['seconds']:>7.1f}  refused: {m['refused']}")
                continue
            print(
                f"{scan.name:<42}{m['seconds']:>7.1f}{pages / m['seconds']:>9.2f}{m['peak_mib']:>10.0f}"
                f"{m['exact']:>5}/{m['want']}{m['names']:>7}{m['cer']:>8.2%}{m['codes'].get('ocr-doubt', 0):>10}"
            )
            print(f"    {m['projects']} projects, {m['indicators']} indicator rows, {m['amount']} 万元; "
                  f"{m['chars']} characters of 概述/目标/立项依据; {m['seconds'] / base:.0f}x the text PDF's time; "
                  f"warnings {m['codes']}")  # fmt: skip
        first = folder / f"{SCANS[0].name}.pdf"
        if not args.no_search and first.exists():
            s = search_agreement(text_pdf, first, folder)
            print(
                f"search over the scan vs the text PDF, {s['queries']} benchmark queries: the same top 1 for "
                f"{s['same_top1']}, the same top 5 in order for {s['same_top5']}, overlap of the top 5: median "
                f"{statistics.median(s['overlap']):.0%}, mean {statistics.mean(s['overlap']):.0%}"
            )


if __name__ == "__main__":
    main()
