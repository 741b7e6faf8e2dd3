"""build_index.py as a user runs it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import build_index

ROOT = Path(__file__).resolve().parent.parent


def test_default_run_builds_the_sample(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert build_index.main(["--out", str(tmp_path / "idx"), "--no-search"]) == 0
    out = capsys.readouterr().out
    assert "94 projects, 520 indicator rows" in out
    assert "beibei_2024_key_projects.txt:482: warning [shifted-cells]" in out
    assert "toc-name-differs" in out
    assert (tmp_path / "idx" / "manifest.json").is_file()


def test_json_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert build_index.main(["--out", str(tmp_path), "--json", "--no-search"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["counts"]["projects"] == 94 and len(data["diagnostics"]) == 6


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        ("没有表格的文本\n".encode(), "no 绩效目标表 table found"),
        (b"\xff\xfe\x81\x30\xff", "not UTF-8 (bad byte 0xff at byte offset 0)"),
    ],
)
def test_bad_input_exits_1_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    assert build_index.main([str(bad), "--out", str(tmp_path / "idx"), "--no-search"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "bad.txt" in err and message in err


def test_keep_going_skips_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "empty.txt").write_bytes(b"")
    (tmp_path / "docs" / "good.txt").write_text(
        (ROOT / "tests/fixtures/two_tables.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    assert build_index.main([str(tmp_path / "docs"), "--out", str(tmp_path / "idx"), "--no-search"]) == 1
    capsys.readouterr()
    assert (
        build_index.main([str(tmp_path / "docs"), "--out", str(tmp_path / "idx"), "--keep-going", "--no-search"]) == 0
    )
    out = capsys.readouterr().out
    assert "2 projects" in out and "empty.txt: error [EmptyFileError]" in out
    assert out.count("empty.txt") == 1  # reported once, not twice
    diags = (tmp_path / "idx" / "diagnostics.csv").read_text(encoding="utf-8")
    assert "EmptyFileError" in diags


def test_every_unreadable_file_of_a_folder_is_named_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Not the first bad file alone: all of them, each with why, and the --keep-going hint."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a_empty.txt").write_bytes(b"")
    (docs / "b_good.txt").write_text((ROOT / "tests/fixtures/two_tables.txt").read_text(encoding="utf-8"))
    (docs / "c_notes.txt").write_text("会议纪要：无表格。", encoding="utf-8")
    (docs / "d_binary.txt").write_bytes(b"\x00\x01\x02 not text")
    assert build_index.main([str(docs), "--out", str(tmp_path / "idx"), "--no-search"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "error: 3 of 4 files cannot be read:"
    assert [line.split(":")[0].strip().rsplit("/", 1)[-1] for line in err[1:4]] == [
        "a_empty.txt", "c_notes.txt", "d_binary.txt"
    ]  # fmt: skip
    assert "the file is empty" in err[1] and "no 绩效目标表 table found" in err[2]
    assert err[-1] == "fix or remove them, or build from the others with --keep-going"
    assert not (tmp_path / "idx").exists()  # nothing built: the user decides


def test_a_folder_reads_every_case_and_says_what_it_skips(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fx = (ROOT / "tests/fixtures/two_tables.txt").read_text(encoding="utf-8")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "B.TXT").write_text(fx, encoding="utf-8")
    (tmp_path / "docs" / "notes.rtf").write_bytes(b"{\\rtf1 notes}")
    assert build_index.main([str(tmp_path / "docs"), "--out", str(tmp_path / "idx"), "--no-search"]) == 0
    out = capsys.readouterr().out
    assert "read 1 file(s): 2 projects" in out and "notes.rtf: warning [not-read]" in out


def test_the_same_tables_twice_are_counted_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "copy of sample.txt"
    shutil.copy(ROOT / "data/beibei_2024_key_projects.txt", copy)
    argv = [str(ROOT / "data/beibei_2024_key_projects.txt"), str(copy), "--out", str(tmp_path / "idx"), "--no-search"]
    assert build_index.main([*argv, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["counts"]["projects"] == 94
    assert any("duplicate-source" in d and "copy of sample.txt" in d for d in report["diagnostics"])
    import pandas as pd

    assert round(pd.read_csv(tmp_path / "idx" / "projects.csv")["amount"].sum(), 2) == 41826.39


def test_several_files_make_one_graph(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fx = ROOT / "tests/fixtures"
    assert (
        build_index.main(
            [str(fx / "two_tables.txt"), str(fx / "shifted_rows.txt"), "--out", str(tmp_path), "--no-search"]
        )
        == 0
    )
    assert "read 2 file(s): 4 projects" in capsys.readouterr().out


def test_script_runs_as_a_user_would(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, str(ROOT / "build_index.py"), "--out", str(tmp_path), "--no-search"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert "read 1 file(s): 94 projects" in r.stdout
    r = subprocess.run(
        [sys.executable, str(ROOT / "build_index.py"), "/no/such.txt"], capture_output=True, text=True, check=False
    )
    assert r.returncode == 1 and r.stderr == "error: /no/such.txt: no such file or folder\n"


def test_no_search_leaves_no_stale_search_index(search_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "idx"
    shutil.copytree(search_dir.parent, out)
    assert build_index.main(["--out", str(out), "--no-search"]) == 0
    assert not (out / "search").exists() and (out / "manifest.json").is_file()


def test_unknown_model_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = build_index.main(
        [str(ROOT / "tests/fixtures/two_tables.txt"), "--out", str(tmp_path), "--model", "/no/such/model"]
    )
    err = capsys.readouterr().err
    assert code == 1 and "cannot load sentence-transformers model '/no/such/model' offline" in err


def _on_a_terminal(argv: list[str]) -> tuple[str, str]:
    """Run build_index.py with its stderr on a real pseudo-terminal: (stdout, what the terminal shows)."""
    import os
    import pty
    import subprocess
    import sys

    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, str(ROOT / "build_index.py"), *argv], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=slave, text=True)  # fmt: skip
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    out = proc.communicate()[0]
    os.close(master)
    return out, shown.decode("utf-8", "replace").replace("\r", "\n")


def test_a_build_at_a_terminal_shows_each_file_as_it_is_read(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    fx = (ROOT / "tests/fixtures/two_tables.txt").read_text(encoding="utf-8")
    (docs / "a.txt").write_text(fx, encoding="utf-8")
    (docs / "b.txt").write_text(fx.replace("2024", "2025"), encoding="utf-8")
    out, shown = _on_a_terminal([str(docs), "--no-search", "--out", str(tmp_path / "idx")])
    assert f"[1/2] {docs / 'a.txt'}: 2 projects" in shown and f"[2/2] {docs / 'b.txt'}: 2 projects" in shown
    assert "writing the index beside" in shown
    quiet_out, quiet_shown = _on_a_terminal([str(docs), "--no-search", "--out", str(tmp_path / "idx2"), "--quiet"])
    assert "[1/2]" not in quiet_shown and "writing the index" not in quiet_shown
    assert out.replace("idx/", "idx2/") == quiet_out  # stdout is the same either way
