"""Names as analysts write them (issue 21, in part): short forms of department names from
``graph/read/data/aliases.toml``, the nearest names when nothing matches, and a total under every
listing of projects."""

from __future__ import annotations

import pytest

import search
from graph import queries
from graph.errors import LookupFailed
from graph.store import Index

BEIBEI = "重庆市北碚区"


@pytest.mark.parametrize(
    ("written", "department"),
    [
        ("城管局", f"{BEIBEI}城市管理局"),
        ("区城管局", f"{BEIBEI}城市管理局"),
        ("发改委", f"{BEIBEI}发展和改革委员会"),
        ("卫健委", f"{BEIBEI}卫生健康委员会"),
        ("住建委", f"{BEIBEI}住房和城乡建设委员会"),
        ("人社局", f"{BEIBEI}人力资源和社会保障局"),
        ("区委宣传部", "中国共产党重庆市北碚区委员会宣传部"),
        ("区纪委", "中国共产党重庆市北碚区纪律检查委员会"),
        ("区委统战部", "中共重庆市北碚区委统一战线工作部"),
        ("区供销社", f"{BEIBEI}供销合作社联合社"),
        ("区人大", f"{BEIBEI}人民代表大会常务委员会办公室"),
    ],
)
def test_short_names_find_their_department(sample_index: Index, written: str, department: str) -> None:
    node = queries.find_department(sample_index.graph, written)
    assert sample_index.graph.nodes[node]["name"] == department


def test_a_name_that_matches_nothing_gets_the_nearest(sample_index: Index) -> None:
    with pytest.raises(LookupFailed, match=f"did you mean {BEIBEI}城市管理局"):
        queries.find_department(sample_index.graph, "城市管局")


def test_listings_end_with_their_total(sample_index: Index, capsys: pytest.CaptureFixture[str]) -> None:
    assert search.main(["funded-by", "区城管局", "--index", str(sample_index.path)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "10 projects, 5,546.02 万元"
    assert search.main(["funded-by", "区城管局", "--json", "--index", str(sample_index.path)]) == 0
    assert "万元" not in capsys.readouterr().out.splitlines()[-1]  # JSON stays data


def test_cited_by_several_documents_lists_each_one_s_projects(sample_index: Index) -> None:
    """`乡村振兴` is in the titles of nine documents: their projects, grouped by document."""
    df = queries.cited_by(sample_index.graph, "乡村振兴")
    assert df["document"].nunique() == 9 and len(df) == 9 and df["project_id"].nunique() == 3
    assert df["document"].tolist() == list(dict.fromkeys(df["document"]))  # grouped: each document once, in a run


def test_an_issuer_prefix_selects_all_its_documents(sample_index: Index) -> None:
    df = queries.cited_by(sample_index.graph, "渝府办发")
    assert df["document"].nunique() == 16 and df["document"].str.startswith("渝府办发〔").all()
    assert queries.projects_total(df) == "13 projects, 8,305.30 万元"


# --- Chinese or English: the message catalogue and --lang --------------------------------------------


def test_every_message_id_has_both_languages() -> None:
    """Every diagnostic code, every lint rule, every label and header: Chinese and English, none stale."""
    from graph.codes import Code, Rule
    from graph.i18n import catalogue

    cat = catalogue()
    assert {f"code.{c}" for c in Code} | {f"rule.{r}" for r in Rule} <= set(cat)
    assert {k for k in cat if k.startswith(("code.", "rule."))} == {f"code.{c}" for c in Code} | {
        f"rule.{r}" for r in Rule
    }  # no entry for a code that is gone
    missing = [k for k, v in cat.items() if not (v.get("zh") and v.get("en"))]
    assert missing == []
    placeholders_only = {k for k, v in cat.items() if k.startswith("finding.") and v["zh"].startswith("[{code}]")}
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in v["zh"]) for k, v in cat.items() if k not in placeholders_only)
    assert {k.removeprefix("finding.") for k in cat if k.startswith("finding.")} <= {str(r) for r in Rule}


def test_every_finding_of_the_sample_reads_in_chinese(sample_index: Index) -> None:
    """No lint message on the sample falls back to English or to a missing value in Chinese."""
    from analysis.lint import lint_index
    from graph.i18n import finding_text, text

    for f in lint_index(sample_index.path):
        zh = finding_text(f.rule, dict(f.values), f.message, "zh")
        assert zh != f.message and "{" not in zh, (f.rule, zh)
        templated = f.rule not in ("no-satisfaction-indicator", "goals-equal-overview", "no-core-indicator")
        assert not templated or zh != text(f"rule.{f.rule}", "zh") or not f.values, (f.rule, zh)


def test_lang_or_the_locale_chooses_the_language(sample_index: Index, capsys, monkeypatch) -> None:
    index_dir = str(sample_index.path)
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert search.main(["lint", "--rule", "cost-lower-bound", "--index", index_dir]) == 0
    zh = capsys.readouterr().out.splitlines()
    assert zh[0].split()[:4] == ["简号", "规则", "级别", "项目名称"] and " 警告 " in zh[1]
    assert search.main(["lint", "--rule", "cost-lower-bound", "--lang", "en", "--index", index_dir]) == 0
    en = capsys.readouterr().out.splitlines()
    assert en[0].split()[:4] == ["key", "rule", "severity", "project"] and " warning " in en[1]
    assert search.main(["lint", "--rules", "--json", "--index", index_dir]) == 0
    import json

    rules = json.loads(capsys.readouterr().out)  # JSON keys stay English; the descriptions follow LANG
    assert rules[0]["rule"] == "weights-sum" and rules[0]["description"] == "指标权重加预算执行率权重不等于 100"
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert search.main(["lint", "--summary", "--index", index_dir]) == 0
    assert capsys.readouterr().out.startswith("rule ")


def test_the_build_report_and_the_notices_in_chinese(tmp_path, capsys, monkeypatch) -> None:
    import build_index
    from graph.defaults import DEFAULT_SAMPLE

    out = tmp_path / "idx"
    assert build_index.main([str(DEFAULT_SAMPLE), "--no-search", "--out", str(out), "--lang", "zh"]) == 0
    report = capsys.readouterr().out.splitlines()
    assert report[0] == "读取 1 个文件：94 个项目，520 行指标（449 个不同指标），目录 94 条"
    assert report[2] == f"图谱：974 个节点，1288 条边 -> {out}/" and "6 条提示：" in report
    assert build_index.main([str(DEFAULT_SAMPLE), "--no-search", "--out", str(out), "--lang", "en"]) == 0
    assert capsys.readouterr().out.startswith("read 1 file(s): 94 projects, 520 indicator rows")
    assert search.main(["funded-by", "城管局", "--lang", "zh", "--index", str(out)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "10 个项目，5,546.02 万元"


def test_refusals_in_chinese_and_english(sample_index: Index, capsys, monkeypatch) -> None:
    """The refusals a user meets most (a name or place the index lacks, an unknown rule) in both
    languages; every refusal's message id is in the catalogue."""
    import ast
    from pathlib import Path

    from graph.i18n import catalogue

    index_dir = str(sample_index.path)
    for argv, zh, en in (
        (
            ["funded-by", "城市管局"],
            "错误：没有与 '城市管局' 匹配的部门；您要找的是否是",
            "error: no department matches",
        ),
        (
            ["cited-by", "渝府办发", "--region", "江北"],
            "错误：没有地区名称包含 '江北' 的项目",
            "error: no project's region",
        ),
        (["cited-by", "渝府办发〔2031〕1号"], "错误：本索引中没有项目引用文件 渝府办发〔2031〕1号", "error: document"),
        (["lint", "--rule", "nope"], "错误：未知的检查规则 nope", "error: unknown lint rule(s) nope"),
    ):
        assert search.main([*argv, "--lang", "zh", "--index", index_dir]) == 1
        assert capsys.readouterr().err.startswith(zh)
        assert search.main([*argv, "--lang", "en", "--index", index_dir]) == 1
        assert capsys.readouterr().err.startswith(en)
    missing = str(sample_index.path.parent / "no-index-here")
    assert search.main(["cited-by", "x", "--lang", "zh", "--index", missing]) == 1
    assert capsys.readouterr().err.startswith(f"错误：{missing}：没有 manifest.json，这是索引目录吗？")
    import build_index

    assert build_index.main([missing + ".txt", "--out", missing, "--lang", "zh"]) == 1
    assert capsys.readouterr().err.startswith(f"错误：{missing}.txt：没有这个文件或文件夹")
    root = Path(__file__).resolve().parent.parent
    used = set()
    for path in [*root.glob("graph/**/*.py"), *root.glob("index/*.py"), *root.glob("analysis/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = getattr(node.func, "id", None) if isinstance(node, ast.Call) else None
            if name in ("refusal", "refusal_at") and len(node.args) >= 2:
                used.add(ast.literal_eval(node.args[1]))
    declared = {k.removeprefix("error.") for k in catalogue() if k.startswith("error.")} - {"prefix"}
    assert used == declared  # every refusal's id is in the catalogue, and no entry is stale
