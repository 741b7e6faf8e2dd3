"""Every notebook runs top to bottom from a clean state, and its figures render Chinese glyphs."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, search_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    nb = json.loads(path.read_text(encoding="utf-8"))
    assert all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code"), (
        "commit notebooks without outputs"
    )
    shutil.copytree(search_dir.parent, tmp_path / "build" / "index")  # as `make run` leaves it
    monkeypatch.chdir(tmp_path)
    plt.close("all")
    ns: dict[str, object] = {"__name__": "__main__"}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i, cell in enumerate(c for c in nb["cells"] if c["cell_type"] == "code"):
            exec(compile("".join(cell["source"]), f"{path.name}[cell {i}]", "exec"), ns)
        for n in plt.get_fignums():
            plt.figure(n).savefig(tmp_path / f"{path.stem}-{n}.png", dpi=60)
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert not missing, missing[:3]
    plt.close("all")


def test_there_are_three_notebooks() -> None:
    assert [p.name for p in NOTEBOOKS] == ["01_tour.ipynb", "02_duplicates.ipynb", "03_legal_basis_network.ipynb"]


def test_chinese_font_is_found() -> None:
    from workbench.plotting import CJK_FONTS, use_chinese_font

    assert use_chinese_font() in CJK_FONTS


def test_missing_font_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no font it knows, the charts refuse with the package to install (not boxes for glyphs)."""
    import workbench.plotting as plotting
    from graph.errors import BudgetGraphError, FontMissing

    monkeypatch.setattr(plotting, "CJK_FONTS", ("No Such Font Sans",))
    monkeypatch.setattr(plotting, "_FILE_HINTS", ("nosuchfontfile",))
    with pytest.raises(FontMissing, match="apt-get install fonts-wqy-microhei") as exc:
        plotting.use_chinese_font()
    assert isinstance(exc.value, BudgetGraphError)


def test_tour_charts_speak_chinese_and_keep_full_names(search_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from workbench import plotting
    from workbench.corpus import open_corpus

    plotting.use_chinese_font()
    c = open_corpus(search_dir.parent)
    ax = plotting.budget_by_department(c.projects)
    names = [t.get_text() for t in ax.get_yticklabels()]
    assert "中国共产党重庆市北碚区委员会宣传部" in names and len(names) == c.projects["department"].nunique()
    values = [t.get_text() for t in ax.texts]
    assert "16,944.22" in values and len(values) == len(names)  # every bar labelled with its 万元
    assert ax.get_xlabel() == "当年预算金额（万元）"
    flows = (
        c.citations[["project_id", "document_id"]]
        .merge(c.documents[["document_id", "issuer_level"]], on="document_id")
        .merge(c.projects[["project_id", "project", "department", "amount"]], on="project_id")
        .fillna({"issuer_level": "未知"})
        .drop_duplicates(["project_id", "issuer_level"])
    )
    flows["value"] = flows["amount"]
    ax = plotting.flow(flows, ["issuer_level", "department", "project"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["层级", "业务主管部门", "项目名称"]
    levels = [t.get_text() for t in ax.texts if t.get_text() in plotting.LEVEL_ORDER]
    assert levels == ["国家", "市", "区", "未知"]  # top down, not 区, 国家, 市
    plt.close("all")
