"""A scanned page as rows of cells: the tables' grid from their ruling lines (:mod:`graph.read.scan`),
the text from PP-OCR (RapidOCR: the detection and recognition models ship inside the
``rapidocr-onnxruntime`` wheel; nothing is downloaded), each text box placed in the cell it stands in.

Each cell keeps the recogniser's confidence (the lowest of its boxes); one under :data:`DOUBT` is a
warning naming the page, the table, the row and the column, and what was read.  A cell with ink
that no text box covers is read again: as a comparison sign by its shape (:mod:`graph.read.glyphs`),
else by the recogniser on the cell alone; ink that still reads as nothing is a warning too.  The
rows come out as the PDF reader's do (a merged cell's text in its first row and column, the rest
empty), so every layout reads a scan as it reads a text PDF.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from graph.codes import Code
from graph.errors import require
from graph.models import Diagnostic
from graph.read.clean import join_wrapped
from graph.read.glyphs import sign_of
from graph.read.indicators import ocr_lookalikes
from graph.read.scan import Cell, Table, deskew, despeckle, find_tables, ink_of, without_lines

__all__ = ["DOUBT", "MAX_DPI", "MIN_DPI", "OCR_MODES", "PageText", "TextBox", "read_image", "recogniser"]

OCR_MODES = ("auto", "always", "never")  # auto: image pages only; always: every page; never: refuse scans
DOUBT = 0.8  # a cell read with a lower confidence is a warning (PP-OCR's scores of clean print are ≥ 0.9)
SIGN_SCORE = 0.9  # the confidence given to a comparison sign told by its shape
MIN_INK = 12  # px of writing in a cell below which the cell is empty (speckle, a stray dot)
MISSED_INK = 6  # px of writing outside a cell's text boxes that make it read again (a 一 is a 10 x 1 px stroke)
MIN_DPI, MAX_DPI = 150, 200  # a page image is read at its own resolution, within these bounds
INSET = 3  # px kept off a cell's lines when its ink is looked at
CUT_MARGIN = 10  # px: a text box reaching this far past a column line on both sides is cut there
_SIGN_WORDS = frozenset("小川一二三")  # CJK characters it reads a sign as
_SIGN_LIKE = re.compile(r"^[^\u4e00-\u9fff\d%％]{0,2}$")  # what PP-OCR makes of a lone comparison sign (=, V, AI, 小)
Item = tuple[float, tuple[str, ...], int, int]  # top (points), cells, which table on the page (-1: none), row in it
TextLine = dict[str, Any]  # a line of text outside the tables: top, bottom, x0 (points) and text, as pdfplumber gives


WORD_MARGIN = 10  # a lookalike is taken where its words are this many times as common as those as read
_LATEX_SIGN = re.compile(r"^[\\Il|/]?\s*([lg])e[qg]$")  # \geq as PP-OCR reads it (Igeq, lleg): LaTeX a writer left in


@functools.cache
def _dictionary() -> Any:
    """jieba's dictionary, loaded once, quietly."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    words = jieba.Tokenizer()
    words.initialize()
    return words


def _word_score(text: str, i: int, c: str) -> int:
    """How common the words are that ``c`` at ``text[i]`` makes with its two neighbours (0: none)."""
    words = _dictionary()
    pairs = ([text[i - 1] + c] if i > 0 else []) + ([c + text[i + 1]] if i + 1 < len(text) else [])
    return sum(words.FREQ.get(w) or 0 for w in pairs)


def with_words(text: str) -> str:
    """``text`` with a character PP-OCR reads in place of another swapped back where that makes the words.

    >>> with_words('北碚区第三次全国士壤普查'), with_words('水士大桥'), with_words('博士的土整')
    ('北碚区第三次全国土壤普查', '水土大桥', '博士的土整')
    """
    misread = ocr_lookalikes()["characters"]  # 士 → 土: each character read in place of another
    out = list(text)
    for i, ch in enumerate(text):
        meant = misread.get(ch)
        if meant is not None and _word_score(text, i, meant) >= WORD_MARGIN * max(1, _word_score(text, i, ch)):
            out[i] = meant
    return "".join(out)


def _one_off(a: str, b: str) -> bool:
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def with_places(text: str) -> str:
    """``text`` with a county or district misread by one character right after its own province
    or city (重庆市北陪区: 北碚区 is 重庆市's, 北陪区 no place) given its name; a name that is a place or
    a word of the dictionary stays (重庆市开发区, though 开州区 is one), and so does one that several
    places are one character from.

    >>> with_places('中国共产党重庆市北陪区委员会'), with_places('重庆市开发区'), with_places('重庆市江北区')
    ('中国共产党重庆市北碚区委员会', '重庆市开发区', '重庆市江北区')
    """
    from graph.read.places import places

    known = places()
    for province in known.provinces:
        at = text.find(province)
        while at >= 0:
            rest = text[at + len(province) :]
            inside = known.inside.get(province, {})
            city = next((n for n, p in inside.items() if p.kind == "city" and rest.startswith(n)), "")
            rest = rest[len(city) :]
            names = [n for n, p in inside.items() if p.kind != "city" and (not city or p.city == city)]
            for n in range(2, min(6, len(rest)) + 1):
                read = rest[:n]
                if read in inside or _dictionary().FREQ.get(read) or (n > 3 and _dictionary().FREQ.get(read[:-1])):
                    break  # a place, or a word (开发区): as read
                near = [name for name in names if _one_off(read, name) and name[-1] == read[-1]]
                if len(near) == 1:
                    start = at + len(province) + len(city)
                    text = text[:start] + near[0] + text[start + n :]
                    break
            at = text.find(province, at + 1)
    return text


@dataclass(frozen=True)
class TextBox:
    """A line of text the detector found, its box in pixels, and the recogniser's confidence."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    score: float

    @property
    def middle(self) -> tuple[float, float]:
        return (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2


class Recogniser:
    """PP-OCR detection and recognition (RapidOCR), every box kept whatever its score (the doubt
    is ours to report, not the library's to drop)."""

    def __init__(self) -> None:
        require("rapidocr_onnxruntime", "ocr", "reading scanned PDFs (or build with --ocr never)")
        from rapidocr_onnxruntime import RapidOCR

        self.engine: Any = RapidOCR(text_score=0.0, use_cls=False, print_verbose=False)

    def boxes(self, gray: np.ndarray) -> list[TextBox]:
        """Every line of text on a grey page image."""
        import cv2

        image = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
        found, _ = self.engine.text_det(image)
        if found is None or not len(found):
            return []
        crops = self.engine.get_crop_img_list(image, found)
        read, _ = self.engine.text_rec(crops)
        out = []
        for points, (text, score) in zip(found, read, strict=True):
            xs, ys = points[:, 0], points[:, 1]
            out.append(TextBox(float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()), text, float(score)))
        return out

    def read(self, gray: np.ndarray) -> tuple[str, float]:
        """The text of one small image (a cell) without detection."""
        import cv2

        padded = cv2.copyMakeBorder(gray, 8, 8, 8, 8, cv2.BORDER_CONSTANT, value=255)
        (text, score), *_ = self.engine.text_rec([cv2.cvtColor(padded, cv2.COLOR_GRAY2BGR)])[0]
        return text.strip(), float(score)


@functools.cache
def recogniser() -> Recogniser:
    """One recogniser per process (its models load once)."""
    return Recogniser()


@dataclass(frozen=True)
class PageText:
    """What OCR read on one page, in the PDF reader's terms (points from the page's top)."""

    items: list[Item]
    lines: list[TextLine]
    scores: list[float]  # each item's lowest confidence
    doubts: list[Diagnostic] = field(default_factory=list)
    angle: float = 0.0  # degrees the page was turned straight by


def _lines_of(boxes: list[TextBox]) -> list[list[TextBox]]:
    """Boxes grouped into lines (a box whose middle lies within a line's height joins it), each left to right."""
    lines: list[list[TextBox]] = []
    for b in sorted(boxes, key=lambda b: b.middle[1]):
        if lines and lines[-1][0].y0 <= b.middle[1] <= lines[-1][0].y1:
            lines[-1].append(b)
        else:
            lines.append([b])
    return [sorted(line, key=lambda b: b.x0) for line in lines]


def _line_text(line: list[TextBox]) -> str:
    out = line[0].text
    for prev, b in itertools.pairwise(line):
        out += (" " if b.x0 - prev.x1 > (b.y1 - b.y0) else "") + b.text
    return out.strip()


def _inside(b: TextBox, box: tuple[int, int, int, int]) -> bool:
    x, y = b.middle
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


@dataclass
class _Page:
    gray: np.ndarray
    writing: np.ndarray
    where: str
    doubts: list[Diagnostic]


def _uncovered(ink: np.ndarray, boxes: list[TextBox], x0: int, y0: int) -> int:
    """Pixels of writing in a cell (``ink``, its top left at ``x0, y0``) beside its text boxes, on
    their line, that no box covers (what lies above or below is the rest of a ruling line)."""
    left = ink.copy()
    if boxes:
        top, bottom = min(int(b.y0) for b in boxes) - y0, max(int(b.y1) for b in boxes) - y0
        left[: max(0, top)] = 0
        left[max(0, bottom + 1) :] = 0
    for b in boxes:
        a, c = max(0, int(b.y0) - y0 - 2), max(0, int(b.x0) - x0 - 2)
        left[a : max(0, int(b.y1) - y0 + 3), c : max(0, int(b.x1) - x0 + 3)] = 0
    return int((left > 0).sum())


def _cell_text(page: _Page, cell: Cell, boxes: list[TextBox], place: str) -> tuple[str, float]:
    """A cell's text and confidence: its boxes, line by line; a lone sign by its shape; a cell of one
    line with ink its boxes miss (the detector cuts a leading 一 off) read again whole."""
    x0, y0, x1, y1 = (int(v) for v in cell.box)
    inner = (slice(y0 + INSET, y1 - INSET), slice(x0 + INSET, x1 - INSET))
    ink = page.writing[inner]
    lines = _lines_of(boxes)
    text = join_wrapped("\n".join(_line_text(line) for line in lines))
    score = min((b.score for b in boxes), default=1.0)
    sign_like = _SIGN_LIKE.match(text) or text in _SIGN_WORDS or (len(text) == 1 and score < DOUBT)  # ≥ read as 2
    if sign_like and int((ink > 0).sum()) >= MIN_INK:
        sign = sign_of(ink)
        if sign:
            return sign, SIGN_SCORE
    latex = _LATEX_SIGN.match(text)
    if latex:
        return "\\" + latex.group(1) + "eq", score
    if len(lines) <= 1 and _uncovered(ink, boxes, x0 + INSET, y0 + INSET) >= MISSED_INK:
        again, sure = recogniser().read(page.gray[inner])
        if len(again) > len(text):
            text, score = again, sure
        elif not text:
            said = f"{place}: ink that reads as no text"
            page.doubts.append(Diagnostic("warning", Code.OCR_UNREAD, said, page.where))
    return _said_words(page, text, place), score


_DIGITS = str.maketrans("OoIl", "0011")
_NUMBERISH = re.compile(r"^[\dOoIl.]+$")


def with_digits(text: str) -> str:
    """A number read with letters for digits (O for 0: 补助街镇 'O'; 1O.5) as the number.

    >>> with_digits('O'), with_digits('1O.5'), with_digits('Il'), with_digits('否')
    ('0', '10.5', 'Il', '否')
    """
    if _NUMBERISH.match(text) and (any(c.isdigit() for c in text) or text in ("O", "o")):
        return text.translate(_DIGITS)
    return text


def _said_words(page: _Page, text: str, place: str) -> str:
    fixed = with_places(with_words(with_digits(text)))
    if fixed != text:
        changed = "".join(b for a, b in zip(text, fixed, strict=True) if a != b)
        message = f"{place}: read {text!r}, taken as {fixed!r} ({changed!r} makes the word or the place's name)"
        page.doubts.append(Diagnostic("warning", Code.OCR_WORD, message, page.where))
    return fixed


def _doubt(place: str, text: str, score: float, where: str) -> Diagnostic:
    message = f"{place}: read {text!r} with confidence {score:.2f} (below {DOUBT}); check it against the page"
    return Diagnostic("warning", Code.OCR_DOUBT, message, where)


def _cell_at(table: Table, x: float, y: float) -> Cell | None:
    return next((c for c in table.cells if c.box[0] <= x <= c.box[2] and c.box[1] <= y <= c.box[3]), None)


def _split_at_lines(page: _Page, table: Table, boxes: list[TextBox]) -> list[TextBox]:
    """Boxes that run across a column line (a label that fills its cell up to the line and the value
    after it read as one) cut at the line, each part read again."""
    out = []
    for b in boxes:
        y = (b.y0 + b.y1) / 2
        inside = [x for x in table.xs if b.x0 + CUT_MARGIN < x < b.x1 - CUT_MARGIN]
        cuts = [x for x in inside if _cell_at(table, x - INSET, y) is not _cell_at(table, x + INSET, y)]
        if not cuts:
            out.append(b)
            continue
        edges = [b.x0, *cuts, b.x1]
        for a, c in itertools.pairwise(edges):
            rows, cols = slice(int(b.y0), int(b.y1) + 1), slice(int(a) + INSET, max(int(a) + INSET + 1, int(c) - INSET))
            if int((page.writing[rows, cols] > 0).sum()) < MIN_INK:  # the end of the box is the line itself
                continue
            text, score = recogniser().read(page.gray[rows, cols])
            if text:
                out.append(TextBox(a + INSET, b.y0, c - INSET, b.y1, text, score))
    return out


def _table_rows(page: _Page, k: int, table: Table, boxes: list[TextBox], scale: float) -> list[tuple[Item, float]]:
    """Each grid row of a table as an item, with its lowest confidence."""
    x0, y0, x1, y1 = table.box
    boxes = _split_at_lines(page, table, [b for b in boxes if x0 <= b.middle[0] <= x1 and y0 <= b.middle[1] <= y1])
    rows: list[list[str]] = [[""] * table.n_cols for _ in range(table.n_rows)]
    scores = [1.0] * table.n_rows
    for cell in table.cells:
        place = f"table {k + 1} row {cell.row + 1} column {cell.col + 1}"
        mine = [b for b in boxes if _inside(b, cell.box)]
        text, score = _cell_text(page, cell, mine, place)
        rows[cell.row][cell.col] = text
        if text:
            scores[cell.row] = min(scores[cell.row], score)
        if text and score < DOUBT:
            page.doubts.append(_doubt(place, text, score, page.where))
    return [((table.ys[r] * scale, tuple(cells), k, r), scores[r]) for r, cells in enumerate(rows)]


def read_image(gray: np.ndarray, dpi: float, where: str) -> PageText:
    """Rows and text lines of one page image (grey, ``dpi`` pixels per inch); ``where`` names the
    page in warnings (``file.pdf#p3``)."""
    straight, angle = deskew(gray)
    ink = ink_of(straight)
    tables = find_tables(ink)  # on the page as scanned: a noise filter would thin the lines away
    clean, filtered = despeckle(straight)
    page = _Page(clean, without_lines(ink_of(clean) if filtered else ink), where, [])
    boxes = [b for b in recogniser().boxes(clean) if b.text.strip()]
    scale = 72 / dpi  # pixels to the PDF's points
    read: list[tuple[Item, float]] = []
    for k, table in enumerate(tables):
        read += _table_rows(page, k, table, boxes, scale)
    lines: list[TextLine] = []
    outside = [b for b in boxes if not any(_inside(b, t.box) for t in tables)]
    for line in _lines_of(outside):
        text = _said_words(page, _line_text(line), "a line outside the tables")
        top, bottom = min(b.y0 for b in line) * scale, max(b.y1 for b in line) * scale
        lines.append({"top": top, "bottom": bottom, "x0": line[0].x0 * scale, "text": text})
        score = min(b.score for b in line)
        read.append(((top, (text,), -1, 0), score))
        if score < DOUBT:
            page.doubts.append(_doubt("a line outside the tables", text, score, where))
    read.sort(key=lambda r: r[0][0])
    return PageText([it for it, _ in read], lines, [s for _, s in read], page.doubts, angle)
