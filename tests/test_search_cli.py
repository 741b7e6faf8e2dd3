"""search.py as a user runs it against a built index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import search


@pytest.fixture
def index_dir(search_dir: Path) -> str:
    return str(search_dir.parent)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = search.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cited_by_table_and_json(index_dir: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "cited-by", "渝规资[2020]678 号", "--index", index_dir)
    assert code == 0 and "三圣镇春柳村土地整理项目" in out and "245.30" in out
    code, out, _ = run(capsys, "cited-by", "渝规资〔2020〕678号", "--index", index_dir, "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 4 and {"project_id", "project", "department", "amount"} <= set(rows[0])


@pytest.mark.parametrize(
    ("argv", "expect"),
    [
        (["documents", "保交楼经费"], "北碚府发〔2023〕36号"),
        (["funded-by", "民政局"], "民政局社会福利专项（重点）"),
        (["shared-docs", "--min", "4"], "渝规资〔2023〕317号"),
        (["issuers", "--project", "保交楼经费"], "重庆市北碚区人民政府"),
    ],
)
def test_commands(index_dir: str, capsys: pytest.CaptureFixture[str], argv: list[str], expect: str) -> None:
    code, out, _ = run(capsys, *argv, "--index", index_dir)
    assert code == 0 and expect in out


def test_no_rows(index_dir: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "shared-docs", "--min", "99", "--index", index_dir)
    assert code == 0 and out.strip() == "(no rows)"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["funded-by", "北碚区"], "departments match '北碚区'"),
        (["cited-by", "渝府办发〔1999〕1号"], "not cited by any project"),
        (["documents", "没有这个项目"], "no project matches"),
    ],
)
def test_errors_exit_1(index_dir: str, capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    code, out, err = run(capsys, *argv, "--index", index_dir)
    assert code == 1 and out == "" and err.startswith("error: ") and message in err


def test_missing_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "issuers", "--index", str(tmp_path / "none"))
    assert code == 1 and "build one with `python build_index.py" in err


def test_lint_table_json_csv(index_dir: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "lint", "--rule", "unit-mismatch", "--index", index_dir)
    assert code == 0 and "清扫保洁面积" in out and "beibei_2024_key_projects.txt:764" in out
    code, out, _ = run(capsys, "lint", "--rule", "foreign-body-goals", "--json", "--index", index_dir)
    (f,) = json.loads(out)
    assert f["project"] == "区工业发展专项资金" and f["values"]["body"] == "供销公司" and f["line"] == 560
    csv = tmp_path / "f.csv"
    code, _, err = run(capsys, "lint", "--csv", str(csv), "--index", index_dir)
    assert code == 0 and "rows to" in err
    import pandas as pd

    df = pd.read_csv(csv)
    assert {"rule", "severity", "project", "message", "values", "file", "line"} <= set(df.columns) and len(df) > 50
    code, out, _ = run(capsys, "lint", "--csv", "-", "--severity", "warning", "--index", index_dir)
    assert code == 0 and out.startswith("rule,severity,") and ",info," not in out


def test_lint_summary_rules_and_fail_on(index_dir: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "lint", "--summary", "--index", index_dir)
    assert code == 0 and "no-satisfaction-indicator" in out and "copied-text" in out
    code, out, _ = run(capsys, "lint", "--rules", "--index", index_dir)
    assert code == 0 and "cost-lower-bound" in out
    assert run(capsys, "lint", "--fail-on", "error", "--index", index_dir)[0] == 0  # the sample has no errors
    assert run(capsys, "lint", "--fail-on", "warning", "--index", index_dir)[0] == 2
    code, out, _ = run(capsys, "lint", "--project", "迎春灯饰", "--index", index_dir)
    assert code == 0 and set(out.split()) >= {"cost-lower-bound"} and "公园管护" not in out


def test_query_table_and_json(index_dir: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "query", "森林防火", "--top", "3", "--index", index_dir)
    assert code == 0 and out.splitlines()[0].split() == [
        "#",
        "project",
        "department",
        "amount",
        "score",
        "dense",
        "lexical",
        "why",
    ]
    assert "森林防火基础设施建设" in out.splitlines()[1]
    code, out, _ = run(
        capsys, "query", "street lighting electricity bills", "--top", "2", "--json", "--index", index_dir
    )
    rows = json.loads(out)
    assert rows[0]["project"] == "照明设施电费"
    assert {
        "project_id", "project", "department", "unit_name", "score", "dense", "lexical", "field", "snippet",
        "matched_terms", "file", "line",
    } <= set(rows[0])  # fmt: skip


def test_query_filters_and_modes(index_dir: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "query", "补助", "--department", "卫生健康", "--min-amount", "100", "--json", "--index", index_dir
    )
    rows = json.loads(out)
    assert code == 0 and rows and all("卫生健康" in r["department"] and r["amount"] >= 100 for r in rows)
    code, out, _ = run(
        capsys, "query", "土地", "--cites", "渝规资[2020]678 号", "--mode", "lexical", "--json", "--index", index_dir
    )
    assert code == 0 and len(json.loads(out)) == 4


def test_similar(index_dir: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "similar", "照明设施电费", "--top", "2", "--json", "--index", index_dir)
    rows = json.loads(out)
    assert code == 0 and rows[0]["project"] == "路灯运行设施维护费" and len(rows) == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["similar", "土地整理"], "4 projects match '土地整理'"),
        (["query", "  "], "empty query"),
        (["query", "森林", "--model", "other"], "the index was built with model 'default', not 'other'"),
    ],
)
def test_search_errors_exit_1(
    index_dir: str, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv, "--index", index_dir)
    assert code == 1 and out == "" and message in err


def test_query_without_search_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "query", "森林", "--index", str(tmp_path))
    assert code == 1 and "no search index here; build it with `python build_index.py --out" in err


def test_duplicates_cli(index_dir: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "duplicates", "--top", "5", "--index", index_dir)
    header = out.splitlines()[0].split()
    assert (
        code == 0
        and header[:7] == ["#", "key", "cluster", "score", "label", "project_a", "project_b"]
        and len(out.splitlines()) == 6
    )
    code, out, _ = run(capsys, "duplicates", "--top", "3", "--json", "--index", index_dir)
    rows = json.loads(out)
    assert len(rows) == 3 and {
        "project_a", "project_b", "score", "parts", "shared_sentences", "shared_documents", "label"
    } <= set(rows[0])  # fmt: skip
    code, out, err = run(
        capsys, "duplicates", "--cross-department", "--min-score", "0.2", "--csv", str(tmp_path / "d.csv"),
        "--excel", str(tmp_path / "d.xlsx"), "--index", index_dir,
    )  # fmt: skip
    assert code == 0 and "candidate pairs to" in err and "rows to" in err
    import pandas as pd

    csv = pd.read_csv(tmp_path / "d.csv")
    xlsx = pd.read_excel(tmp_path / "d.xlsx")
    assert (
        len(csv) == len(xlsx) > 0 and (csv["department_a"] != csv["department_b"]).all() and (csv["score"] >= 0.2).all()
    )


def test_graph_and_export_commands(index_dir: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "graph", "保交楼经费", "--html", str(tmp_path / "v.html"), "--index", index_dir)
    assert code == 0 and "open it in a browser" in out and (tmp_path / "v.html").stat().st_size > 1000
    code, out, _ = run(capsys, "export", "--out", str(tmp_path / "exp"), "--no-excel", "--index", index_dir)
    assert code == 0 and "projects.jsonl" in out and not (tmp_path / "exp" / "tables.xlsx").exists()
    code, _, err = run(capsys, "graph", "没有这个项目", "--html", str(tmp_path / "x.html"), "--index", index_dir)
    assert code == 1 and "no project matches" in err
    code, out, _ = run(capsys, "export", "--out", str(tmp_path / "exp2"), "--no-excel", "--json", "--index", index_dir)
    assert code == 0 and any(r["file"].endswith("projects.jsonl") for r in json.loads(out))
    code, out, _ = run(capsys, "graph", "--html", str(tmp_path / "all.html"), "--json", "--index", index_dir)
    assert code == 0 and json.loads(out)[0]["file"].endswith("all.html")


@pytest.mark.parametrize(
    "argv",
    [
        ["query", "森林", "--top", "0"],
        ["query", "森林", "--top", "-1"],
        ["similar", "照明设施电费", "--top", "x"],
        ["duplicates", "--neighbours", "-3"],
        ["duplicates", "--min-score", "2"],
        ["query", "森林", "--min-amount", "-5"],
        ["graph", "保交楼经费", "--html", "v.html", "--depth", "0"],
    ],
)
def test_numbers_out_of_range_are_refused(index_dir: str, argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        search.main([*argv, "--index", index_dir])
    assert exc.value.code == 2 and "argument" in capsys.readouterr().err


def test_unknown_lint_rule_is_one_line(index_dir: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "lint", "--rule", "no-such-rule", "--index", index_dir)
    assert code == 1 and out == "" and "unknown lint rule(s) no-such-rule" in err


def test_truncated_search_manifest_is_one_line(index_dir: str, tmp_path: Path, capsys) -> None:
    import shutil

    copy = tmp_path / "idx"
    shutil.copytree(index_dir, copy)
    m = copy / "search" / "manifest.json"
    m.write_bytes(m.read_bytes()[:50])
    code, out, err = run(capsys, "similar", "照明设施电费", "--index", str(copy))
    assert code == 1 and out == "" and err.startswith("error: ") and "unreadable manifest" in err


def test_a_very_long_query_is_cut_with_a_notice(index_dir: str, capsys: pytest.CaptureFixture[str]) -> None:
    import time

    t = time.perf_counter()
    code, out, err = run(capsys, "query", "森林防火" * 10_000, "--top", "1", "--json", "--index", index_dir)
    assert code == 0 and time.perf_counter() - t < 30
    assert err.startswith("notice: the query has 40000 characters; only the first 1000 are searched")
    assert json.loads(out)[0]["project"] in ("森林防火基础设施建设", "北碚区森林防火经费（重点）")


def test_outputs_into_folders_that_do_not_exist_yet(index_dir: str, capsys, tmp_path: Path) -> None:
    new = tmp_path / "new" / "deeper"
    assert run(capsys, "funded-by", "民政局", "--csv", str(new / "f.csv"), "--index", index_dir)[0] == 0
    assert run(capsys, "graph", "保交楼经费", "--html", str(new / "v.html"), "--index", index_dir)[0] == 0
    assert run(capsys, "duplicates", "--excel", str(new / "d.xlsx"), "--index", index_dir)[0] == 0
    assert {p.name for p in new.iterdir()} == {"f.csv", "v.html", "d.xlsx"}


def test_an_edited_graph_is_refused_by_every_question(index_dir: str, tmp_path: Path, capsys) -> None:
    import shutil

    copy = tmp_path / "idx"
    shutil.copytree(index_dir, copy)
    g = copy / "graph.json"
    g.write_text(g.read_text(encoding="utf-8").replace("渝规资〔2020〕678号", "渝规资〔2020〕679号"), encoding="utf-8")
    for argv in (["query", "土地", "--cites", "渝规资[2020]678 号"], ["similar", "照明设施电费"], ["cited-by", "678"]):
        code, out, err = run(capsys, *argv, "--index", str(copy))
        assert code == 1 and out == "" and "graph.json: checksum differs" in err, argv


def test_pinyin_is_read_as_the_corpus_words(index_dir: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "query", "senlin fanghuo", "--top", "2", "--index", index_dir)
    assert code == 0 and "notice: read 'senlin fanghuo' as pinyin: 森林防火" in err
    assert out.splitlines()[1].split()[1] in ("森林防火基础设施建设", "北碚区森林防火经费（重点）")


@pytest.mark.parametrize("question", ["asdf qwer", "足球世界杯门票", "hello world"])
def test_a_question_nothing_answers_gets_no_list(index_dir: str, capsys, question: str) -> None:
    """Never an unrelated list at score 1.000: no rows, and a notice saying so."""
    code, out, err = run(capsys, "query", question, "--index", index_dir)
    assert code == 0 and out.strip() == "(no rows)"
    assert f"notice: no good match for {question!r}" in err


def test_english_and_paraphrased_questions_stay_answered(searcher) -> None:
    """The floor keeps every labelled question of bench/queries.jsonl (their least margin is 0.032)."""
    import warnings

    from index.evaluate import load_queries

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        labelled = load_queries(Path(__file__).resolve().parent.parent / "bench" / "queries.jsonl")
        empty = [q.query for q in labelled if not searcher.query(q.query, 5)]
    assert empty == []


def _search_on_a_terminal(argv: list[str], columns: int) -> str:
    """search.py with its stdout on a real pseudo-terminal ``columns`` wide: what the terminal shows."""
    import os
    import pty
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": str(columns)}
    proc = subprocess.Popen([sys.executable, str(root / "search.py"), *argv], cwd=root, stdout=slave,
                            stderr=subprocess.DEVNULL, env=env)  # fmt: skip
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    proc.wait()
    os.close(master)
    return shown.decode("utf-8").replace("\r\n", "\n")


def test_tables_fit_the_terminal_and_pipes_get_whole_lines(index_dir: str, capsys) -> None:
    from graph.text import display_width

    argv = ["lint", "--rule", "cost-lower-bound", "--rule", "foreign-body-goals", "--index", index_dir]
    shown = _search_on_a_terminal(argv, 100).splitlines()
    assert len(shown) == 5 and max(display_width(line) for line in shown) <= 100
    assert "data/beibei_2024_key_projects.txt:560" in shown[1] and "…" in shown[1]  # the message cut, not the place
    code, out, _ = run(capsys, *argv)  # not a terminal: whole lines
    assert code == 0 and "which the name and overview never mention" in out


def test_columns_and_listings_without_long_ids(index_dir: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "funded-by", "城管局", "--columns", "project,amount", "--index", index_dir)
    assert code == 0 and out.splitlines()[0].split() == ["project", "amount"]
    assert out.splitlines()[-1] == "10 projects, 5,546.02 万元"
    code, out, _ = run(capsys, "funded-by", "城管局", "--index", index_dir)
    assert "project:重庆市北碚区" not in out and out.splitlines()[0].split()[0] == "project"
    code, out, _ = run(capsys, "funded-by", "城管局", "--json", "--index", index_dir)
    assert json.loads(out)[0]["project_id"].startswith("project:")  # the full id stays in JSON
    code, _, err = run(capsys, "funded-by", "城管局", "--columns", "projekt", "--index", index_dir)
    assert code == 1 and "--columns: no column projekt; this table has project," in err
