#!/usr/bin/env python
"""Write the test documents made from the bundled sample (Word, Excel, the national layout, a synthetic
2025 edition with known changes, the same tables as another district, 重庆市江北区, would publish them,
and the other layouts: 部门预算公开, 申报表, 市直部门, 审批表, 部门整体) into a folder, to open them and
see what the tests read; with LibreOffice, the sample as a PDF, six of its pages scanned, and the PDF
with those six pages as images (scans/beibei_2024_mixed.pdf).  See tests/documents.py, tests/editions.py
and tests/scans.py.

    python scripts/make_documents.py build/documents
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph.defaults import DEFAULT_SAMPLE  # noqa: E402
from graph.read.layouts import parse_file  # noqa: E402
from tests.documents import write_docx, write_national_xlsx, write_xlsx  # noqa: E402
from tests.editions import next_year, other_district  # noqa: E402
from tests.layout_documents import LAYOUTS, write  # noqa: E402
from tests.scans import Scan, mixed_pdf, scan_pdf  # noqa: E402
from tests.variants import convert, soffice  # noqa: E402


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "build/documents")
    out.mkdir(parents=True, exist_ok=True)
    text = DEFAULT_SAMPLE.read_text(encoding="utf-8")
    for path in (
        write_docx(text, out / "beibei_2024.docx"),
        write_xlsx(text, out / "beibei_2024.xlsx"),
        write_xlsx(text, out / "beibei_2024_one_sheet.xlsx", per_table=False),
        write_national_xlsx(parse_file(DEFAULT_SAMPLE).projects[:12], out / "national_2024.xlsx"),
        _write(out / "beibei_2025_generated.txt", next_year(text)[0]),
        _write(out / "jiangbei_2024_generated.txt", other_district(text)[0]),
    ):
        print(path)
    projects = parse_file(DEFAULT_SAMPLE).projects[:10]
    for layout in LAYOUTS:  # the other layouts, from 10 of the sample's projects (PDFs need LibreOffice)
        for kind, path in write(layout, projects, out / "layouts").items():
            if kind != "pdf":
                print(path)
    if soffice():
        convert([out / "layouts" / f"{layout}.docx" for layout in LAYOUTS], "pdf", out / "layouts")
        print(f"{out / 'layouts'}/*.pdf")
        convert([out / "beibei_2024.docx"], "pdf", out)  # the sample as LibreOffice prints it (134 pages)
        scans = out / "scans"
        scans.mkdir(exist_ok=True)
        scanned = scan_pdf(out / "beibei_2024.pdf", scans / "beibei_2024_p4-9_150dpi.pdf", Scan(dpi=150), (4, 9))
        whole = scan_pdf(out / "beibei_2024.pdf", scans / "all.pdf", Scan(dpi=150), (1, 9))
        print(scanned)
        print(mixed_pdf(out / "beibei_2024.pdf", whole, scans / "beibei_2024_mixed.pdf", set(range(4, 10))))
        whole.unlink()


if __name__ == "__main__":
    main()
