"""The index as SQLite, browsed with Datasette in a real headless browser."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import search
from tests.test_html_view import browser  # noqa: F401  (the fixture)
from workbench.corpus import open_corpus
from workbench.database import metadata_path

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def database(search_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("db") / "corpus.db"
    assert search.main(["database", "--out", str(out), "--index", str(search_dir.parent)]) == 0
    return out


def test_every_table_row_is_there(database: Path, search_dir: Path) -> None:
    import sqlite_utils

    db = sqlite_utils.Database(database)
    c = open_corpus(search_dir.parent)
    counts = {"projects": 94, "indicators": 520, "citations": 338, "documents": 294, "issuers": 84}
    for table, n in counts.items():
        assert db[table].count == n == len(getattr(c, table)), table
    assert db["lint"].count == len(c.lint()) and db["duplicates"].count == len(c.duplicates())
    fks = {(f.column, f.other_table) for f in db["citations"].foreign_keys}
    assert fks == {("project_id", "projects"), ("document_id", "documents")}
    assert {"budget_by_department", "shared_documents", "open_findings"} <= set(db.view_names())
    top = next(iter(db.query("SELECT * FROM budget_by_department")))
    assert top["department"] == "重庆市北碚区卫生健康委员会" and top["amount"] == 16944.22
    found = {r["project"] for r in db["projects"].search("防火")}  # a word inside 森林防火, split by jieba
    assert found == {"北碚区森林防火经费（重点）", "森林防火基础设施建设"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_datasette_serves_it_to_a_browser(database: Path, browser: list[str]) -> None:  # noqa: F811
    server, base = _serve(str(database), "--metadata", str(metadata_path(database)))
    try:
        url = f"{base}/corpus/projects?_search=%E9%98%B2%E7%81%AB"  # ?_search=防火
        dom = subprocess.run(
            [*browser, "--dump-dom", url], capture_output=True, text=True, timeout=120, check=True
        ).stdout
        canned = f"{base}/corpus/projects_of_a_department?department=%E5%9F%8E%E5%B8%82%E7%AE%A1%E7%90%86"  # 城市管理
        page = subprocess.run(
            [*browser, "--dump-dom", canned], capture_output=True, text=True, timeout=120, check=True
        ).stdout
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert "2 rows where search matches" in dom
    assert "森林防火基础设施建设" in dom and "北碚区森林防火经费（重点）" in dom
    assert "项目 · projects" in dom  # the table's Chinese title from the metadata
    assert "某部门的项目及立项依据" in page and "环境卫生管理" in page  # a canned query, run from its form


def test_the_metadata_describes_every_column_and_its_queries_run(database: Path) -> None:
    import json
    import sqlite3

    meta = json.loads(metadata_path(database).read_text(encoding="utf-8"))["databases"]["corpus"]
    db = sqlite3.connect(database)
    for table, info in meta["tables"].items():
        columns = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
        assert set(info["columns"]) <= set(columns) and info["title"]
    assert meta["tables"]["projects"]["columns"]["amount"].startswith("当年预算金额")
    first, *_, last = [r[1] for r in db.execute("PRAGMA table_info(projects)")]
    assert (first, last) == ("project", "project_id")  # the name first, the long id last
    given = {"department": "城市管理", "document": "渝府办发", "min_score": "0.5"}
    got = {
        name: db.execute(q["sql"], {k: v for k, v in given.items() if f":{k}" in q["sql"]}).fetchall()
        for name, q in meta["queries"].items()
    }
    assert len(got["projects_of_a_department"]) == 10  # 区城市管理局's projects (5,546.02 万元)
    assert round(sum(r[2] for r in got["projects_of_a_department"]), 2) == 5546.02
    assert {r[0] for r in got["projects_of_a_document"]} and all(
        "渝府办发" in r[0] for r in got["projects_of_a_document"]
    )
    assert got["open_findings"] and all(r[0].startswith("L-") for r in got["open_findings"])
    assert all(r[1] >= 0.5 for r in got["duplicate_candidates"])


def _serve(*argv: str) -> tuple[subprocess.Popen, str]:
    datasette = shutil.which("datasette", path=str(Path(sys.executable).parent))
    assert datasette, "datasette is not installed: pip install -e '.[browse]'"
    port = _free_port()
    server = subprocess.Popen(
        [datasette, *argv, "--port", str(port), "--host", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):  # at most 20 s to start
        try:
            urllib.request.urlopen(base, timeout=1).read()
            break
        except OSError:
            time.sleep(0.2)
    return server, base


def test_decisions_made_after_the_database_are_read_live(index_copy: Path, tmp_path: Path, capsys) -> None:
    import json
    import shlex

    out = tmp_path / "corpus.db"
    assert search.main(["database", "--out", str(out), "--index", str(index_copy)]) == 0
    said = capsys.readouterr().out
    command = shlex.split(said.split("browse it with: ")[1])  # the command the user is told to run
    assert command[0] == "datasette" and "--crossdb" in command
    server, base = _serve(*command[1:])

    def open_findings() -> list[dict]:
        url = f"{base}/_memory/open_findings_live.json?_shape=array"
        return json.loads(urllib.request.urlopen(url, timeout=30).read())

    try:
        before = open_findings()
        first = before[0]["key"]
        assert search.main(["review", first, "--decision", "dismissed", "--index", str(index_copy)]) == 0
        after = open_findings()
        snapshot = json.loads(urllib.request.urlopen(f"{base}/corpus/open_findings.json?_shape=array").read())
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert len(after) == len(before) - 1 and first not in {r["key"] for r in after}  # live
    assert len(snapshot) == len(before)  # the database's own view is the snapshot it was written with


def test_the_live_queries_run_over_both_files(index_copy: Path, tmp_path: Path) -> None:
    import json
    import sqlite3

    from workbench.review import reviews_path

    out = open_corpus(index_copy).database(tmp_path / "corpus.db")
    reviews = reviews_path(index_copy)
    queries = json.loads(metadata_path(out).read_text(encoding="utf-8"))["databases"]["_memory"]["queries"]
    db = sqlite3.connect(":memory:")
    db.execute(f"ATTACH DATABASE '{out}' AS [corpus]")
    db.execute(f"ATTACH DATABASE '{reviews}' AS [{reviews.stem}]")
    n_lint = db.execute("SELECT count(*) FROM corpus.lint").fetchone()[0]
    assert len(db.execute(queries["open_findings_live"]["sql"]).fetchall()) == n_lint  # nothing decided yet
    assert db.execute(queries["decisions_live"]["sql"]).fetchall() == []
    assert all(r[1] >= 0.5 for r in db.execute(queries["duplicate_candidates_live"]["sql"], {"min_score": 0.5}))
