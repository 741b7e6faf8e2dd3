"""matplotlib with a font that has Chinese glyphs, so labels render as characters, not boxes.

>>> name = use_chinese_font()   # doctest: +SKIP
>>> name                        # doctest: +SKIP
'WenQuanYi Micro Hei'
"""

from __future__ import annotations

from graph.errors import FontMissing

__all__ = ["CJK_FONTS", "FontMissing", "use_chinese_font"]

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
