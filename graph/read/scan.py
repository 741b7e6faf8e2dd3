"""Tables on a page image: the ruling lines, the grid they make, merged cells as spans.

A scanned page is a grey image.  Ink is what is darker than the page (Otsu's threshold); ruling
lines are the long straight runs of ink (a morphological opening with a long thin kernel, as
OpenCV's tutorial on extracting lines does); a table is one connected set of lines; its rows and
columns lie between the line positions; two neighbouring grid cells are one merged cell where no
line separates them.  A small rotation (a page fed askew into the scanner) is measured on the
long horizontal lines and undone first.

>>> import numpy as np
>>> page = np.full((200, 300), 255, np.uint8)
>>> for y in (20, 60, 100): page[y:y + 2, 20:281] = 0
>>> for x in (20, 150, 280): page[20:102, x:x + 2] = 0
>>> page[60:62, 150:281] = 255          # no line between the right column's two rows: one merged cell
>>> [(c.row, c.col, c.rows, c.cols) for c in find_tables(ink_of(page))[0].cells]
[(0, 0, 1, 1), (0, 1, 2, 1), (1, 0, 1, 1)]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Cell", "Table", "deskew", "despeckle", "find_tables", "ink_of", "without_lines"]

LINE_SHARE = 1 / 40  # a ruling line is at least this share of the page's width (height) long
SHORT_SHARE = 1 / 120  # or, between two horizontal lines, this share of its height (a low row's column line)
MIN_TABLE = 40  # px: a set of lines narrower than this is a mark, not a table
MIN_ROW = 8  # px: and one lower than this is an underline (a table of one row is higher)
EDGE_SHARE = 0.5  # a grid edge with ink along this share of its length is a line between two cells
NOISY = 100  # specks per million pixels above which a page is filtered (measured: clean 0-6, 0.2% speckle 920)
SPECK = 4  # px: a piece of ink smaller than this is a speck of dust or noise, not writing
MIN_SKEW = 0.05  # degrees: a page turned less than this is left as it is
MAX_SKEW = 3.0  # degrees: a page turned further than this is not straightened (it is not a feed error)


@dataclass(frozen=True)
class Cell:
    """A cell of a table grid: its first row and column, how many it spans, and its box in pixels."""

    row: int
    col: int
    rows: int
    cols: int
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 inside the lines


@dataclass(frozen=True)
class Table:
    """One ruled table: the line positions (pixels) and its cells, row by row."""

    ys: tuple[int, ...]
    xs: tuple[int, ...]
    cells: tuple[Cell, ...]

    @property
    def box(self) -> tuple[int, int, int, int]:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]

    @property
    def n_rows(self) -> int:
        return len(self.ys) - 1

    @property
    def n_cols(self) -> int:
        return len(self.xs) - 1


def ink_of(gray: np.ndarray) -> np.ndarray:
    """A 0/255 mask of what is darker than the page (Otsu's threshold on the grey image)."""
    import cv2

    _, mask = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return mask


def _lines(ink: np.ndarray, horizontal: bool, share: float = LINE_SHARE) -> np.ndarray:
    import cv2

    h, w = ink.shape
    length = max(8, int((w if horizontal else h) * share))
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1) if horizontal else (1, length))
    return cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel)


def _vertical(ink: np.ndarray, hor: np.ndarray) -> np.ndarray:
    """The vertical lines: the long ones, and the short ones that run from one horizontal line to the
    next (the column lines of a table of one low row; a character's stroke touches no line at both ends)."""
    import cv2

    long = _lines(ink, False)
    short = _lines(ink, False, SHORT_SHARE)
    near = cv2.dilate(hor, np.ones((3, 3), np.uint8)) > 0  # touching, not merely near: a stroke stops short
    count, labels, stats, _ = cv2.connectedComponentsWithStats(short)
    keep = np.zeros(count, bool)
    for i in range(1, count):
        x, y, w, h = stats[i, :4]
        keep[i] = bool(near[y : y + 2, x : x + w].any() and near[y + h - 2 : y + h, x : x + w].any())
    return cv2.bitwise_or(long, np.where(keep[labels], 255, 0).astype(np.uint8))


def despeckle(gray: np.ndarray) -> tuple[np.ndarray, bool]:
    """The page with salt-and-pepper noise filtered out (a 3 x 3 median) where it has more than
    :data:`NOISY` specks of one or two pixels per million pixels (a clean scan has under 10), and
    whether it had."""
    import cv2

    count, _, stats, _ = cv2.connectedComponentsWithStats(ink_of(gray))
    specks = int((stats[1:count, cv2.CC_STAT_AREA] <= 2).sum())
    if specks * 1e6 / gray.size <= NOISY:
        return gray, False
    return cv2.medianBlur(gray, 3), True


def _skew_of_lines(ink: np.ndarray) -> float | None:
    """The median angle of the long horizontal lines, or None where there are none."""
    import cv2

    w = ink.shape[1]
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (max(15, w // 60), 1))
    lines = cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel)
    found = cv2.HoughLinesP(lines, 1, np.pi / 1800, threshold=w // 8, minLineLength=w // 6, maxLineGap=w // 100)
    if found is None:
        return None
    segments = np.asarray(found).reshape(-1, 4).astype(float)
    return float(np.median(np.degrees(np.arctan2(segments[:, 3] - segments[:, 1], segments[:, 2] - segments[:, 0]))))


def _skew_of_text(ink: np.ndarray) -> float:
    """The angle that lines the writing up best (the sharpest profile of its rows): a page of text
    without ruling lines, a 目录."""
    import cv2

    small = cv2.resize(ink, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    h, w = small.shape

    def sharpness(angle: float) -> float:
        turned = cv2.warpAffine(small, cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0), (w, h))
        return float(np.var(turned.sum(axis=1, dtype=np.float64)))

    coarse = max(np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, 0.2), key=sharpness)
    return float(max(np.arange(coarse - 0.2, coarse + 0.2 + 1e-9, 0.05), key=sharpness))


def deskew(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """The page turned straight, and the angle (degrees) it was turned by: measured on its long
    horizontal lines, or on its writing where it has none; a page turned more than :data:`MAX_SKEW`
    is left as it is (angle 0)."""
    import cv2

    ink = ink_of(gray)
    angle = _skew_of_lines(ink)
    if angle is None:
        angle = _skew_of_text(ink) if ink.any() else 0.0
    if abs(angle) < MIN_SKEW or abs(angle) > MAX_SKEW:
        return gray, 0.0
    h, w = gray.shape
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    straight = cv2.warpAffine(gray, turn, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    return straight, angle


def _positions(profile: np.ndarray, offset: int) -> list[int]:
    """The middle of each run of positions where a line is (a line is a few pixels thick)."""
    on = np.flatnonzero(profile > 0)
    if not on.size:
        return []
    runs = np.split(on, np.flatnonzero(np.diff(on) > 1) + 1)
    return [offset + int(r.mean()) for r in runs]


def _edge(mask: np.ndarray, fixed: int, a: int, b: int, horizontal: bool) -> bool:
    """Whether a line runs along most of the stretch a..b at ``fixed`` (±3 px)."""
    a, b = a + 3, b - 3
    if b <= a:
        return True
    band = mask[max(0, fixed - 3) : fixed + 4, a:b] if horizontal else mask[a:b, max(0, fixed - 3) : fixed + 4]
    covered = band.max(axis=0 if horizontal else 1) > 0
    return bool(covered.mean() >= EDGE_SHARE)


def find_tables(ink: np.ndarray) -> list[Table]:
    """Every ruled table on the page, top to bottom, with merged cells as spans."""
    import cv2

    hor = _lines(ink, True)
    ver = _vertical(ink, hor)
    both = cv2.dilate(cv2.bitwise_or(hor, ver), np.ones((5, 5), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(both)
    tables = []
    for x, y, w, h, _ in stats[1:count]:
        if w < MIN_TABLE or h < MIN_ROW:
            continue
        ys = _positions(hor[y : y + h, x : x + w].max(axis=1), y)
        xs = _positions(ver[y : y + h, x : x + w].max(axis=0), x)
        if len(ys) >= 2 and len(xs) >= 2:
            tables.append(_grid(hor, ver, ys, xs))
    return sorted(tables, key=lambda t: t.ys[0])


def _grid(hor: np.ndarray, ver: np.ndarray, ys: list[int], xs: list[int]) -> Table:
    """The cells between the lines; grid cells with no line between them are one cell."""
    nr, nc = len(ys) - 1, len(xs) - 1
    parent = list(range(nr * nc))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in range(nr):
        for c in range(nc):
            if c + 1 < nc and not _edge(ver, xs[c + 1], ys[r], ys[r + 1], False):
                parent[find(r * nc + c + 1)] = find(r * nc + c)
            if r + 1 < nr and not _edge(hor, ys[r + 1], xs[c], xs[c + 1], True):
                parent[find((r + 1) * nc + c)] = find(r * nc + c)
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(nr):
        for c in range(nc):
            groups.setdefault(find(r * nc + c), []).append((r, c))
    cells = []
    for members in groups.values():
        r0, c0 = min(m[0] for m in members), min(m[1] for m in members)
        r1, c1 = max(m[0] for m in members), max(m[1] for m in members)
        box = (xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1])
        cells.append(Cell(r0, c0, r1 - r0 + 1, c1 - c0 + 1, box))
    cells.sort(key=lambda c: (c.row, c.col))
    return Table(tuple(ys), tuple(xs), tuple(cells))


def without_lines(ink: np.ndarray) -> np.ndarray:
    """The ink with the ruling lines and specks (under :data:`SPECK` pixels) taken out: the writing."""
    import cv2

    hor = _lines(ink, True)
    lines = cv2.bitwise_or(hor, _vertical(ink, hor))
    rest = cv2.bitwise_and(ink, cv2.bitwise_not(cv2.dilate(lines, np.ones((3, 3), np.uint8))))
    _, labels, stats, _ = cv2.connectedComponentsWithStats(rest)
    writing = stats[:, cv2.CC_STAT_AREA] >= SPECK
    writing[0] = False
    return np.where(writing[labels], 255, 0).astype(np.uint8)
