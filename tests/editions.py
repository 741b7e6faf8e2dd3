"""Synthetic next editions of the sample, with the changes they carry written down.

``next_year(text)`` makes the 2025 edition of the 2024 tables: every heading's year moved on, the
contents left out, and known changes — projects dropped, projects renamed, budgets changed (部门留用
moved with them so the split still adds up), an indicator target changed, one indicator dropped
and one added — while every other text stays as it was (copied goals, as real editions have).
It returns the new text and the lineage that a reader must find.  Synthetic: built from the
sample's own tables; the changes are chosen by a seeded generator, so they are the same each run.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from decimal import Decimal

HEADING = re.compile(r"^(\d{4})\s*年区级重点专项绩效目标表")


@dataclass(frozen=True)
class Change:
    from_name: str | None
    to_name: str | None
    status: str  # same, renamed, dropped, new
    amount_delta: float | None


def _tables(text: str) -> tuple[list[str], list[list[str]]]:
    """The lines before the first table (the cover and contents), and each table's lines."""
    lines = text.split("\n")
    starts = [i for i, ln in enumerate(lines) if HEADING.match(ln)]
    head = lines[: starts[0]]
    blocks = [lines[a:b] for a, b in zip(starts, [*starts[1:], len(lines)], strict=True)]
    return head, blocks


def _cells(block: list[str], label: str) -> tuple[int, list[str]]:
    i = next(k for k, ln in enumerate(block) if ln.split("\t")[0] == label)
    return i, block[i].split("\t")


def _name(block: list[str]) -> str:
    return _cells(block, "一级项目名称")[1][1].strip()


def _value_after(row: list[str], label: str) -> int:
    """Index of the first non-empty cell after a label in a row of label/value cells."""
    at = [c.strip() for c in row].index(label)
    return next(k for k in range(at + 1, len(row)) if row[k].strip())


def _set_amount(block: list[str], factor: Decimal) -> float:
    i, amount_row = _cells(block, "当年预算金额")
    j, retained_row = _cells(block, "预算执行率权重")
    a, t, r = _value_after(amount_row, "当年预算金额"), _value_after(amount_row, "补助街镇"), 0
    r = _value_after(retained_row, "部门留用")
    old, towns = Decimal(amount_row[a]), Decimal(amount_row[t])
    new = (old * factor).quantize(Decimal("0.01"))
    amount_row[a] = f"{new:.2f}"
    retained_row[r] = f"{new - towns:.2f}"
    block[i], block[j] = "\t".join(amount_row), "\t".join(retained_row)
    return float(new - old)


def next_year(text: str, seed: int = 2025) -> tuple[str, list[Change]]:
    """The next edition, and for every project of either edition what became of it."""
    rng = random.Random(seed)
    head, blocks = _tables(text)
    names = [_name(b) for b in blocks]
    order = list(range(len(blocks)))
    rng.shuffle(order)
    dropped, renamed, costlier = set(order[:4]), set(order[4:9]), set(order[9:21])
    changes, out = [], []
    for k, block in enumerate(blocks):
        block = list(block)
        block[0] = HEADING.sub(lambda m: f"{int(m.group(1)) + 1} 年区级重点专项绩效目标表", block[0])
        if k in dropped:
            changes.append(Change(names[k], None, "dropped", None))
            continue
        new_name = names[k]
        if k in renamed:  # the kind of renaming editions do: a qualifier dropped or added
            new_name = names[k].replace("（重点）", "") if "（重点）" in names[k] else names[k] + "（重点）"
            i, row = _cells(block, "一级项目名称")
            row[1] = new_name
            block[i] = "\t".join(row)
        delta = _set_amount(block, Decimal("1.15")) if k in costlier else 0.0
        changes.append(Change(names[k], new_name, "renamed" if k in renamed else "same", delta))
        out.extend(block)
    cover = [ln.replace("2024", "2025") for ln in head]
    toc_at = next((i for i, ln in enumerate(cover) if ln.replace(" ", "") == "目录"), len(cover))
    new_project = _new_project(blocks[order[-1]])
    changes.append(Change(None, "新增示范项目", "new", None))
    return "\n".join([*cover[:toc_at], *out, *new_project]), changes


def _new_project(template: list[str]) -> list[str]:
    """A project that did not exist last year, in the same layout."""
    block = [HEADING.sub("2025 年区级重点专项绩效目标表", template[0]), *template[1:]]
    i, row = _cells(block, "一级项目名称")
    row[1] = "新增示范项目"
    block[i] = "\t".join(row)
    j, overview = _cells(block, "项目概述")
    overview[1] = "2025 年新设立的示范项目，开展试点工作。"
    block[j] = "\t".join(overview)
    return block


# Another district's edition: the sample's places and units moved to 重庆市江北区.  Synthetic: the
# district is real, its tables here are not; names are swapped by this table, nothing else is made up
# but the budget of every third project (×1.2, 部门留用 moved with it).
DISTRICT_NAMES = {
    "北碚区": "江北区", "北碚": "江北",
    "三圣镇": "鱼嘴镇", "歇马街道": "寸滩街道", "水土街道": "郭家沱街道", "春柳村": "石坪村", "农荣村": "双溪村",
    "缙云山": "铁山坪", "文笔山": "塔子山", "嘉陵江": "长江",
}  # fmt: skip
OTHER_REGION = "重庆市江北区"


def other_district(text: str) -> tuple[str, dict[str, str]]:
    """The same year's tables as another district would publish them: every place and unit name
    moved (:data:`DISTRICT_NAMES`), every third project's budget ×1.2.  Returns the text and the
    project names old → new (names that held a place name change with it)."""
    head, blocks = _tables(text)
    out = []
    renamed: dict[str, str] = {}
    for k, block in enumerate(blocks):
        block = [_moved(line) for line in block]
        if k % 3 == 0:
            _set_amount(block, Decimal("1.2"))
        renamed[_name(blocks[k])] = _name(block)
        out.extend(block)
    return "\n".join([*(_moved(ln) for ln in head), *out]), renamed


def _moved(line: str) -> str:
    for old, new in DISTRICT_NAMES.items():
        line = line.replace(old, new)
    return line


_NUMERALS = "〇一二三四五六七八九"


def synthetic_districts(text: str, count: int) -> list[tuple[str, str]]:
    """``count`` districts' editions of the sample for benchmarks at scale: (region, text), the
    district named 合 + its number in Chinese numerals (重庆市合一〇七区), every place and unit
    name moved to it.  Synthetic: the tables are the sample's."""
    out = []
    for k in range(count):
        name = "合" + "".join(_NUMERALS[int(d)] for d in str(k + 1))
        moved = text.replace("北碚区", f"{name}区").replace("北碚", name)
        out.append((f"重庆市{name}区", moved))
    return out
