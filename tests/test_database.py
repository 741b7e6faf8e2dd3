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
    datasette = shutil.which("datasette", path=str(Path(sys.executable).parent))
    assert datasette, "datasette is not installed: pip install -e '.[browse]'"
    port = _free_port()
    server = subprocess.Popen(
        [datasette, str(database), "--port", str(port), "--host", "127.0.0.1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):  # at most 20 s to start
            try:
                urllib.request.urlopen(base, timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        url = f"{base}/corpus/projects?_search=%E9%98%B2%E7%81%AB"  # ?_search=防火
        dom = subprocess.run(
            [*browser, "--dump-dom", url], capture_output=True, text=True, timeout=120, check=True
        ).stdout
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert "2 rows where search matches" in dom
    assert "森林防火基础设施建设" in dom and "北碚区森林防火经费（重点）" in dom
