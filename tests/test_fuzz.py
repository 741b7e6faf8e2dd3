"""Nothing changed without a warning: seeded mutations of the sample, and each known way to lose a value.

The oracle, per project: a mutated document either is refused with a clear error, or each of its
projects reads as in the original, or that project says so: a warning inside its own table that the
original's project of that name did not have.  A project lost altogether is said by a warning of the
document (a 目录 gap) or of the table it was merged into.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from graph.defaults import DEFAULT_SAMPLE
from graph.errors import BudgetGraphError
from graph.models import ParsedDocument, Project
from graph.read.tables import parse_text
from tests.test_tables import ROW, table

TEXT = DEFAULT_SAMPLE.read_text(encoding="utf-8")
LINES = TEXT.split("\n")
MUTATIONS = 300  # about 50 ms each
OPERATIONS = ("delete", "duplicate", "swap", "droptab", "inserttab", "deletetable", "emptyamount")
SPANS = [(p.span.line, p.span.end_line) for p in parse_text(TEXT, "s.txt").projects]


def values(p: Project) -> tuple:
    """One project's values, without line numbers."""
    return (
            p.id, p.name, p.department, p.unit_name, p.unit_code, p.amount, p.retained, p.to_towns,
            p.execution_weight, p.overview, p.basis, p.goals,
            tuple(sorted(
                (i.level1, i.level2, i.name, i.measure_unit, str(i.operator), i.target_text, str(i.weight), str(i.core))
                for i in p.indicators
            )),
            tuple(sorted(c.key for c in p.citations)),
    )  # fmt: skip


def codes_in(doc: ParsedDocument, p: Project | None = None) -> Counter:
    """The codes of the warnings inside a project's table (``None``: those outside every table)."""
    spans = [(q.span.line, q.span.end_line) for q in doc.projects]

    def inside(line: int | None, span: tuple[int, int]) -> bool:
        return line is not None and span[0] <= line <= span[1]

    if p is None:
        return Counter(d.code for d in doc.diagnostics if not any(inside(d.line, s) for s in spans))
    return Counter(d.code for d in doc.diagnostics if inside(d.line, (p.span.line, p.span.end_line)))


def unexplained(base: ParsedDocument, doc: ParsedDocument) -> list[str]:
    """The projects of ``doc`` whose values changed with no new warning about them, and the lost
    projects no warning accounts for."""
    before = Counter(values(p) for p in base.projects)
    by_name: dict[str, Counter] = {}
    for p in base.projects:
        by_name.setdefault(p.name, Counter()).update(codes_in(base, p))
    changed = []
    for p in doc.projects:
        if before[values(p)] > 0:
            before[values(p)] -= 1
        else:
            changed.append(p)
    silent = [
        f"{p.name} (line {p.span.line})" for p in changed if not codes_in(doc, p) - by_name.get(p.name, Counter())
    ]
    warned_changes = len(changed) > len(silent)
    lost = [v[1] for v in (+before).elements()][len(changed) :]  # a changed project stands for one lost
    if lost and not (codes_in(doc) - codes_in(base)) and not warned_changes:
        silent += [f"{name} (lost)" for name in lost]
    return silent


def _table_mutation(op: str, rng: random.Random, lines: list[str]) -> tuple[str, int, str]:
    """A table deleted with its 目录 entry (not the last: a list that simply ends sooner cannot be
    told from a shorter document), or a table's 当年预算金额 emptied."""
    k = rng.randrange(len(SPANS) - 1)
    start, end = SPANS[k]
    if op == "deletetable":
        kept = [line for n, line in enumerate(lines, start=1) if not start <= n <= end]
        kept = [line for line in kept if not line.startswith(f"{k + 1}. ")]
        return op, start, "\n".join(kept)
    at = next(n for n in range(start - 1, end) if "当年预算金额" in lines[n])
    cells = lines[at].split("\t")
    cells[cells.index("当年预算金额") + 1] = ""
    lines[at] = "\t".join(cells)
    return op, at + 1, "\n".join(lines)


def mutate(rng: random.Random) -> tuple[str, int, str] | None:
    lines = list(LINES)
    op = rng.choice(OPERATIONS)
    if op in ("deletetable", "emptyamount"):
        return _table_mutation(op, rng, lines)
    i = rng.randrange(len(lines))
    if op == "delete":
        del lines[i]
    elif op == "duplicate":
        lines.insert(i, lines[i])
    elif op == "swap":
        j = min(len(lines) - 1, i + rng.randint(1, 3))
        lines[i], lines[j] = lines[j], lines[i]
    elif op == "droptab":
        tabs = [k for k, c in enumerate(lines[i]) if c == "\t"]
        if not tabs:
            return None
        k = rng.choice(tabs)
        lines[i] = lines[i][:k] + lines[i][k + 1 :]
    else:
        k = rng.randrange(len(lines[i]) + 1)
        lines[i] = lines[i][:k] + "\t" + lines[i][k:]
    return op, i + 1, "\n".join(lines)


def test_mutations_never_crash_and_never_change_values_silently() -> None:
    base = parse_text(TEXT, "s.txt")
    rng = random.Random(20241125)
    crashes, silent, ops = [], [], Counter()
    while sum(ops.values()) < MUTATIONS:
        m = mutate(rng)
        if m is None:
            continue
        op, line, text = m
        ops[op] += 1
        try:
            doc = parse_text(text, "s.txt")
        except BudgetGraphError:
            continue  # refused with a message: not silent
        except Exception as exc:  # a crash is what this test is for
            crashes.append((op, line, repr(exc)))
            continue
        said = unexplained(base, doc)
        if said:
            silent.append((op, line, LINES[line - 1][:60], said[:3]))
    assert set(ops) == set(OPERATIONS)
    assert crashes == [] and silent == [], (crashes[:5], silent[:5])


def codes(text: str) -> set[str]:
    return {d.code for d in parse_text(text, "d.txt").diagnostics}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # 6a. an unknown label in a field row (部门留存 for 部门留用): kept raw, said
        (table().replace("部门留用", "部门留存"), "unknown-label"),
        # 6b. a 预算执行率权重 that is not a number
        (table().replace("预算执行率权重\t10", "预算执行率权重\t十"), "bad-number"),
        # 6c. no 编制单位 line, or no heading: the id changes, and says why
        (table().replace("编制单位：105-某单位\n", ""), "no-unit"),
        (table().replace("2024 年区级重点专项绩效目标表（一级项目）\n", ""), "no-year"),
        # 6d. a header whose columns disagree with its rows
        (table().replace("指标值\t权重（%）", "权重（%）\t指标值"), "weights-sum"),
        (table().replace("指标值\t权重（%）\t是否核心指标", "指标值\t权重（%）\t\t是否核心指标"), "stray-cells"),
        # 6f. a row cut mid-line: the weight digit lost
        (table(rows=ROW.replace("\t90\t是\n", "\t9\n")), "weights-sum"),
        # a row read twice
        (table(rows=ROW + ROW), "weights-sum"),
        # a value spread over two cells
        (table().replace("项目概述\t概述。", "项目概述\t概\t述。"), "split-cell"),
        # the 预算执行率权重 row lost
        (table().replace("预算执行率权重\t10\t\t部门留用\t10.00\n", ""), "missing-field"),
    ],
)
def test_each_lost_value_is_a_warning(text: str, code: str) -> None:
    assert code in codes(text)


def test_the_unknown_label_row_is_kept_raw() -> None:
    doc = parse_text(table().replace("部门留用", "部门留存"), "d.txt")
    (p,) = doc.projects
    assert p.execution_weight == 10 and p.retained is None
    assert any("部门留存" in u.raw for u in p.unparsed)


def test_a_clean_table_has_none_of_these_warnings() -> None:
    assert not codes(table()) & {"unknown-label", "bad-number", "no-unit", "no-year", "weights-sum", "split-cell"}


def test_the_oracle_is_per_project() -> None:
    """A changed value is excused only by a warning about its own project, not by one elsewhere."""
    from dataclasses import replace

    from graph.models import Diagnostic

    base = parse_text(TEXT, "s.txt")
    first, other = base.projects[0], base.projects[5]
    elsewhere = Diagnostic("warning", "weights-sum", "x", other.span.file, other.span.line)
    changed = replace(base, projects=(replace(first, amount=None), *base.projects[1:]))
    assert unexplained(base, base) == []
    assert unexplained(base, replace(changed, diagnostics=(*base.diagnostics, elsewhere))) == [
        f"{first.name} (line {first.span.line})"
    ]
    own = Diagnostic("warning", "no-amount", "x", first.span.file, first.span.line)
    assert unexplained(base, replace(changed, diagnostics=(*base.diagnostics, own))) == []
