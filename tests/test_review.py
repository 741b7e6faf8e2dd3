"""Review decisions: recorded beside the index, kept across rebuilds, shown in listings."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import search
from graph.errors import UsageError
from index.build import build
from workbench.corpus import open_corpus
from workbench.review import ReviewLog, reviews_path

BEIBEI = "project:重庆市北碚区:2024"  # the sample's project ids begin so


@pytest.fixture
def index_dir(search_dir: Path, tmp_path: Path) -> Path:
    out = tmp_path / "idx"
    shutil.copytree(search_dir.parent, out)
    return out


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = search.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_decisions_survive_a_rebuild(index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "review", "抚恤补助", "退役安置补助", "--decision", "confirmed",
                       "--note", "同一对象两次补助", "--who", "审计局", "--index", str(index_dir))  # fmt: skip
    assert code == 0 and out.startswith(f"confirmed: pair:{BEIBEI}:406:抚恤补助|{BEIBEI}:406:退役安置补助")
    _, out, _ = run(capsys, "lint", "--rule", "cost-lower-bound", "--json", "--index", str(index_dir))
    key = json.loads(out)[0]["review_key"]
    assert run(capsys, "review", key, "--decision", "dismissed", "--index", str(index_dir))[0] == 0
    assert reviews_path(index_dir).is_file() and not any(
        p.name.endswith(".reviews.sqlite") for p in index_dir.rglob("*")
    )

    build([Path("data/beibei_2024_key_projects.txt")], index_dir, model=None)  # the index folder is replaced
    c = open_corpus(index_dir)
    lint = c.lint(rules=["cost-lower-bound"])
    assert lint.loc[lint["review_key"] == key, "decision"].tolist() == ["dismissed"]
    assert len(c.lint(rules=["cost-lower-bound"], hide_dismissed=True)) == len(lint) - 1
    assert c.decisions()["decision"].tolist() == ["confirmed", "dismissed"]


def test_listings_show_and_hide_decisions(index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    c = open_corpus(index_dir)
    c.review("三圣镇春柳村土地整理项目", "dismissed", note="模板，不同村", other="歇马街道农荣村土地整理项目")
    code, out, _ = run(capsys, "duplicates", "--top", "3", "--index", str(index_dir))
    assert code == 0 and out.splitlines()[0].split()[-1] == "decision" and "dismissed" in out.splitlines()[1]
    code, out, _ = run(capsys, "duplicates", "--top", "3", "--hide-dismissed", "--json", "--index", str(index_dir))
    assert "三圣镇春柳村土地整理项目" not in {r["project_a"] for r in json.loads(out)}
    code, out, _ = run(capsys, "review", "--json", "--index", str(index_dir))
    assert [r["note"] for r in json.loads(out)] == ["模板，不同村"]


def test_a_later_decision_supersedes_and_history_is_kept(tmp_path: Path) -> None:
    log = ReviewLog(tmp_path / "r.sqlite")
    log.record("pair:a|b", "confirmed")
    log.record("pair:a|b", "explained", note="两个年度")
    assert log.current()["pair:a|b"].decision == "explained" and len(log.history("pair:a|b")) == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["review", "抚恤补助", "退役安置补助"], "say the decision"),
        (["review", "a", "b", "c", "--decision", "open"], "review one key (L-… or P-…"),
        (["review", "not-a-key", "--decision", "open"], "is not a review key"),
        (["review", "抚恤补助", "没有这个项目", "--decision", "open"], "no project matches"),
    ],
)
def test_bad_reviews_are_one_line(index_dir: Path, capsys, argv: list[str], message: str) -> None:
    code, out, err = run(capsys, *argv, "--index", str(index_dir))
    assert code == 1 and out == "" and message in err


def test_unknown_decision_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="decision must be one of"):
        ReviewLog(tmp_path / "r.sqlite").record("pair:a|b", "maybe")


# --- at the desk: short keys, and decisions written in the workbook ---------------------------------


def test_a_short_key_from_a_listing_records_a_decision(index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "lint", "--rule", "cost-lower-bound", "--index", str(index_dir))
    lines = out.splitlines()
    assert lines[0].split()[0] == "key" and lines[1].split()[0].startswith("L-")
    short = lines[1].split()[0]
    code, out, _ = run(capsys, "review", short, "--decision", "dismissed", "--index", str(index_dir))
    assert code == 0 and out.startswith("dismissed: lint:cost-lower-bound:")
    _, out, _ = run(capsys, "duplicates", "--top", "1", "--index", str(index_dir))
    pair = out.splitlines()[1].split()[1]
    assert (
        pair.startswith("P-")
        and run(capsys, "review", pair, "--decision", "confirmed", "--index", str(index_dir))[0] == 0
    )
    code, _, err = run(capsys, "review", "L-00000000", "--decision", "open", "--index", str(index_dir))
    assert code == 1 and "L-00000000 is no finding or pair of this index" in err


def test_decisions_written_in_the_workbook_come_back(
    index_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from openpyxl import load_workbook

    c = open_corpus(index_dir)
    first = c.lint(rules=["cost-lower-bound"]).iloc[0]["review_key"]
    c.review(first, "explained", note="单价", who="王")
    book = c.export(tmp_path / "x", chinese=True)[-2]  # tables.xlsx, Chinese headers as analysts get it
    wb = load_workbook(book)
    ws = wb["质量问题"]  # the lint sheet, by its Chinese name
    head = [cell.value for cell in ws[1]]
    col = head.index("复核结论") + 1
    second, third = [r for r in range(2, ws.max_row + 1) if ws.cell(r, head.index("复核编号") + 1).value != first][:2]
    ws.cell(second, col, "排除")
    ws.cell(second, head.index("复核说明") + 1, "已核实：不是重复")
    ws.cell(third, col, "同意")  # no decision of ours
    wb.save(book)
    code, out, _ = run(capsys, "review", "--import", str(book), "--who", "李", "--index", str(index_dir))
    assert code == 1  # something was refused
    assert out.splitlines()[0] == "1 decisions recorded, 1 already so, 1 refused"
    assert (
        f"refused: tables.xlsx!质量问题!{ws.cell(third, col).column_letter}{third}: decision '同意' is none of" in out
    )
    now = open_corpus(index_dir).reviews.current()
    decided = now[ws.cell(second, head.index("复核编号") + 1).value]
    assert (decided.decision, decided.note, decided.who) == ("dismissed", "已核实：不是重复", "李")
    assert now[first].decision == "explained"  # untouched: the workbook said the same
    _, out, _ = run(capsys, "review", "--import", str(book), "--index", str(index_dir))
    assert out.splitlines()[0] == "0 decisions recorded, 2 already so, 1 refused"  # a second import changes nothing


def test_a_workbook_without_decisions_is_refused(index_dir: Path, tmp_path: Path, capsys) -> None:
    import pandas as pd

    pd.DataFrame({"x": [1]}).to_excel(tmp_path / "other.xlsx", sheet_name="lint", index=False)
    code, _, err = run(capsys, "review", "--import", str(tmp_path / "other.xlsx"), "--index", str(index_dir))
    assert code == 1 and "no review_key (复核编号) or decision (复核结论) column" in err
