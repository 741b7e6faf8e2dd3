"""matplotlib with a font that has Chinese glyphs, so labels render as characters, not boxes.

>>> name = use_chinese_font()   # doctest: +SKIP
>>> name                        # doctest: +SKIP
'WenQuanYi Micro Hei'
"""

from __future__ import annotations

from graph.errors import FontMissing

__all__ = [
    "CJK_FONTS",
    "LEVEL_ORDER",
    "FontMissing",
    "budget_by_department",
    "flow",
    "indicator_mix",
    "retained_vs_towns",
    "use_chinese_font",
]

CJK_FONTS = (
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Droid Sans Fallback",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)
_FILE_HINTS = ("wqy", "notosanscjk", "notosanssc", "sourcehansans", "droidsansfallback", "simhei", "msyh", "pingfang")


def use_chinese_font() -> str:
    """Make matplotlib use the first Chinese-capable font found; return its name.

    Fonts installed after matplotlib built its cache are found by file name and registered.
    Raises :class:`FontMissing` saying what to install when there is none.
    """
    import matplotlib as mpl
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    if not names.intersection(CJK_FONTS):
        for path in font_manager.findSystemFonts():
            if any(h in path.lower().replace("-", "").replace("_", "") for h in _FILE_HINTS):
                font_manager.fontManager.addfont(path)
        names = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in names:
            mpl.rcParams["font.sans-serif"] = [name, *mpl.rcParams["font.sans-serif"]]
            mpl.rcParams["font.family"] = "sans-serif"
            mpl.rcParams["axes.unicode_minus"] = False  # the CJK font's minus sign is missing in some
            return name
    raise FontMissing(
        "no font with Chinese glyphs for matplotlib; install one, e.g. `apt-get install fonts-wqy-microhei` "
        "(Debian/Ubuntu; `make test` does this) or Noto Sans CJK"
    )


LEVEL_ORDER = ("国家", "省", "市", "区", "未知")  # government levels, from the top down


def budget_by_department(projects, ax=None):  # projects: DataFrame; returns the Axes
    """Horizontal bars of 当年预算金额 per department, full names, each bar labelled with its 万元."""
    import matplotlib.pyplot as plt

    by = projects.groupby("department")["amount"].sum().sort_values()
    if ax is None:
        _, ax = plt.subplots(figsize=(10, max(4, 0.32 * len(by))))
    bars = ax.barh(by.index, by.values, color="#1f77b4")
    ax.bar_label(bars, labels=[f"{v:,.2f}" for v in by.values], padding=3, fontsize=8)
    ax.set_xlabel("当年预算金额（万元）")
    ax.set_title("各部门重点专项预算")
    ax.margins(x=0.15)
    return ax


def retained_vs_towns(projects, ax=None):
    """Stacked bars per department: 部门留用 and 补助街镇 (万元)."""
    import matplotlib.pyplot as plt

    by = projects.groupby("department")[["retained", "to_towns"]].sum().sort_values("retained")
    by = by[(by["retained"] + by["to_towns"]) > 0]
    if ax is None:
        _, ax = plt.subplots(figsize=(10, max(4, 0.32 * len(by))))
    ax.barh(by.index, by["retained"], color="#1f77b4", label="部门留用")
    ax.barh(by.index, by["to_towns"], left=by["retained"], color="#ff7f0e", label="补助街镇")
    ax.set_xlabel("万元")
    ax.set_title("部门留用与补助街镇")
    ax.legend(loc="lower right")
    return ax


def indicator_mix(indicators, ax=None):
    """A heat map: how many indicators of each 一级指标 each department sets."""
    import matplotlib.pyplot as plt

    table = indicators.pivot_table(
        index="department", columns="level1", values="indicator", aggfunc="count", fill_value=0
    )
    if ax is None:
        _, ax = plt.subplots(figsize=(7, max(4, 0.32 * len(table))))
    im = ax.imshow(table.values, cmap="Blues", aspect="auto")
    ax.set_xticks(range(len(table.columns)), table.columns)
    ax.set_yticks(range(len(table.index)), table.index, fontsize=8)
    for (i, j), v in __import__("numpy").ndenumerate(table.values):
        ax.text(
            j, i, str(v), ha="center", va="center", fontsize=7, color="white" if v > table.values.max() / 2 else "#222"
        )
    ax.set_title("各部门的指标构成（一级指标，个数）")
    ax.figure.colorbar(im, ax=ax, fraction=0.03)
    return ax


def flow(edges, columns, ax=None, min_share: float = 0.0):
    """A Sankey-style flow: ``edges`` has a weight column ``value`` and one column per stage in
    ``columns`` (e.g. issuer_level → department → project); bands join the stacked stages."""
    import matplotlib.pyplot as plt
    import numpy as np

    if ax is None:
        _, ax = plt.subplots(figsize=(12, 9))
    total = float(edges["value"].sum()) or 1.0
    gap = 0.004
    pos: list[dict[str, tuple[float, float]]] = []
    for col in columns:
        sizes = edges.groupby(col)["value"].sum()
        order = (
            [k for k in LEVEL_ORDER if k in sizes.index] if col == "issuer_level" else list(sizes.sort_values().index)
        )
        y, spans = 0.0, {}
        for k in order:
            h = sizes[k] / total
            spans[k] = (y, y + h)
            y += h + gap
        pos.append(spans)
    colours = plt.get_cmap("tab20")
    for s in range(len(columns) - 1):
        a, b = columns[s], columns[s + 1]
        pairs = edges.groupby([a, b])["value"].sum()
        out_y = {k: v[0] for k, v in pos[s].items()}
        in_y = {k: v[0] for k, v in pos[s + 1].items()}
        for n, ((ka, kb), v) in enumerate(pairs.sort_index().items()):
            h = v / total
            y0, y1 = out_y[ka], in_y[kb]
            xs = np.linspace(s + 0.05, s + 0.95, 50)
            t = (1 - np.cos(np.pi * (xs - s - 0.05) / 0.9)) / 2
            mid = y0 + (y1 - y0) * t
            shade = list(pos[0]).index(ka) if s == 0 else n  # stable colours, whatever the hash seed
            ax.fill_between(xs, mid, mid + h, color=colours(shade % 20), alpha=0.45, lw=0)
            out_y[ka] += h
            in_y[kb] += h
    for s, spans in enumerate(pos):
        for k, (y0, y1) in spans.items():
            ax.add_patch(plt.Rectangle((s - 0.05, y0), 0.1, y1 - y0, color="#444"))
            if (y1 - y0) >= min_share:
                ha, x = ("right", s - 0.07) if s == 0 else ("left", s + 0.07)
                ax.text(x, (y0 + y1) / 2, str(k), ha=ha, va="center", fontsize=7)
    ax.set_xlim(-0.8, len(columns) - 0.2)
    ax.set_ylim(1 + gap * 60, -0.01)
    from graph.vocabulary import COLUMNS

    ax.set_xticks(range(len(columns)), [COLUMNS.get(c, (c,))[0] for c in columns])
    ax.set_yticks([])
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    return ax
