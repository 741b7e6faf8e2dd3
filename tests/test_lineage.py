"""The same project across years, on the sample and a generated next edition with known changes."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

import search
from analysis.lineage import lineage
from analysis.lint import lint
from graph.defaults import DEFAULT_SAMPLE
from graph.errors import UsageError
from graph.read.tables import parse_text
from index.build import build
from tests.editions import next_year

TEXT = DEFAULT_SAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory):
    d = tmp_path_factory.mktemp("editions")
    text, changes = next_year(TEXT)
    (d / "beibei_2025.txt").write_text(text, encoding="utf-8")
    return d / "beibei_2025.txt", changes


def test_lineage_is_exactly_what_the_generator_changed(editions) -> None:
    path, changes = editions
    a = parse_text(TEXT, "2024.txt").projects
    b = parse_text(path.read_text(encoding="utf-8"), "2025.txt").projects
    links = lineage([*a, *b])
    got = Counter((x.from_name, x.to_name, x.status, x.amount_delta) for x in links)
    want = Counter((c.from_name, c.to_name, c.status, c.amount_delta) for c in changes)
    assert got == want  # every same-name pair, rename, drop, budget change; no false new project
    assert Counter(x.status for x in links) == {"same": 85, "renamed": 5, "dropped": 4, "new": 1}
    assert all(x.goals_copied for x in links if x.status == "same")  # the generator copies the goals
    one = {x.from_id for x in links if x.from_id} | {x.to_id for x in links if x.to_id}
    assert len(one) == len(a) + len(b)  # never two matches for one project


def test_cli_and_corpus(editions, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, changes = editions
    build([DEFAULT_SAMPLE, path], tmp_path / "idx", model=None)
    assert search.main(["lineage", "--from", "2024", "--to", "2025", "--json", "--index", str(tmp_path / "idx")]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"from_name", "to_name", "from_year", "to_year", "status", "amount_delta"} <= set(rows[0])
    assert len(rows) == len(changes) and {r["status"] for r in rows} == {"same", "renamed", "dropped", "new"}
    assert all(r["amount_delta"] is None for r in rows if r["status"] in ("dropped", "new"))
    assert search.main(["lineage", "--department", "林业", "--index", str(tmp_path / "idx")]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:3] == ["status", "from_name", "to_name"] and "林业局" in out
    from workbench.corpus import open_corpus

    df = open_corpus(tmp_path / "idx").lineage()
    assert len(df) == len(changes) and df["amount_delta"].notna().sum() == 85 + 5
    moved = [c for c in changes if c.status != "same" or c.amount_delta]
    assert search.main(["lineage", "--changed", "--sort", "pct", "--json", "--index", str(tmp_path / "idx")]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == len(moved) and rows[0]["amount_pct"] == 15.0  # the generator raised 12 budgets by 15%
    pcts = [abs(r["amount_pct"] or 0) for r in rows]
    assert pcts == sorted(pcts, reverse=True)
    assert all(r["amount_pct"] == round(r["amount_delta"] / r["amount_from"] * 100, 1) for r in rows if r["amount_pct"])
    search.main(["lineage", "--changed", "--index", str(tmp_path / "idx")])
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith(f"{len(moved)} links; ") and "万元" in last
    with pytest.raises(SystemExit):
        search.main(["lineage", "--sort", "size", "--index", str(tmp_path / "idx")])


def test_goals_copied_while_the_budget_changed_is_a_finding(editions) -> None:
    path, changes = editions
    a = parse_text(TEXT, "2024.txt").projects
    b = parse_text(path.read_text(encoding="utf-8"), "2025.txt").projects
    found = [f for f in lint([*a, *b]) if f.rule == "goals-copied-budget-changed"]
    costlier = {c.to_name for c in changes if c.amount_delta}
    assert {f.project for f in found} == costlier and len(found) == len(costlier) == 12


def test_one_year_only_is_refused() -> None:
    with pytest.raises(UsageError, match="lineage needs two years"):
        lineage(parse_text(TEXT, "2024.txt").projects)
