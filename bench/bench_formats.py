#!/usr/bin/env python
"""Reading speed and memory per format, on the bundled sample made into each format.

Makes the documents as the tests do (python-docx, openpyxl, LibreOffice for the PDF, pdftotext
-layout for the layout text, the national template from 12 projects), then reads each in a fresh
process, several times: median seconds, pages or tables per second, and peak memory (VmHWM).
Target: the PDF (about 130 pages) under 30 s on this 2-core machine.

    .venv/bin/python bench/bench_formats.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph.defaults import DEFAULT_SAMPLE  # noqa: E402
from graph.read.layouts import parse_file  # noqa: E402
from tests.documents import write_docx, write_national_xlsx, write_xlsx  # noqa: E402

_READ = """
import sys, time
from graph.read.layouts import parse_file
t = time.perf_counter()
doc = parse_file(sys.argv[1])
wall = time.perf_counter() - t
hwm = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:'))
print(wall, len(doc.projects), sum(len(p.indicators) for p in doc.projects), hwm)
"""


def make(out: Path) -> dict[str, Path]:
    text = DEFAULT_SAMPLE.read_text(encoding="utf-8")
    docs = {
        "text (tabs)": DEFAULT_SAMPLE,
        "docx": write_docx(text, out / "sample.docx"),
        "xlsx (sheet per table)": write_xlsx(text, out / "sample.xlsx"),
        "xlsx (one sheet)": write_xlsx(text, out / "stacked.xlsx", per_table=False),
        "national xlsx (12)": write_national_xlsx(parse_file(DEFAULT_SAMPLE).projects[:12], out / "national.xlsx"),
    }
    soffice = shutil.which("soffice")
    if soffice:
        subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(out), str(docs["docx"])],
                       capture_output=True, check=True, env={"HOME": str(out), "PATH": "/usr/bin:/bin"})  # fmt: skip
        docs["pdf"] = out / "sample.pdf"
        if shutil.which("pdftotext"):
            subprocess.run(["pdftotext", "-layout", str(docs["pdf"]), str(out / "layout.txt")], check=True)
            docs["pdftotext -layout"] = out / "layout.txt"
    return docs


def pages(path: Path) -> int | None:
    if path.suffix != ".pdf":
        return None
    import pdfplumber

    with pdfplumber.open(str(path)) as pdf:
        return len(pdf.pages)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        docs = make(Path(tmp))
        print(
            f"{'format':<24}{'projects':>9}{'indicators':>11}{'seconds':>9}{'tables/s':>10}{'pages/s':>9}{'peak MiB':>10}"
        )
        for name, path in docs.items():
            runs = []
            for _ in range(args.repeats):
                t = time.perf_counter()
                r = subprocess.run([sys.executable, "-c", _READ, str(path)], capture_output=True, text=True,
                                   cwd=ROOT, check=True)  # fmt: skip
                wall, n, ind, hwm = r.stdout.split()
                runs.append((float(wall), int(n), int(ind), int(hwm) / 1024, time.perf_counter() - t))
            wall = statistics.median(x[0] for x in runs)
            n, ind = runs[0][1], runs[0][2]
            p = pages(path)
            per_page = f"{p / wall:>9.1f}" if p else f"{'':>9}"
            print(f"{name:<24}{n:>9}{ind:>11}{wall:>9.2f}{n / wall:>10.1f}{per_page}{max(x[3] for x in runs):>10.0f}")
            if p:
                print(f"{'':<24}({p} pages; target under 30 s: {wall / 30:.2f}x of it)")


if __name__ == "__main__":
    main()
