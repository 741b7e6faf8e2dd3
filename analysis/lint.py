"""Quality checks on the tables themselves: indicators, budgets, texts and citations.

Each rule is a small function that yields :class:`Finding` records with a rule id, a severity,
the values involved and the source file:line.  :data:`RULES` lists them with a one-line
description; ``python search.py lint --rules`` prints it.

>>> from graph.read.tables import parse_text
>>> doc = parse_text(_EXAMPLE, "x.txt")
>>> sorted({f.rule for f in lint(doc.projects, doc.diagnostics)})
['cost-lower-bound', 'no-satisfaction-indicator', 'unit-mismatch', 'weights-sum']
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import operator
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from analysis.lineage import lineage, years_of
from analysis.lint_store import FINDINGS_ORDER, Wanted, keep_findings, stored_findings
from graph.codes import READER_RULES, Rule
from graph.constants import COPIED_OTHERS_NAMED, COPIED_TEXT_MIN_CHARS, FAIL_STATUS, QUALITATIVE_WEIGHT_SHARE
from graph.errors import UsageError
from graph.i18n import refusal
from graph.ids import finding_key
from graph.lookup import check_place, in_place
from graph.models import Diagnostic, Indicator, ParsedDocument, Project, place_of
from graph.read.citations import find_numbers
from graph.read.clean import indicator_key
from graph.read.places import places
from graph.read.spec import builtin_layouts
from graph.store import Index, load_index, load_records
from graph.text import squash, text_key
from graph.vocabulary import LEAST_SEVERITY, SEVERITIES, Severity

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "RULES",
    "SEVERITIES",
    "Finding",
    "LintView",
    "documents_findings",
    "exit_status",
    "fails",
    "in_places",
    "lint",
    "lint_index",
    "select",
    "summary",
    "to_frame",
    "write_findings",
]


@dataclass(frozen=True)
class Finding:
    """One problem in one project's table."""

    rule: str
    severity: Severity
    project_id: str
    project: str
    message: str
    values: tuple[tuple[str, Any], ...]
    file: str
    line: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "rule", str(self.rule))  # a graph.codes.Rule is kept as its text

    @property
    def where(self) -> str:
        return place_of(self.file, self.line)

    @property
    def review_key(self) -> str:
        """The key a review decision on this finding is kept under (stable across rebuilds)."""
        return finding_key(self.rule, self.project_id, dict(self.values))


# The severity of each rule; its reason is the rule's own (graph.codes.Rule.describe).
_SEVERITY: dict[Rule, Severity] = {
    **dict.fromkeys((Rule.WEIGHTS_SUM, Rule.BUDGET_SPLIT, Rule.MISSING_FIELD, Rule.MISSING_AMOUNT), "error"),
    **dict.fromkeys((Rule.MISSING_UNIT, Rule.CITATION_FORMAT, Rule.TITLE_ONLY_CITATION, Rule.SOURCE_DEFECT), "info"),
}
RULES: dict[str, tuple[Severity, str]] = {r: (_SEVERITY.get(r, "warning"), r.describe()) for r in Rule}

# Each check is registered with the rules it reports (a rule has one owner: a check here, or the
# reader, whose diagnostics lint files under graph.codes.READER_RULES).
# Checks of one project at a time (``each=True``) are run by :func:`lint` for every project, in the
# order they are defined; the checks across projects take what else they need and are called by name.
ProjectCheck = Callable[[Project], Iterable["Finding"]]
CHECKS: dict[Callable[..., Iterable[Finding]], tuple[Rule, ...]] = {}
SINGLE_RULES: list[ProjectCheck] = []


def _check(
    *rules: Rule, each: bool = False
) -> Callable[[Callable[..., Iterator[Finding]]], Callable[..., Iterator[Finding]]]:
    def register(fn: Callable[..., Iterator[Finding]]) -> Callable[..., Iterator[Finding]]:
        CHECKS[fn] = rules
        if each:
            SINGLE_RULES.append(fn)
        return fn

    return register


_LEVEL1 = ("产出指标", "效益指标", "满意度指标", "成本指标")
_RATIO_WORDS = ("率", "比例", "占比", "比重", "百分比")
_COST_WORDS = ("成本", "费用", "资金投入", "经费", "支出")
_COUNT_WORDS = ("户数", "人数", "次数", "个数", "数量", "件数", "场次", "人次")
_AREA_UNITS = ("平方米", "平方公里", "亩", "公顷", "平米", "㎡", "m2", "km2")
_COUNT_UNITS = {"个", "次", "人", "人次", "户", "件", "场", "场次", "家", "项", "批次", "条", "份", "名", "台", "座"}


def _f(rule: str, p: Project | _Who, message: str, line: int | None = None, **values: Any) -> Finding:
    """A finding of ``rule`` on ``p``, at its first line unless ``line`` is given."""
    who = p if isinstance(p, _Who) else _Who.of(p)
    return Finding(rule, RULES[rule][0], who.id, who.name, message, tuple(values.items()), who.file, line or who.line)


def _is_ratio(ind: Indicator) -> bool:
    return ind.measure_unit in ("%", "‰") or any(w in ind.name for w in _RATIO_WORDS)


# --- rules on one project --------------------------------------------------------------------


# What a layout's tables do not carry is not a defect of the table: its description says what
# (graph/read/data/layouts, not_carried); rules here name weights and core flags by their labels.
_LABEL = {"weights": "指标权重", "core": "是否核心指标"}


def _carries(p: Project, what: str) -> bool:
    spec = builtin_layouts().get(p.layout)
    return spec is None or _LABEL.get(what, what) not in spec.not_carried


@_check(Rule.MISSING_FIELD, each=True)
def check_fields(p: Project) -> Iterator[Finding]:
    empty = [
        label
        for label, text in (("项目概述", p.overview), ("立项依据", "".join(p.basis)), ("当年绩效目标", p.goals))
        if not text and _carries(p, label)
    ]
    if not p.indicators:
        empty.append("绩效指标")
    if empty:
        yield _f(Rule.MISSING_FIELD, p, f"empty: {'、'.join(empty)}", fields=empty)


@_check(
    Rule.COST_LOWER_BOUND,
    Rule.UNIT_MISMATCH,
    Rule.QUALITATIVE_WITH_NUMBER,
    Rule.QUANTITATIVE_WITHOUT_NUMBER,
    Rule.PERCENT_OUT_OF_RANGE,
    Rule.MISSING_UNIT,
    Rule.BAD_WEIGHT,
    Rule.UNKNOWN_LEVEL1,
    each=True,
)
def check_indicators(p: Project) -> Iterator[Finding]:
    for i in p.indicators:
        line = i.span.line
        is_cost = "成本" in i.level1 or "成本" in i.level2 or any(w in i.name for w in _COST_WORDS)
        if is_cost and not _is_ratio(i) and i.operator in ("≥", ">") and "时间" not in i.name:
            yield _f(
                Rule.COST_LOWER_BOUND,
                p,
                f"{i.name} {i.operator} {i.target_text} {i.measure_unit}: a cost bounded from below; "
                "an upper bound (≤) is meant",
                line,
                indicator=i.name,
                operator=i.operator,
                target=i.target_text,
                measure_unit=i.measure_unit,
            )
        problem = _unit_problem(i)
        if problem:
            yield _f(
                Rule.UNIT_MISMATCH,
                p,
                f"{i.name} measured in {i.measure_unit!r}: {problem}",
                line,
                indicator=i.name,
                measure_unit=i.measure_unit,
            )
        if i.operator == "定性" and i.target is not None:
            yield _f(
                Rule.QUALITATIVE_WITH_NUMBER,
                p,
                f"{i.name}: 定性 with the number {i.target_text}",
                line,
                indicator=i.name,
                target=i.target_text,
            )
        if i.operator not in (None, "定性") and i.target is None:
            yield _f(
                Rule.QUANTITATIVE_WITHOUT_NUMBER,
                p,
                f"{i.name}: {i.operator} with {i.target_text or 'no target'!r}",
                line,
                indicator=i.name,
                operator=i.operator,
                target=i.target_text,
            )
        if i.operator not in (None, "定性") and not i.measure_unit:
            yield _f(
                Rule.MISSING_UNIT, p, f"{i.name}: {i.operator} {i.target_text} with no 计量单位", line, indicator=i.name
            )
        if i.measure_unit == "%" and i.target is not None and not 0 <= i.target <= 100:
            yield _f(
                Rule.PERCENT_OUT_OF_RANGE,
                p,
                f"{i.name}: {i.target_text}% is outside 0–100",
                line,
                indicator=i.name,
                target=i.target,
            )
        if (i.weight is None or i.weight <= 0) and _carries(p, "weights"):
            yield _f(Rule.BAD_WEIGHT, p, f"{i.name}: weight {i.weight}", line, indicator=i.name, weight=i.weight)
        if i.level1 not in _LEVEL1:
            said = f"{i.name}: 一级指标 {i.level1!r}"
            yield _f(Rule.UNKNOWN_LEVEL1, p, said, line, indicator=i.name, level1=i.level1)


def _unit_problem(i: Indicator) -> str | None:
    unit, name = i.measure_unit, i.name
    if not unit:
        return None
    if any(w in name for w in _RATIO_WORDS):
        return "a rate or share needs % (or ‰), not a count" if unit in _COUNT_UNITS else None
    if "面积" in name and ("元" in unit or not any(u in unit for u in _AREA_UNITS)):
        return "an area needs an area unit (平方米, 亩, 公顷), not a price or a count"
    if unit in ("%", "‰") and any(w in name for w in _COUNT_WORDS):
        return "a count cannot be a percentage"
    return None


@_check(
    Rule.NO_CORE_INDICATOR,
    Rule.NO_SATISFACTION_INDICATOR,
    Rule.NO_OUTPUT_OR_EFFECT,
    Rule.DUPLICATE_INDICATOR,
    each=True,
)
def check_structure(p: Project) -> Iterator[Finding]:
    if not p.indicators:
        return
    if not any(i.core for i in p.indicators) and _carries(p, "core"):
        unknown = sum(1 for i in p.indicators if i.core is None)
        note = f" ({unknown} rows have no 是否核心指标 cell)" if unknown else ""
        yield _f(Rule.NO_CORE_INDICATOR, p, f"none of {len(p.indicators)} indicators is core{note}")
    if not any(i.level1.startswith("满意度") or "满意" in i.name for i in p.indicators):
        yield _f(Rule.NO_SATISFACTION_INDICATOR, p, "no 满意度指标 among the indicators")
    levels = {i.level1 for i in p.indicators}
    missing = [lv for lv in ("产出指标", "效益指标") if lv not in levels]
    if missing:
        yield _f(Rule.NO_OUTPUT_OR_EFFECT, p, f"no {'、'.join(missing)}", missing=missing)
    seen: dict[str, Indicator] = {}
    for i in p.indicators:
        k = indicator_key(i.name)
        if k in seen:
            yield _f(
                Rule.DUPLICATE_INDICATOR,
                p,
                f"{i.name} appears twice (lines {seen[k].span.line} and {i.span.line})",
                i.span.line,
                indicator=i.name,
                lines=[seen[k].span.line, i.span.line],
            )
        else:
            seen[k] = i


@functools.cache
def _words() -> dict[str, Any]:
    """analysis/data/lint_words.toml: the words some rules read (data, not code)."""
    import tomllib

    return tomllib.loads((Path(__file__).parent / "data" / "lint_words.toml").read_text(encoding="utf-8"))


@functools.cache
def _vague() -> re.Pattern[str]:
    w = _words()["vague_target"]
    alone, mods, dirs = ("|".join(map(re.escape, w[k])) for k in ("alone", "modifiers", "directions"))
    return re.compile(rf"(?:{alone}|(?:{mods})*(?:{dirs}))")


def _is_satisfaction(i: Indicator) -> bool:
    return i.level1.startswith("满意度") or any(w in i.name for w in _words()["satisfaction"]["words"])


@_check(Rule.VAGUE_TARGET, Rule.QUALITATIVE_HEAVY, Rule.SATISFACTION_ONLY_EFFECT, each=True)
def check_targets(p: Project) -> Iterator[Finding]:
    """Targets a reviewer cannot check: vague 定性 values, weight mostly on 定性 indicators, effects
    measured by satisfaction alone."""
    for i in p.indicators:
        if i.operator == "定性" and _vague().fullmatch(squash(i.target_text)):
            yield _f(
                Rule.VAGUE_TARGET,
                p,
                f"{i.name}: 定性 target {i.target_text!r} states no level to check at year end",
                i.span.line,
                indicator=i.name,
                target=i.target_text,
            )
    weighted = [i for i in p.indicators if i.weight is not None]
    total = sum(i.weight for i in weighted if i.weight is not None)
    qualitative = sum(i.weight for i in weighted if i.operator == "定性" and i.weight is not None)
    if total > 0 and qualitative / total > QUALITATIVE_WEIGHT_SHARE:
        yield _f(
            Rule.QUALITATIVE_HEAVY,
            p,
            f"{qualitative:g} of {total:g} weight points on 定性 indicators ({qualitative / total:.0%})",
            qualitative=qualitative,
            total=total,
        )
    effects = [i for i in p.indicators if i.level1.startswith("效益")]
    if effects and all(_is_satisfaction(i) for i in effects):
        names = "、".join(i.name for i in effects)
        yield _f(Rule.SATISFACTION_ONLY_EFFECT, p, f"the only 效益 indicators are of satisfaction: {names}")


@_check(Rule.GOALS_EQUAL_OVERVIEW, each=True)
def check_goals_vs_overview(p: Project) -> Iterator[Finding]:
    if p.goals and text_key(p.goals) == text_key(p.overview):
        yield _f(Rule.GOALS_EQUAL_OVERVIEW, p, "当年绩效目标 repeats 项目概述 word for word")


_NUMBER_FORMS = (
    (re.compile(r"[\[【（(［]"), "brackets should be 〔〕"),
    (re.compile(r"[〔\[【（(［]\s*\d{2}\s*[〕\]】）)］]"), "the year should have four digits"),
    (re.compile(r"[〕\]】）)］]\s*(?:字\s*)?第"), "no 第 before the serial"),
    (re.compile(r"[〕\]】）)］]\s*[A-Za-z]?0\d"), "no leading zero in the serial"),
)


@_check(Rule.CITATION_FORMAT, Rule.TITLE_ONLY_CITATION, each=True)
def check_citations(p: Project) -> Iterator[Finding]:
    for c in p.citations:
        if c.number is not None and c.number.kind == "number":
            raw = c.number.raw
            problems = [why for pat, why in _NUMBER_FORMS if pat.search(raw)]
            if not squash(raw).endswith("号"):
                problems.append("should end with 号")
            if problems:
                yield _f(
                    Rule.CITATION_FORMAT,
                    p,
                    f"{raw!r} ({c.field}): {'; '.join(problems)}; canonical {c.number.canonical}",
                    c.span.line,
                    raw=raw,
                    canonical=c.number.canonical,
                )
        elif c.number is None and c.field == "立项依据" and c.title:
            inner = squash(c.title).strip("《》")
            if inner.endswith(("通知", "意见", "批复", "决定", "函")):
                yield _f(
                    Rule.TITLE_ONLY_CITATION,
                    p,
                    f"{c.title} is cited without its document number",
                    c.span.line,
                    title=c.title,
                )


# --- rules across projects -------------------------------------------------------------------
# They walk the corpus as its documents' projects (:data:`Parts`), which a spilled document reads
# back from disk on each walk, and keep of each project only what a finding names of it (:class:`_Who`),
# so linting 10^6 projects holds no project but the one in hand (and one region's, to follow it
# across years).

Parts = Sequence[Sequence[Project]]
"""The corpus as lint walks it: the projects of each document, in order."""


class _Who(NamedTuple):
    """What a finding names of a project, kept in its place by the checks across projects."""

    id: str
    name: str
    file: str
    line: int
    end_line: int

    @classmethod
    def of(cls, p: Project) -> _Who:
        return cls(p.id, p.name, p.span.file, p.span.line, p.span.end_line)


def _digest(key: str) -> bytes:
    """A text key as 16 bytes: what copies are grouped by (a text of any length costs the same)."""
    return hashlib.blake2b(key.encode(), digest_size=16).digest()


class _CopiedTexts:
    """Goals and overviews grouped by their text key (:func:`check_copied_text`), one project at a time."""

    def __init__(self) -> None:
        self.owners: dict[bytes, list[tuple[_Who, str]]] = defaultdict(list)

    def add(self, p: Project, who: _Who) -> None:
        for label, text in (("当年绩效目标", p.goals), ("项目概述", p.overview)):
            key = text_key(text)
            if len(key) >= COPIED_TEXT_MIN_CHARS:
                self.owners[_digest(key)].append((who, label))

    def findings(self) -> Iterator[Finding]:
        for group in self.owners.values():
            ids = Counter(w.id for w, _ in group)
            if len(ids) < 2:
                continue
            for p, label in group:
                # a finding's size must not grow with the corpus: a few others named, the rest counted
                named = list(itertools.islice(((o, ol) for o, ol in group if o.id != p.id), COPIED_OTHERS_NAMED))
                left = len(group) - ids[p.id] - len(named)
                more = {"more": left} if left else {}
                yield _f(
                    Rule.COPIED_TEXT,
                    p,
                    f"{label} is identical to that of {'、'.join(f'{o.name}（{ol}）' for o, ol in named)}"
                    + (f" and {left} more" if more else ""),
                    field=label,
                    others=[o.id for o, _ in named],
                    **more,
                )


@_check(Rule.COPIED_TEXT)
def check_copied_text(projects: Iterable[Project]) -> Iterator[Finding]:
    """Goals or overview identical (after normalising spaces and punctuation) to another project's."""
    copies = _CopiedTexts()
    for p in projects:
        copies.add(p, _Who.of(p))
    yield from copies.findings()


@functools.cache
def _body_prefix() -> re.Pattern[str]:
    """Party and place words before a body's core name (中国共产党重庆市北碚区…), from the place data."""
    P = places()
    province = "|".join(map(re.escape, P.provinces))
    party = "|".join(map(re.escape, P.organisations["body_prefixes"][:2]))
    county = "|".join([*map(re.escape, P.county_names()), *P.organisations["local_district"]])
    return re.compile(rf"^(?:{province}|{party})?(?:{province})?(?:{county})?(?:委员会)?")


_BODY_SUFFIX = re.compile(r"(?:合作社|联合会|委员会|管理局|事务局|事务中心|中心|办公室|局|委|社|办|会|部)$")


def _body_cores(name: str) -> set[str]:
    """Short cores by which a body is mentioned: 重庆市北碚区供销合作社 → 供销."""
    s = squash(name)
    cores = set()
    for part in re.split(r"[、（）()]", s):
        core = _BODY_SUFFIX.sub("", _body_prefix().sub("", part))
        core = core.removesuffix("和")
        if len(core) >= 2:
            cores.add(core)
    return cores


_ORG_AFTER = "(?:公司|合作社|社|管理局|局|部门|部|委员会|委|办公室|办|中心|站|所|单位|机构)"


def _without_citations(text: str) -> str:
    """The text less its 《titles》 and document numbers (an issuer's name is not a body at work)."""
    text = re.sub(r"《[^》]*》", "", text)
    for start, end, _ in sorted(find_numbers(text), reverse=True):
        text = text[:start] + text[end:]
    return text


@_check(Rule.FOREIGN_BODY_GOALS)
def check_foreign_body_goals(projects: Sequence[Project], short_names: Iterable[str] = ()) -> Iterator[Finding]:
    """Goals that name another body (供销公司) which the project's name and overview never mention.

    A body is a department of the corpus (or a short name from the contents, 区供销社), found by
    its core name followed by an organisation word: 供销 + 公司, 民政 + 局/部门.
    """
    bodies = _Bodies(short_names)
    for p in projects:
        bodies.add(p.department)
    for p in projects:
        yield from bodies.foreign(p)


class _Bodies:
    """The bodies of a corpus by their core names (:func:`check_foreign_body_goals`): its departments,
    added one at a time, and the short names of its contents."""

    def __init__(self, short_names: Iterable[str] = ()) -> None:
        self.short_names = list(short_names)
        self.by_dept: dict[str, set[str]] = {}

    def add(self, department: str) -> None:
        if department not in self.by_dept:
            self.by_dept[department] = _body_cores(department)
            self.__dict__.pop("cores", None)  # a department added after a first look is seen by the next
            self.__dict__.pop("lengths", None)

    @functools.cached_property
    def cores(self) -> dict[str, str]:
        """core → the body it names (asked once every department is added)."""
        cores: dict[str, str] = {c: d for d, cs in self.by_dept.items() for c in sorted(cs)}
        for name in self.short_names:
            for c in _body_cores(name):
                cores.setdefault(c, name)
        return cores

    @functools.cached_property
    def lengths(self) -> list[int]:
        return sorted({len(c) for c in self.cores}, reverse=True)

    def foreign(self, p: Project) -> Iterator[Finding]:
        goals = squash(_without_citations(p.goals))
        found = _bodies_in(goals, self.cores, self.lengths)
        if not found:
            return
        own = self.by_dept.get(p.department, set()) | _body_cores(p.unit_name)
        context = squash(p.overview + p.name)
        for core, body in self.cores.items():
            if core not in found or core in own or any(core in o or o in core for o in own) or core in context:
                continue
            start, end = found[core]
            snippet = goals[max(0, start - 8) : end + 8]
            yield _f(
                Rule.FOREIGN_BODY_GOALS,
                p,
                f"goals speak of {goals[start:end]!r} (…{snippet}…), the field of {body}, "
                "which the name and overview never mention",
                body=goals[start:end],
                department=body,
            )


_ORG = re.compile(_ORG_AFTER)


def _bodies_in(goals: str, cores: Mapping[str, str], lengths: Sequence[int]) -> dict[str, tuple[int, int]]:
    """Where each core first stands before an organisation word in ``goals`` (start of the core, end
    of the word): one pass over the text, whatever the number of cores (a province has thousands)."""
    found: dict[str, tuple[int, int]] = {}
    for at in range(1, len(goals)):
        m = _ORG.match(goals, at)
        if m is None:
            continue
        for n in lengths:
            core = goals[at - n : at] if n <= at else ""
            if core in cores and core not in found:
                found[core] = (at - n, m.end())
    return found


@_check(Rule.GOALS_COPIED_BUDGET_CHANGED)
def check_copied_from_last_year(projects: Sequence[Project]) -> Iterator[Finding]:
    """Goals that repeat last year's word for word although the money did not stay the same."""
    yield from _copied_from_last_year(projects, years_of(projects))


def _copied_from_last_year(projects: Sequence[Project], years: Sequence[int]) -> Iterator[Finding]:
    """:func:`check_copied_from_last_year` of ``projects`` (one region's, or any), between each two
    of the corpus's ``years`` in turn."""
    by_id = {p.id: p for p in projects}
    for a, b in itertools.pairwise(years):
        for link in lineage(projects, a, b):
            if link.goals_copied and link.amount_delta and link.to_id:
                p = by_id[link.to_id]
                yield _f(
                    Rule.GOALS_COPIED_BUDGET_CHANGED,
                    p,
                    f"当年绩效目标 as in {a} ({link.from_name}) word for word, while the budget moved by "
                    f"{link.amount_delta:+,.2f} 万元 ({link.amount_from:,.2f} → {link.amount_to:,.2f})",
                    last_year=link.from_id,
                    amount_delta=link.amount_delta,
                )


@_check(*dict.fromkeys(READER_RULES.values()), Rule.SOURCE_DEFECT)
def _diagnostic_findings(projects: Iterable[Project], diagnostics: Iterable[Diagnostic]) -> Iterator[Finding]:
    """The reader's diagnostics, each filed under its project (or its file) and its rule."""
    yield from _filed(map(_Who.of, projects), diagnostics)


def _filed(whos: Iterable[_Who], diagnostics: Iterable[Diagnostic]) -> Iterator[Finding]:
    """:func:`_diagnostic_findings`, with what a finding names of each project given."""
    by_file: dict[str, list[_Who]] = defaultdict(list)
    for who in whos:
        by_file[who.file].append(who)
    for d in diagnostics:
        if d.line is None:
            continue
        owner = next((p for p in by_file.get(d.file, ()) if p.line <= d.line <= p.end_line), None)
        rule = READER_RULES.get(d.code, Rule.SOURCE_DEFECT)
        if owner is None:
            # A contents entry with no table belongs to no project: reported against the file.
            yield Finding(rule, RULES[rule][0], "", "", f"[{d.code}] {d.message}", (("code", d.code),), d.file, d.line)
        else:
            yield _f(rule, owner, f"[{d.code}] {d.message}", d.line, code=d.code)


Place = tuple[str, str, str, "int | None"]
"""(file, project id, region, year) of a project: what a region or year filter reads (:func:`in_places`)."""


class _Walk:
    """Every rule over a corpus given as :data:`Parts`, walked three times (a region's projects are
    read again to follow them across years), in :func:`lint`'s order but for the final sort."""

    def __init__(self, parts: Parts, diagnostics: Iterable[Diagnostic], short_names: Iterable[str]) -> None:
        self.parts, self.diagnostics = parts, diagnostics
        self.bodies = _Bodies(short_names)
        self.places: list[Place] = []
        self._regions: dict[str, tuple[list[int], set[int]]] = {}  # region → (its parts, its years)

    def findings(self) -> Iterator[Finding]:
        """Every finding, unsorted: the rules on one project and what the others need, project by
        project; then the rules across projects."""
        copies, whos = _CopiedTexts(), []
        for k, part in enumerate(self.parts):
            for p in part:
                for rule in SINGLE_RULES:
                    yield from rule(p)
                who = _Who.of(p)
                copies.add(p, who)
                whos.append(who)
                self.bodies.add(p.department)
                self._add_place(k, p)
        yield from copies.findings()
        del copies
        for part in self.parts:
            for p in part:
                yield from self.bodies.foreign(p)
        years = sorted({y for _, ys in self._regions.values() for y in ys})
        for region in self._regions:
            yield from _copied_from_last_year(self._region(region, years), years)
        yield from _filed(whos, self.diagnostics)

    def _add_place(self, k: int, p: Project) -> None:
        self.places.append(_place(p))
        parts, years = self._regions.setdefault(p.region, ([], set()))
        if not parts or parts[-1] != k:
            parts.append(k)
        if p.year is not None:
            years.add(p.year)

    def _region(self, region: str, years: Sequence[int]) -> list[Project]:
        """The projects of ``region``, read from its parts; none where it has no two years in a row
        of the corpus's ``years`` (it has nothing to follow)."""
        parts, own = self._regions[region]
        if not any(a in own and b in own for a, b in itertools.pairwise(years)):
            return []
        return [p for k in parts for p in self.parts[k] if p.region == region]


def _sorted(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in lint's order, ties in the order found (the order :data:`FINDINGS_ORDER` names)."""
    return sorted(findings, key=operator.attrgetter(*FINDINGS_ORDER))


def lint(
    projects: Sequence[Project], diagnostics: Sequence[Diagnostic] = (), short_names: Iterable[str] = ()
) -> list[Finding]:
    """Run every rule; findings sorted by file, line and rule."""
    parts = [list(run) for _, run in itertools.groupby(projects, key=operator.attrgetter("region"))]
    return _sorted(_Walk(parts, diagnostics, short_names).findings())


def _documents_walk(docs: Sequence[ParsedDocument]) -> _Walk:
    diagnostics = (g for d in docs for g in d.diagnostics)
    short_names = [e.department_short for d in docs for e in d.toc if e.department_short]
    return _Walk([d.projects for d in docs], diagnostics, short_names)


def documents_findings(docs: Sequence[ParsedDocument]) -> list[Finding]:
    """:func:`lint` of parsed documents: what :func:`lint_index` gives on the index written from them."""
    return _sorted(_documents_walk(docs).findings())


def write_findings(index_dir: str | Path, docs: Sequence[ParsedDocument]) -> Path:
    """Lint ``docs`` (what the index at ``index_dir`` was just written from) and keep the findings
    with it (:mod:`analysis.lint_store`; ``build(..., parts=(write_findings,))``); returns the
    folder.  They are the findings :func:`lint_index` gives on the records.  Walked from the
    documents (a spilled one read from disk) and sorted by SQLite, so 10^6 projects are linted
    without holding them or their findings."""
    walk = _documents_walk(docs)
    rows = (
        (f.rule, f.severity, f.project_id, f.project, f.message, dict(f.values), f.file, f.line, f.review_key)
        for f in walk.findings()
    )
    return keep_findings(index_dir, rows, _places_after(walk))


def _places_after(walk: _Walk) -> Iterator[Place]:
    """The places ``walk`` found, read once its findings are (:func:`analysis.lint_store.keep_findings`)."""
    yield from walk.places


def _place(p: Project) -> Place:
    return (p.span.file, p.id, p.region, p.year)


def _places(projects: Iterable[Project]) -> list[Place]:
    """:data:`Place` of each project."""
    return [_place(p) for p in projects]


def lint_index(
    index: str | Path | Index,
    rules: Sequence[str] = (),
    severity: Severity = LEAST_SEVERITY,
    project: str | None = None,
    region: str | None = None,
    year: int | None = None,
) -> list[Finding]:
    """Lint the records of a built index (a directory, or one :func:`graph.store.load_index` opened),
    filtered by :func:`select`; ``region`` and ``year`` keep the findings on those projects (and on their
    files).  The findings kept with the index (:mod:`analysis.lint_store`) are read when they are this
    code's; else the records are linted."""
    return LintView(index, rules, severity, project, region, year).findings()


class LintView:
    """The findings under lint's filters, counted, summarised and listed: read from the findings
    kept with the index where it has them (one SQL query each: a summary reads no finding whole,
    ``findings(10)`` reads ten), else from linting the records, with the same answers.  ``hidden``
    review keys (the findings dismissed, when they are to be left out) are not among them."""

    def __init__(
        self,
        index: str | Path | Index,
        rules: Sequence[str] = (),
        severity: Severity = LEAST_SEVERITY,
        project: str | None = None,
        region: str | None = None,
        year: int | None = None,
        hidden: Iterable[str] = (),
    ) -> None:
        index = index if isinstance(index, Index) else load_index(index)
        _check_rules(rules)
        self.rules, self.severity = tuple(rules), severity
        severities = tuple(s for s in SEVERITIES if _at_least(s, severity))
        self._wanted = Wanted(severities, self.rules, project, region, year, frozenset(hidden))
        self._store = stored_findings(index)
        self._found: list[Finding] | None = None
        if self._store is not None:
            if region is not None or year is not None:
                places = self._store.places()
                check_place((r for r, _ in places), (y for _, y in places), region, year)
            return
        projects, diags = load_records(index)
        toc = index.toc
        short_names = toc["department_short"].dropna().tolist() if len(toc) else []
        found = select(lint(projects, diags, short_names), rules, severity, project)
        found = in_places(found, _places(projects), region, year)
        self._found = [f for f in found if f.review_key not in self._wanted.hidden]

    def findings(self, top: int | None = None) -> list[Finding]:
        """The findings in lint's order (the first ``top`` of them)."""
        if self._found is not None:
            return self._found[:top]
        assert self._store is not None
        return [
            Finding(rule, sev, pid, name, message, tuple(values.items()), file, line)
            for rule, sev, pid, name, message, values, file, line, _ in self._store.rows(self._wanted, top)
        ]

    def total(self) -> int:
        return len(self._found) if self._found is not None else self._store.count(self._wanted)  # type: ignore[union-attr]

    def summary(self) -> list[dict[str, Any]]:
        """:func:`summary` of the findings."""
        if self._found is not None:
            return summary(self._found, self.rules, self.severity)
        return _summary_rows(self._store.summary(self._wanted), self.rules, self.severity)  # type: ignore[union-attr]

    def status(self, fail_on: Severity | None) -> int:
        """:func:`exit_status` of the findings."""
        if self._found is not None or fail_on is None:
            return exit_status(self._found or [], fail_on)
        worse = tuple(s for s in self._wanted.severities if _at_least(s, fail_on))
        failing = replace(self._wanted, severities=worse)
        return FAIL_STATUS if worse and self._store.count(failing) else 0  # type: ignore[union-attr]


def in_places(
    found: list[Finding], places: Sequence[tuple[str, str, str, int | None]], region: str | None, year: int | None
) -> list[Finding]:
    """The findings on projects of ``region`` and ``year`` (and on those projects' files), of
    ``places`` (file, project id, region, year of every project); refused when no project is there."""
    if region is None and year is None:
        return found
    check_place((r for _, _, r, _ in places), (y for _, _, _, y in places), region, year)
    kept = [(f, pid) for f, pid, r, y in places if in_place(r, y, region, year)]
    ids, files = {pid for _, pid in kept}, {f for f, _ in kept}
    return [f for f in found if f.project_id in ids or (not f.project_id and f.file in files)]


def _at_least(severity: Severity, least: Severity) -> bool:
    return SEVERITIES.index(severity) <= SEVERITIES.index(least)


def select(
    findings: Iterable[Finding],
    rules: Sequence[str] = (),
    severity: Severity = LEAST_SEVERITY,
    project: str | None = None,
) -> list[Finding]:
    """The findings of some rules, at ``severity`` or worse, of projects whose name or id holds ``project``.

    >>> from graph.read.tables import parse_text
    >>> doc = parse_text(_EXAMPLE, "x.txt")
    >>> fs = lint(doc.projects, doc.diagnostics)
    >>> [f.rule for f in select(fs, severity="error")]
    ['weights-sum']
    """
    _check_rules(rules)
    return [
        f
        for f in findings
        if _at_least(f.severity, severity)
        and (not rules or f.rule in rules)
        and (not project or project in f.project or project in f.project_id)
    ]


def _check_rules(rules: Sequence[str]) -> None:
    unknown = sorted(set(rules) - set(RULES))
    if unknown:
        raise refusal(UsageError, "unknown-rules", rules=", ".join(unknown))


def summary(
    findings: Sequence[Finding], rules: Sequence[str] = (), severity: Severity = LEAST_SEVERITY
) -> list[dict[str, Any]]:
    """One row per rule (at ``severity`` or worse): its findings and the projects they touch."""
    n: Counter[str] = Counter(f.rule for f in findings)
    touched: dict[str, set[str]] = defaultdict(set)
    for f in findings:
        if f.project_id:
            touched[f.rule].add(f.project_id)
    return _summary_rows({r: (n[r], len(touched[r])) for r in n}, rules, severity)


def _summary_rows(
    counts: Mapping[str, tuple[int, int]], rules: Sequence[str], severity: Severity
) -> list[dict[str, Any]]:
    """The rows of a summary: every rule asked for, in the rules' order, with (findings, projects)."""
    return [
        {
            "rule": rule,
            "severity": sev,
            "findings": counts.get(rule, (0, 0))[0],
            "projects": counts.get(rule, (0, 0))[1],
            "description": desc,
        }
        for rule, (sev, desc) in RULES.items()
        if _at_least(sev, severity) and (not rules or rule in rules)
    ]


def fails(findings: Iterable[Finding], fail_on: Severity | None) -> bool:
    """Whether any finding is at ``fail_on`` or worse."""
    return fail_on is not None and any(_at_least(f.severity, fail_on) for f in findings)


def exit_status(findings: Iterable[Finding], fail_on: Severity | None) -> int:
    """A script's exit status (``lint --fail-on``): :data:`~graph.constants.FAIL_STATUS` when a finding
    is at ``fail_on`` or worse, else 0.

    >>> from graph.read.tables import parse_text
    >>> doc = parse_text(_EXAMPLE, "x.txt")
    >>> exit_status(lint(doc.projects, doc.diagnostics), "error"), exit_status([], "error")
    (2, 0)
    """
    return FAIL_STATUS if fails(findings, fail_on) else 0


def to_frame(findings: Sequence[Finding]) -> pd.DataFrame:
    """Findings as a DataFrame, ``values`` as a JSON object per row."""
    import pandas as pd

    cols = ["rule", "severity", "project_id", "project", "message", "values", "file", "line", "review_key"]
    rows = [
        {
            "rule": f.rule,
            "severity": f.severity,
            "project_id": f.project_id,
            "project": f.project,
            "message": f.message,
            "values": json.dumps(dict(f.values), ensure_ascii=False),
            "file": f.file,
            "line": f.line,
            "review_key": f.review_key,
        }
        for f in findings
    ]
    return pd.DataFrame(rows, columns=cols)


_EXAMPLE = """2024 年区级重点专项绩效目标表（一级项目）
编制单位：202-某局
一级项目名称\t迎春灯饰\t\t业务主管部门\t某局
预算执行率权重\t10\t\t部门留用\t500
当年预算金额\t500\t\t补助街镇\t0
项目概述\t布置灯饰。
立项依据\t《某办法》（渝府发〔2020〕1号）
当年绩效目标\t完成灯饰布置。
绩效指标\t一级指标\t二级指标\t三级指标\t计量单位\t指标性质\t指标值\t权重（%）\t是否核心指标
\t产出指标\t成本指标\t活动开展成本\t万元\t≥\t500\t50\t是
\t效益指标\t社会效益指标\t清扫保洁面积\t万元/平方米\t≥\t2.7\t30\t否
"""
