"""Scanned copies of text PDFs, made with real tools (synthetic documents): pdftoppm renders each
page at a resolution, Pillow adds what a scanner and a stamp add (a small rotation, speckle, a red
seal over a table's corner, JPEG), img2pdf wraps the images into a PDF of image pages, pypdf mixes
image pages into a text PDF.

>>> Scan(dpi=200, angle=0.7, seal=True).name
'scan-200dpi-jpeg-grey-rot0.7-seal'
"""

from __future__ import annotations

import random
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Scan", "blank_scan", "mixed_pdf", "scan_pdf"]


@dataclass(frozen=True)
class Scan:
    """How a scan is made."""

    dpi: int = 150
    jpeg: bool = True
    grey: bool = True
    angle: float = 0.0  # degrees, anticlockwise
    speckle: float = 0.0  # share of pixels turned black or white
    seal: bool = False  # a red seal stamp over the top right corner of the page's first table (a colour scan)
    seed: int = 0

    @property
    def name(self) -> str:
        parts = [f"scan-{self.dpi}dpi", "jpeg" if self.jpeg else "png", "grey" if self.grey else "colour"]
        parts += [f"rot{self.angle:g}"] * bool(self.angle) + [f"speckle{self.speckle:g}"] * bool(self.speckle)
        return "-".join(parts + ["seal"] * self.seal)


def _seal(image, r: random.Random):
    """A red ring with a star and writing, as a 公章 stamps it, near the page's top right."""
    from PIL import ImageDraw, ImageFont

    image = image.convert("RGB")
    draw = ImageDraw.Draw(image, "RGBA")
    w, h = image.size
    size = int(min(w, h) * 0.22)
    x, y = int(w * 0.72) + r.randint(-20, 20), int(h * 0.08) + r.randint(-10, 10)
    red = (220, 30, 40, 170)
    draw.ellipse((x, y, x + size, y + size), outline=red, width=max(3, size // 30))
    c = (x + size / 2, y + size / 2)
    draw.regular_polygon((c, size / 8), 5, fill=red)
    font_file = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
    font = ImageFont.truetype(font_file, size // 9) if Path(font_file).exists() else None
    draw.text((c[0] - size / 3, c[1] + size / 6), "财政专用章", fill=red, font=font)
    return image


def _page(path: Path, scan: Scan, r: random.Random, out: Path) -> Path:
    import numpy as np
    from PIL import Image

    image = Image.open(path)
    image = image.convert("L") if scan.grey and not scan.seal else image.convert("RGB")
    if scan.seal:
        image = _seal(image, r)
    if scan.angle:
        image = image.rotate(scan.angle, resample=Image.BICUBIC, fillcolor="white" if image.mode == "L" else (255,) * 3)
    if scan.speckle:
        pixels = np.array(image)
        rng = np.random.default_rng(scan.seed)
        noise = rng.random(pixels.shape[:2])
        pixels[noise < scan.speckle / 2] = 0
        pixels[noise > 1 - scan.speckle / 2] = 255
        image = Image.fromarray(pixels)
    target = out.with_suffix(".jpg" if scan.jpeg else ".png")
    image.save(target, dpi=(scan.dpi, scan.dpi), **({"quality": 80} if scan.jpeg else {}))
    return target


def scan_pdf(pdf: Path, out: Path, scan: Scan = Scan(), pages: tuple[int, int] | None = None) -> Path:
    """``out``: a PDF of page images of ``pdf`` (pages ``first, last`` or all) as ``scan`` says."""
    import img2pdf

    r = random.Random(scan.seed)
    with tempfile.TemporaryDirectory() as tmp:
        span = ["-f", str(pages[0]), "-l", str(pages[1])] if pages else []
        cmd = ["pdftoppm", "-r", str(scan.dpi), *span, "-png", str(pdf), f"{tmp}/p"]
        subprocess.run(cmd, check=True, capture_output=True, timeout=600)
        images = [_page(p, scan, r, p.with_name(f"s{p.stem}")) for p in sorted(Path(tmp).glob("p-*.png"))]
        out.write_bytes(img2pdf.convert([str(i) for i in images]))
    return out


def mixed_pdf(text_pdf: Path, scanned: Path, out: Path, scanned_pages: set[int]) -> Path:
    """``out``: ``text_pdf`` with the pages numbered in ``scanned_pages`` taken from ``scanned`` (a scan of it)."""
    from pypdf import PdfReader, PdfWriter

    text, image = PdfReader(text_pdf), PdfReader(scanned)
    writer = PdfWriter()
    for n, page in enumerate(text.pages, start=1):
        writer.add_page(image.pages[n - 1] if n in scanned_pages else page)
    with open(out, "wb") as f:
        writer.write(f)
    return out


def blank_scan(out: Path, noise: bool, dpi: int = 150) -> Path:
    """A one-page scan of an A4 page that holds nothing (white) or only noise."""
    import img2pdf
    import numpy as np
    from PIL import Image

    w, h = int(8.27 * dpi), int(11.69 * dpi)
    pixels = np.full((h, w), 255, np.uint8)
    if noise:
        pixels = (np.random.default_rng(1).random((h, w)) * 255).astype(np.uint8)
    image = out.with_suffix(".png")
    Image.fromarray(pixels).save(image, dpi=(dpi, dpi))
    out.write_bytes(img2pdf.convert([str(image)]))
    return out


def record(p) -> tuple:
    """What a scan must read exactly: name, department, amounts and every indicator (texts compared
    without the spaces and widths a recogniser may change)."""
    from graph.text import text_key as k

    indicators = tuple(
        (k(i.level1), k(i.level2), k(i.name), k(i.measure_unit), i.operator, k(i.target_text), i.weight, i.core)
        for i in p.indicators
    )
    return (k(p.name), k(p.department), p.amount, p.retained, p.to_towns, p.execution_weight, indicators)


FREE_TEXT = ("overview", "goals", "basis")  # the fields whose characters are counted, not required exact


def free_text(p, name: str) -> str:
    import unicodedata

    value = getattr(p, name)
    text = "".join(value) if isinstance(value, tuple) else value
    return "".join(unicodedata.normalize("NFKC", text).split())


def char_errors(want: str, got: str) -> int:
    """Edits (insertions, deletions, substitutions) from ``want`` to ``got``."""
    from rapidfuzz.distance import Levenshtein

    return int(Levenshtein.distance(want, got))
