"""The same project across years: each project of year N matched with its counterpart in year N+1.

Matching, in order, never two matches for one project:

1. the same 编制单位 (code, or name) and the same name (spaces and punctuation aside): ``same``;
2. of what is left, pairs in the same 编制单位 or department whose names are alike (and, where the
   search index has vectors, whose texts are alike), best pair first: ``renamed``;
3. what is still left is ``dropped`` (year N only) or ``new`` (year N+1 only).

Each pair says how the amount changed, which indicators were added, dropped or given another
target, and whether the goals were copied word for word from last year.

>>> from graph.read.tables import parse_text
>>> from tests.test_tables import table
>>> a = parse_text(table(), 'a.txt').projects
>>> b = parse_text(table(amount='12.00', retained='12.00').replace('2024 年', '2025 年'), 'b.txt').projects
>>> [(x.status, x.amount_delta, x.goals_copied) for x in lineage([*a, *b], 2024, 2025)]
[('same', 2.0, True)]
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graph.constants import LINEAGE_MIN_SIMILARITY, LINEAGE_SORTS
from graph.errors import UsageError
from graph.i18n import message
from graph.lookup import check_place, in_place
from graph.models import Project
from graph.read.clean import indicator_key
from graph.text import text_key

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["LINEAGE_SORTS", "Link", "arrange", "lineage", "to_frame", "totals", "years_of"]

STATUSES = ("same", "renamed", "dropped", "new")


@dataclass(frozen=True)
class Link:
    """What became of one project from one year to the next."""

    status: str  # same, renamed, dropped, new
    from_year: int
    to_year: int
    from_id: str | None
    to_id: str | None
    from_name: str | None
    to_name: str | None
    department: str
    amount_from: float | None
    amount_to: float | None
    amount_delta: float | None  # 万元, to minus from; None where one side is missing
    similarity: float | None  # of the names (and texts) for renamed pairs
    indicators_added: tuple[str, ...] = ()
    indicators_dropped: tuple[str, ...] = ()
    targets_changed: tuple[str, ...] = ()
    goals_copied: bool = False  # 当年绩效目标 word for word as last year's
    region: str = ""  # projects are matched within their region only

    @property
    def amount_pct(self) -> float | None:
        """The budget's change in per cent of last year's (None where a side is missing or was 0)."""
        if self.amount_delta is None or not self.amount_from:
            return None
        return round(self.amount_delta / self.amount_from * 100, 1)

    @property
    def changed(self) -> bool:
        """Whether anything moved: not the same project, or its budget, indicators or targets."""
        moved = self.indicators_added or self.indicators_dropped or self.targets_changed
        return self.status != "same" or bool(self.amount_delta) or bool(moved)

    def to_json(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        for k in ("indicators_added", "indicators_dropped", "targets_changed"):
            d[k] = list(d[k])
        d["amount_pct"] = self.amount_pct
        return d


def arrange(links: Sequence[Link], changed: bool = False, sort: str = LINEAGE_SORTS[0]) -> list[Link]:
    """The links to show: only those that changed (``changed``), in the order ``sort`` names.

    >>> from graph.read.tables import parse_text
    >>> from tests.test_tables import table
    >>> a = parse_text(table(), 'a.txt').projects
    >>> b = parse_text(table(amount='12.00', retained='12.00').replace('2024 年', '2025 年'), 'b.txt').projects
    >>> [(x.amount_from, x.amount_to, x.amount_pct) for x in arrange(lineage([*a, *b]), changed=True, sort="pct")]
    [(10.0, 12.0, 20.0)]
    """
    if sort not in LINEAGE_SORTS:
        raise UsageError(f"sort lineage by one of {', '.join(LINEAGE_SORTS)}, not {sort!r}")
    kept = [x for x in links if x.changed] if changed else list(links)
    if sort == "change":
        kept.sort(key=lambda x: -abs(x.amount_delta or 0))
    elif sort == "pct":
        kept.sort(key=lambda x: -abs(x.amount_pct or 0))
    elif sort == "amount":
        kept.sort(key=lambda x: -(x.amount_to if x.amount_to is not None else x.amount_from or 0))
    return kept


def totals(links: Sequence[Link], lang: str = "en") -> str:
    """One line under a listing: links, and the budget of both years with its change, in ``lang``.

    >>> totals([])
    '0 links; 0.00 → 0.00 万元 (+0.00)'
    """
    a = sum(x.amount_from or 0 for x in links)
    b = sum(x.amount_to or 0 for x in links)
    pct = f", {(b - a) / a * 100:+.1f}%" if a else ""
    return message("lineage-total", lang, n=len(links), a=f"{a:,.2f}", b=f"{b:,.2f}", delta=f"{b - a:+,.2f}", pct=pct)


def years_of(projects: Sequence[Project]) -> list[int]:
    return sorted({p.year for p in projects if p.year is not None})


def _unit(p: Project) -> str:
    return p.unit_code or text_key(p.unit_name)


def _similarity(a: Project, b: Project, vectors: dict[str, Any] | None) -> float:
    names = difflib.SequenceMatcher(None, text_key(a.name), text_key(b.name)).ratio()
    texts = difflib.SequenceMatcher(None, text_key(a.goals + a.overview), text_key(b.goals + b.overview)).ratio()
    score = 0.6 * names + 0.4 * texts
    if vectors is not None and a.id in vectors and b.id in vectors:
        score = 0.5 * score + 0.5 * float(vectors[a.id] @ vectors[b.id])
    return score


def _link(status: str, a: Project | None, b: Project | None, years: tuple[int, int], sim: float | None) -> Link:
    fa = float(a.amount) if a is not None and a.amount is not None else None
    fb = float(b.amount) if b is not None and b.amount is not None else None
    added: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    copied = False
    either = b if b is not None else a
    if a is not None and b is not None:
        ia = {indicator_key(i.name): i for i in a.indicators}
        ib = {indicator_key(i.name): i for i in b.indicators}
        added = tuple(sorted(set(ib) - set(ia)))
        dropped = tuple(sorted(set(ia) - set(ib)))
        target = lambda i: (i.operator, i.target_text)  # noqa: E731
        changed = tuple(sorted(k for k in set(ia) & set(ib) if target(ia[k]) != target(ib[k])))
        copied = bool(a.goals) and text_key(a.goals) == text_key(b.goals)
    return Link(
        status, years[0], years[1], a.id if a else None, b.id if b else None, a.name if a else None,
        b.name if b else None, either.department if either is not None else "", fa, fb,
        round(fb - fa, 2) if fa is not None and fb is not None else None, sim, added, dropped, changed, copied,
        either.region if either is not None else "",
    )  # fmt: skip


def _years(projects: Sequence[Project], a: int | None, b: int | None) -> tuple[int, int]:
    """The two years compared: as given, one from the other, or the corpus's last two."""
    if a is not None and b is not None:
        return a, b
    if a is not None:
        return a, a + 1
    if b is not None:
        return b - 1, b
    years = years_of(projects)
    if len(years) < 2:
        raise UsageError(f"lineage needs two years of tables; this corpus has {years or 'no year'}")
    return years[-2], years[-1]


def lineage(
    projects: Sequence[Project],
    from_year: int | None = None,
    to_year: int | None = None,
    vectors: dict[str, Any] | None = None,
    department: str | None = None,
    region: str | None = None,
) -> list[Link]:
    """Every project of ``from_year`` and ``to_year`` (default: the last two years of the
    corpus) with what became of it, matched within its region; ``vectors`` (id → normalised
    vector) sharpens renames; ``department`` and ``region`` (any part of the name) narrow it."""
    from_year, to_year = _years(projects, from_year, to_year)
    check_place((p.region for p in projects), (), region)
    chosen = [
        p for p in projects
        if (not department or department in p.department) and in_place(p.region, p.year, region)
    ]  # fmt: skip
    links: list[Link] = []
    for place in sorted({p.region for p in chosen}):
        olds = [p for p in chosen if p.year == from_year and p.region == place]
        news = [p for p in chosen if p.year == to_year and p.region == place]
        if olds and news:  # a region with one of the two editions has nothing to follow
            links += _match(olds, news, (from_year, to_year), vectors)
    order = {s: k for k, s in enumerate(STATUSES)}
    return sorted(links, key=lambda x: (order[x.status], x.region, x.from_name or x.to_name or ""))


def _match(
    olds: list[Project], news: list[Project], years: tuple[int, int], vectors: dict[str, Any] | None
) -> list[Link]:
    """Same unit and name first; then renames by similarity, best first, one match per project."""
    links: list[Link] = []
    by_key = {(_unit(p), text_key(p.name)): p for p in news}
    left_old, taken = [], set()
    for a in olds:
        b = by_key.get((_unit(a), text_key(a.name)))
        if b is not None and b.id not in taken:
            taken.add(b.id)
            links.append(_link("same", a, b, years, None))
        else:
            left_old.append(a)
    left_new = [b for b in news if b.id not in taken]
    candidates = sorted(
        ((_similarity(a, b, vectors), i, j) for i, a in enumerate(left_old) for j, b in enumerate(left_new)
         if _unit(a) == _unit(b) or a.department == b.department),
        key=lambda t: (-t[0], t[1], t[2]),
    )  # fmt: skip
    used_old, used_new = set(), set()
    for sim, i, j in candidates:
        if sim < LINEAGE_MIN_SIMILARITY or i in used_old or j in used_new:
            continue
        used_old.add(i)
        used_new.add(j)
        links.append(_link("renamed", left_old[i], left_new[j], years, round(sim, 3)))
    links += [_link("dropped", a, None, years, None) for i, a in enumerate(left_old) if i not in used_old]
    links += [_link("new", None, b, years, None) for j, b in enumerate(left_new) if j not in used_new]
    return links


def to_frame(links: Sequence[Link]) -> pd.DataFrame:
    import pandas as pd

    lists = ("indicators_added", "indicators_dropped", "targets_changed")
    rows = [{**x.to_json(), **{k: "、".join(getattr(x, k)) for k in lists}} for x in links]
    columns = list(Link.__dataclass_fields__)
    columns.insert(columns.index("amount_delta") + 1, "amount_pct")
    return pd.DataFrame(rows, columns=columns)
