"""The comparison signs of an indicator's 指标性质 (≥ ≤ = > <) told from their ink.

A text recogniser reads words; one sign alone in a cell is a few pixels that it often misses
(PP-OCR reads ``≥`` as ``=``, ``V``, ``W`` or nothing at 150 dpi).  The signs differ in shape alone,
so they are told by shape, row by row: two wide rows with a gap between are =; wide rows at the
bottom (a bar, touching what is above it or not: a scan turned half a degree joins them) under a
wedge are ≥ or ≤; a wedge alone is > or <; the wedge points where its middle row's ink is.
Anything else is not a sign (``None``): the cell is then read as text.

>>> import numpy as np
>>> bars = np.zeros((20, 16), np.uint8); bars[5:7, 1:15] = 255; bars[12:14, 1:15] = 255
>>> sign_of(bars)
'='
>>> wedge = np.zeros((20, 16), np.uint8)
>>> for i in range(7): wedge[2 + i, 2 + 2 * i:4 + 2 * i] = 255; wedge[14 - i, 2 + 2 * i:4 + 2 * i] = 255
>>> sign_of(wedge), sign_of(wedge[:, ::-1])
('>', '<')
>>> wedge[17:19, 2:16] = 255
>>> sign_of(wedge), sign_of(wedge[:, ::-1])
('≥', '≤')
"""

from __future__ import annotations

import numpy as np

__all__ = ["sign_of"]

MIN_PIECE = 3  # px: smaller ink is speckle, not part of a sign
BAR_HEIGHT = 0.4  # a bar is at most this share of the sign's height
BAR_SPAN = 0.75  # a bar's row runs across at least this share of the sign's width
WEDGE_SHIFT = 0.25  # a wedge's middle row is this share of its width to one side of its top and bottom rows
MAX_WIDTH = 3.0  # a sign's ink is at most this many times as wide as high (and as high as wide)


def _wedge(piece: np.ndarray) -> str | None:
    """``>`` or ``<`` for a wedge: its middle row's ink at one side, its top and bottom rows' at the other."""
    rows = np.flatnonzero(piece.max(axis=1) > 0)
    cols = np.flatnonzero(piece.max(axis=0) > 0)
    if rows.size < 3 or cols.size < 3:
        return None
    top, mid, bottom = rows[0], rows[len(rows) // 2], rows[-1]
    centre = [float(np.flatnonzero(piece[r] > 0).mean()) for r in (top, mid, bottom)]
    span = cols[-1] - cols[0] + 1
    if centre[1] - max(centre[0], centre[2]) > WEDGE_SHIFT * span:
        return ">"
    if min(centre[0], centre[2]) - centre[1] > WEDGE_SHIFT * span:
        return "<"
    return None


def _wide(patch: np.ndarray) -> np.ndarray:
    """For each row, whether its ink runs across most of the sign's width (a bar)."""
    w = patch.shape[1]
    out = np.zeros(len(patch), bool)
    for r, row in enumerate(patch):
        on = np.flatnonzero(row)
        out[r] = bool(on.size) and on[-1] - on[0] + 1 >= BAR_SPAN * w
    return out


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    on = np.flatnonzero(mask)
    if not on.size:
        return []
    parts = np.split(on, np.flatnonzero(np.diff(on) > 1) + 1)
    return [(int(q[0]), int(q[-1]) + 1) for q in parts]


def sign_of(ink: np.ndarray) -> str | None:
    """The sign a patch of ink (0/255, writing only, no ruling lines) shows, or None."""
    import cv2

    count, labels, stats, _ = cv2.connectedComponentsWithStats((ink > 0).astype(np.uint8))
    keep = np.isin(labels, [i for i in range(1, count) if stats[i, cv2.CC_STAT_AREA] >= MIN_PIECE])
    if not keep.any():
        return None
    ys, xs = np.nonzero(keep)
    patch = keep[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    h, w = patch.shape
    if w > MAX_WIDTH * h or h > MAX_WIDTH * w or h < 3:
        return None
    filled = _runs(np.asarray(patch.any(axis=1)))
    wide = _wide(patch)
    bars = _runs(wide)
    if len(filled) == 2 and all(wide[a:b].all() and b - a <= BAR_HEIGHT * h for a, b in filled):
        return "="  # two bars with a gap between
    if bars and bars[-1][1] == h and bars[-1][1] - bars[-1][0] <= BAR_HEIGHT * h:  # a bar at the bottom
        above = patch[: bars[-1][0]]
        above = above[: max(r for r in range(len(above)) if above[r].any()) + 1] if above.any() else above
        wedge = _wedge(above) if len(above) >= 3 else None
        return {">": "≥", "<": "≤"}.get(wedge or "")
    return _wedge(patch)
