"""Which region, year and batch a document is: read from the document itself.

A 预算绩效目标表 document says where it is from in its cover title
(``重庆市北碚区 2024 年区级重点专项 （一级项目）预算绩效（草案）``), in every table heading
(``2024 年区级重点专项绩效目标表``) and in its units' names (``重庆市北碚区民政局``).  The
cover wins; failing it, the region most units are named with and the year most tables carry.
``--region`` / ``--year`` overrides (:class:`Override`) win over both, with a warning where they
contradict the document.  :func:`apply_identity` then stamps every project with the region, year and
batch, and gives it its id, ``project:<region>:<year>:<unit>:<name>``.

>>> parse_region('四川省成都市武侯区教育局')
Region(province='四川省', city='成都市', district='武侯区')
>>> parse_region('中国共产党重庆市北碚区纪律检查委员会').name
'重庆市北碚区'
>>> parse_region('重庆市人民政府办公厅').name, parse_region('某某单位')
('重庆市', None)
>>> title_identity('重庆市北碚区 2024 年区级重点专项 （一级项目）预算绩效（草案）')
(Region(province='重庆市', city='', district='北碚区'), 2024, '区级重点专项')
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace

from graph.codes import Code
from graph.errors import IndexFormatError, UsageError
from graph.ids import identified
from graph.models import Diagnostic, DocumentIdentity, ParsedDocument, Project, Region
from graph.read.places import places

__all__ = ["NO_OVERRIDE", "Override", "apply_identity", "parse_region", "read_identity", "title_identity"]

_TITLE = re.compile(r"^\s*(?P<place>\S+?)\s*(?P<year>(?:19|20)\d\d)\s*年度?\s*(?P<batch>[^（(\s]*)")
_HEADING_YEAR = re.compile(r"((?:19|20)\d\d)\s*年度?\s*(\S*?)(?:绩效目标表|预算绩效|$)")
TITLE_LINES = 40  # cover lines searched for the title


@dataclass(frozen=True)
class Override:
    """What the user says of a file that does not say it (``--region``, ``--year``)."""

    region: str | None = None
    year: int | None = None

    def __post_init__(self) -> None:
        if self.region is not None and parse_region(self.region) is None:
            raise UsageError(
                f"--region {self.region!r} is not a region name: give it as the documents write it, "
                "province first (重庆市北碚区, 四川省成都市武侯区)"
            )
        if self.year is not None and not 1949 <= self.year <= 2100:
            raise UsageError(f"--year {self.year} is not a budget year")

    @classmethod
    def recorded(cls, source: dict[str, object]) -> Override:
        """The override a build recorded for a source in its manifest (``--add`` keeps it)."""
        parts = source.get("overridden") or []
        if not isinstance(parts, list):
            raise IndexFormatError(
                f"the manifest's source {source.get('path') or source.get('file')!r} has 'overridden' "
                f"{parts!r}, not a list; rebuild the index without --add"
            )
        region, year = source.get("region"), source.get("year")
        return cls(
            str(region) if "region" in parts and region else None,
            int(str(year)) if "year" in parts and year is not None else None,
        )


NO_OVERRIDE = Override()


def parse_region(text: str) -> Region | None:
    """The first region named in ``text`` (province, then city and district where given), by the
    places the package knows (:mod:`graph.read.places`)."""
    return places().region_in(text)


def title_identity(line: str) -> tuple[Region, int, str] | None:
    """(region, year, batch) from a cover title such as ``重庆市北碚区 2024 年区级重点专项…``:
    a region, and nothing else, before the year."""
    m = _TITLE.match(line)
    region = parse_region(m.group("place")) if m else None
    if m is None or region is None or region.name != m.group("place"):
        return None
    batch = re.sub(r"(预算)?绩效.*$|预算.*$", "", m.group("batch"))
    return region, int(m.group("year")), batch


def _batch_of(headings: Iterable[str]) -> str:
    """The batch most table headings name: ``2024 年区级重点专项绩效目标表`` → 区级重点专项."""
    found: Counter[str] = Counter()
    for h in headings:
        m = _HEADING_YEAR.search(h)
        words = (m.group(2) if m else h.split("绩效目标表")[0]).strip("（）() ")
        if words:
            found[words] += 1
    return found.most_common(1)[0][0] if found else ""


def read_identity(doc: ParsedDocument) -> DocumentIdentity:
    """What the document says it is: the cover title first, then its units' names and its tables'
    years; ``evidence`` says where each part was read."""
    for line in doc.preamble.splitlines()[:TITLE_LINES]:
        found = title_identity(line)
        if found and found[0].district:
            batch = found[2] or _batch_of(p.title for p in doc.projects)
            return DocumentIdentity(found[0], found[1], batch, (f"cover title: {line.strip()}",))
    evidence = []
    named = Counter(r for p in doc.projects if (r := _unit_region(p)) is not None)
    region: Region | None = None
    if named:
        most, n = named.most_common(1)[0]
        if n * 2 > len(doc.projects):
            region = most
            evidence.append(f"unit names: {most.name} in {n} of {len(doc.projects)} tables")
    years = Counter(p.year for p in doc.projects if p.year is not None)
    year: int | None = years.most_common(1)[0][0] if years else None
    if year is not None:
        evidence.append(f"table headings: {year} in {years[year]} of {len(doc.projects)} tables")
    return DocumentIdentity(region, year, _batch_of(p.title for p in doc.projects), tuple(evidence))


def _unit_region(p: Project) -> Region | None:
    """The region in a project's unit or department name, the most specific of the two."""
    found = [r for r in (parse_region(p.unit_name), parse_region(p.department)) if r is not None]
    return max(found, key=lambda r: (bool(r.district), bool(r.city))) if found else None


def apply_identity(doc: ParsedDocument, override: Override = NO_OVERRIDE) -> ParsedDocument:
    """The document with every project stamped with region, year and batch, and its id made from
    them; a warning where the document does not say its region, or an override contradicts it."""
    said = read_identity(doc)
    diags = list(doc.diagnostics)
    region = said.region
    if override.region is not None:
        given = parse_region(override.region)
        if region is not None and given != region:
            diags.append(_warn(doc, f"the document says {region.name} ({'; '.join(said.evidence)}); "
                                    f"--region {override.region} used"))  # fmt: skip
        region = given
    elif region is None:
        diags.append(
            Diagnostic(
                "warning", Code.NO_REGION,
                "no region (province / city / district) in the cover title or the units' names; "
                "give it with --region (e.g. --region 重庆市北碚区)", doc.path,
            )
        )  # fmt: skip
    year = override.year if override.year is not None else said.year
    if override.year is not None and said.year is not None and said.year != override.year:
        diags.append(_warn(doc, f"the document says {said.year}; --year {override.year} used"))
    told = tuple(part for part, value in (("region", override.region), ("year", override.year)) if value is not None)
    identity = DocumentIdentity(region, year, said.batch, said.evidence, told)
    projects = _unique([_stamp(p, identity, override.year is not None) for p in doc.projects], diags)
    return replace(doc, projects=tuple(projects), diagnostics=tuple(diags), identity=identity)


def _unique(projects: list[Project], diags: list[Diagnostic]) -> list[Project]:
    """Two tables of one document with one id (the same unit and name, or the same once the year
    is filled in): the second gets ``#2`` and a warning, so no project hides another."""
    seen: Counter[str] = Counter()
    out = []
    for p in projects:
        seen[p.id] += 1
        if seen[p.id] > 1:
            new_id = f"{p.id}#{seen[p.id]}"
            diags.append(Diagnostic("warning", Code.DUPLICATE_ID, f"a second table with id {p.id}; named {new_id}",
                                    p.span.file, p.span.line))  # fmt: skip
            p = replace(p, id=new_id)
        out.append(p)
    return out


def _warn(doc: ParsedDocument, message: str) -> Diagnostic:
    return Diagnostic("warning", Code.IDENTITY_OVERRIDE, message, doc.path)


def _stamp(p: Project, identity: DocumentIdentity, year_given: bool) -> Project:
    year = identity.year if (year_given or p.year is None) else p.year
    region = identity.region.name if identity.region else ""
    return identified(replace(p, year=year, region=region, batch=identity.batch))
