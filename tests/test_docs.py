"""The README stays true: every CLI command is documented, and its Python example runs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import build_index
import search

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_search_command_is_documented_and_has_help() -> None:
    sub = next(a for a in search.parser()._actions if a.dest == "command")
    helps = {a.dest: a.help for a in sub._choices_actions}  # type: ignore[attr-defined]
    assert set(helps) == set(sub.choices)  # type: ignore[arg-type]
    for name, p in sub.choices.items():  # type: ignore[union-attr]
        assert f"search.py {name}" in README, name
        assert helps[name] and len(helps[name]) > 20, name  # a sentence, not a placeholder
        for action in p._actions:
            if action.option_strings and action.dest != "help":
                assert action.help, (name, action.option_strings)


def test_every_build_option_is_documented() -> None:
    for action in build_index.parser()._actions:
        for opt in action.option_strings:
            if opt.startswith("--") and opt != "--help":
                assert opt in README, opt


def test_readme_python_example_runs(tmp_path: Path, search_dir: Path) -> None:
    block = "\n".join(re.findall(r"```python\n(.*?)```", README, re.S))
    shutil.copytree(search_dir.parent, tmp_path / "build" / "index")  # the sample's index, built once
    r = subprocess.run(
        [sys.executable, "-c", block],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},  # HOME and BUDGET_GRAPH_CACHE find the model cache
    )
    assert r.returncode == 0, r.stderr
    assert "歇马街道农荣村土地整理项目" in r.stdout and "doc:渝规资〔2020〕678号" in r.stdout
    assert "findings = c.lint(" in block
    assert "29 pairs; 7 in clusters; best [0.8754, 0.8214, 0.7361]" in r.stdout  # the README shows this output
    assert "1 森林防火基础设施建设" in r.stdout and "['路灯运行设施维护费', '迎春灯饰（重点）']" in r.stdout
