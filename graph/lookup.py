"""Find one thing by a name a person typed: an id, the exact name, or a unique part of it.

Used wherever a project, document or department is named loosely (the graph queries, search,
duplicates); the message of a failed lookup says what matched, so the user can be more specific.

>>> names = {'p1': '森林防火经费', 'p2': '森林督查', 'p3': '照明设施电费'}
>>> find_one(names, 'p3', 'project'), find_one(names, '照明', 'project')
('p3', 'p3')
>>> find_one(names, '森林', 'project')
Traceback (most recent call last):
...
graph.errors.LookupFailed: 2 projects match '森林': 森林防火经费, 森林督查; be more specific or give the id
>>> find_one({'project:a:2024:1:x': 'x', 'project:b:2024:1:x': 'x'}, 'x', 'project')
Traceback (most recent call last):
...
graph.errors.LookupFailed: 2 projects match 'x': project:a:2024:1:x, project:b:2024:1:x; be more specific or give the id
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from graph.errors import LookupFailed
from graph.i18n import refusal
from graph.text import squash

__all__ = ["SHOWN_MATCHES", "check_place", "check_scope", "find_one", "in_place", "one_of"]

SHOWN_MATCHES = 8  # an ambiguous name lists this many of its matches


def one_of(candidates: list[str], labels: Mapping[str, str], text: str, what: str) -> str:
    """The single candidate, or :class:`LookupFailed` saying none or which several matched."""
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise refusal(LookupFailed, "lookup-none", what=what, text=repr(text))
    named = Counter(labels.get(c, c) for c in candidates)
    # the same name in several documents (years, districts): the ids tell them apart
    shown = ", ".join(c if named[labels.get(c, c)] > 1 else labels.get(c, c) for c in candidates[:SHOWN_MATCHES])
    more = " …" if len(candidates) > SHOWN_MATCHES else ""
    raise refusal(LookupFailed, "lookup-many", n=len(candidates), what=what, text=repr(text), shown=shown, more=more)


def find_one(names: Mapping[str, str], text: str, what: str, variants: Iterable[str] = ()) -> str:
    """The id in ``names`` (id → name) that ``text`` names: the id itself, the exact name, or
    the only name containing it (spaces ignored); else the only name containing the first of
    ``variants`` (other ways of writing it, :func:`graph.read.aliases.name_variants`) that any name
    contains.  When nothing matches, the nearest names are suggested.

    >>> find_one({'d1': '重庆市北碚区城市管理局'}, '城管局', 'department', ['城市管理局'])
    'd1'
    >>> find_one({'d1': '重庆市北碚区城市管理局', 'd2': '重庆市北碚区民政局'}, '城市管局', 'department')
    Traceback (most recent call last):
    ...
    graph.errors.LookupFailed: no department matches '城市管局'; did you mean 重庆市北碚区城市管理局? (give its id ...
    """
    if text in names:
        return text
    exact = [i for i, n in names.items() if n == text]
    if exact:
        return one_of(exact, names, text, what)
    squashed = {i: squash(n) for i, n in names.items()}
    for needle in dict.fromkeys([squash(text), *variants]):
        found = [i for i, n in squashed.items() if needle and needle in n]
        if found:
            return one_of(found, names, text, what)
    near = nearest(names.values(), text)
    if near:
        raise refusal(LookupFailed, "lookup-near", what=what, text=repr(text), near="、".join(near))
    return one_of([], names, text, what)


NEAREST = 3  # names suggested when nothing matches
NEAREST_RATIO = 0.4  # how alike (difflib ratio, on the names without spaces) a suggestion must be


def nearest(names: Iterable[str], text: str) -> list[str]:
    """The names most like ``text`` (at most :data:`NEAREST`), most alike first.

    >>> nearest(['重庆市北碚区城市管理局', '重庆市北碚区民政局', '重庆市北碚区林业局'], '城管局')
    ['重庆市北碚区城市管理局']
    """
    import difflib

    want = squash(text)
    scored = sorted(
        ((difflib.SequenceMatcher(None, want, squash(n)).ratio(), n) for n in set(names)), key=lambda x: (-x[0], x[1])
    )
    return [n for r, n in scored[:NEAREST] if r >= NEAREST_RATIO]


def in_place(region_of: str, year_of: int | None, region: str | None = None, year: int | None = None) -> bool:
    """Whether a project of ``region_of`` and ``year_of`` is among those asked for: ``region`` is
    any part of the region's name (北碚, 重庆市), ``year`` the budget year; None asks nothing.

    >>> in_place('重庆市北碚区', 2024, '北碚'), in_place('重庆市北碚区', 2024, year=2025), in_place('', None)
    (True, False, True)
    """
    return (not region or region in region_of) and (year is None or year_of == year)


def check_place(
    regions: Iterable[str], years: Iterable[int | None], region: str | None = None, year: int | None = None
) -> None:
    """:class:`LookupFailed` when ``region`` or ``year`` names nothing the corpus holds, with what
    it does hold: an empty result would not say that the filter was mistyped.

    >>> check_place(['重庆市北碚区'], [2024], '江北')
    Traceback (most recent call last):
    ...
    graph.errors.LookupFailed: no project's region contains '江北'; the index holds 重庆市北碚区
    """
    if region:
        have = sorted(set(regions))
        if not any(region in r for r in have):
            held = ", ".join(r or "(no region)" for r in have)
            raise refusal(LookupFailed, "region-none", region=repr(region), held=held)
    if year is not None:
        held_years = sorted({y for y in years if y is not None})
        if year not in held_years:
            raise refusal(LookupFailed, "year-none", year=year, held=", ".join(map(str, held_years)) or "—")


def check_scope(regions: Iterable[str], scope: str | None) -> None:
    """:class:`LookupFailed` for ``across`` (other regions) in a corpus of one region."""
    if scope == "across":
        have = set(regions)
        if len(have) < 2:
            only = next(iter(have), "") or "(no region)"
            raise refusal(LookupFailed, "scope-across", only=only)
