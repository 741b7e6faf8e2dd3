"""Find citations of laws and official documents in free text.

Document numbers (发文字号) come in many shapes in extracted tables; all meet in one
canonical form ``渝府办发〔2019〕57号``:

>>> [c.key for c in extract_citations('根据渝人社发（2020）126 号和渝人社发（2021）9 号文件')]
['渝人社发〔2020〕126号', '渝人社发〔2021〕9号']
>>> [c.key for c in extract_citations('《军人抚恤优待条例》（国务院令 第 413 号）')]
['国务院令第413号']
>>> c = extract_citations('《关于印发〈方案〉的通知》（北碚委发〔2019〕13号）')[0]
>>> c.key, c.title
('北碚委发〔2019〕13号', '《关于印发〈方案〉的通知》')
>>> [c.key for c in extract_citations('《中华人民共和国残疾人保障法》', field="立项依据")]
['《残疾人保障法》']
>>> extract_citations('规划（2016-2025） 合同（项目编号 18C133）（2023 年版）')
[]
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable

from graph.models import Citation, DocumentNumber, Span
from graph.text import squash, title_key

__all__ = ["DOC_TYPE_SUFFIXES", "extract_citations", "find_numbers", "find_titles", "split_basis"]

_OPEN = "〔[【（(［"
_CLOSE = "〕]】）)］"
_CJK = "\u4e00-\u9fff"

# ISSUER 〔YEAR〕 [字] [第] SERIAL [号] — spaces allowed anywhere; the issuer is trimmed later.
_NUMBER = re.compile(
    rf"(?P<pre>[{_CJK}A-Za-z]{{1,30}})\s*[{re.escape(_OPEN)}]\s*(?P<year>\d{{4}}|\d{{2}})\s*[{re.escape(_CLOSE)}]"
    rf"\s*(?P<zi>字)?\s*(?:第\s*)?(?P<serial>[A-Za-z]?\s*\d{{1,5}})\s*(?P<hao>号)?"
)
# ORG令 [第] N 号   e.g. 国务院令 第 413 号, 国家发展改革委令 45 号, 中华人民共和国国务院令 712 号
_DECREE_A = re.compile(rf"(?P<org>[{_CJK}]{{2,24}}?)\s*令\s*(?:第\s*)?(?P<serial>\d{{1,5}})\s*号(?!令)")
# ORG [ORG] 第 N 号令   e.g. 民政部第 2 号令, 国务院 中央军委第 608 号令
_DECREE_B = re.compile(rf"(?P<org>[{_CJK}]{{2,24}}(?:\s+[{_CJK}]{{2,24}})*)\s*第\s*(?P<serial>\d{{1,5}})\s*号令")

# Characters that never occur inside an issuer code: the code starts after the last of them.
_NOT_IN_CODE = set("号的了在于为是将对把被向即及和与或并等、，。；：“”‘’《》〈〉")
# Words glued to the front of a code by the sentence around it.
_LEADING_WORDS = (
    "根据",
    "按照",
    "依据",
    "依照",
    "参照",
    "遵照",
    "对照",
    "结合",
    "执行",
    "落实",
    "贯彻",
    "详见",
    "文件",
    "印发",
    "转发",
    "通知",
    "精神",
    "要求",
    "规定",
    "设在",
    "见",
    "按",
    "据",
    "经",
    "由",
    "以",
)
_ORG_PREFIX_DROP = ("中华人民共和国",)

DOC_TYPE_SUFFIXES = (
    "法",
    "条例",
    "办法",
    "规定",
    "意见",
    "通知",
    "方案",
    "规划",
    "细则",
    "决定",
    "批复",
    "纲要",
    "标准",
    "规范",
    "规程",
    "计划",
    "函",
    "纪要",
    "要点",
    "制度",
    "规则",
    "合同",
    "指南",
    "目录",
    "公告",
    "通告",
    "报告",
    "协议",
    "清单",
    "决议",
    "命令",
    "令",
    "指引",
    "要求",
    "措施",
    "章程",
)


def _year(text: str) -> int:
    y = int(text)
    if len(text) == 2:
        y += 1900 if y >= 50 else 2000
    return y


def _serial(text: str) -> str:
    s = squash(text).upper()
    m = re.match(r"([A-Z]?)0*(\d+)$", s)
    return sys.intern(f"{m.group(1)}{m.group(2) or '0'}" if m else s)


def trim_issuer(run: str, known_codes: frozenset[str] = frozenset()) -> str:
    """Cut the issuer code out of the run of characters before a bracketed year.

    The longest known code that ends the run wins; otherwise words glued on by the
    sentence (根据, 按照, 和, …) are dropped from the front.

    >>> trim_issuer('根据渝人社发')
    '渝人社发'
    >>> trim_issuer('号和渝人社发')
    '渝人社发'
    >>> trim_issuer('北碚区交通局北碚府办发', frozenset({'北碚府办发'}))
    '北碚府办发'
    """
    cut = max((i for i, ch in enumerate(run) if ch in _NOT_IN_CODE), default=-1)
    run = run[cut + 1 :]
    for i in range(len(run)):
        if run[i:] in known_codes:
            return run[i:]
    changed = True
    while changed and len(run) > 2:
        changed = False
        for w in _LEADING_WORDS:
            if run.startswith(w) and len(run) - len(w) >= 2:
                run = run[len(w) :]
                changed = True
                break
    return run


def _decree_org(org: str) -> str:
    org = squash(org)
    for p in _ORG_PREFIX_DROP:
        org = org.replace(p, "")
    return trim_issuer(org)


def find_numbers(text: str, known_codes: frozenset[str] = frozenset()) -> list[tuple[int, int, DocumentNumber]]:
    """All document and decree numbers in ``text`` as ``(start, end, number)``, in order.

    >>> [(n.canonical) for _, _, n in find_numbers('碚城劳（72）字第 065 号；渝府办发〔2019〕57）')]
    ['碚城劳〔1972〕65号', '渝府办发〔2019〕57号']
    """
    found: list[tuple[int, int, DocumentNumber]] = []
    for m in _NUMBER.finditer(text):
        end = m.end()
        after = text[end : end + 1]
        if not m.group("hao"):
            # A missing 号 is accepted only where the number visibly ends.
            if after and after not in _CLOSE + "，。；、,;》 \t\n":
                continue
            if len(m.group("year")) == 2:
                continue
        code = sys.intern(trim_issuer(m.group("pre"), known_codes))  # one string per issuer, not per mention
        if len(code) < 2 or code.isdigit():
            continue
        start = m.start("pre") + m.group("pre").rfind(code) if code in m.group("pre") else m.start()
        raw = text[start:end]
        found.append(
            (start, end, DocumentNumber(code, _year(m.group("year")), _serial(m.group("serial")), "number", raw))
        )
    for pattern in (_DECREE_A, _DECREE_B):
        for m in pattern.finditer(text):
            if any(s <= m.start("serial") < e for s, e, _ in found):
                continue
            org = _decree_org(m.group("org"))
            if len(org) < 2:
                continue
            raw_org = m.group("org")
            at = raw_org.find(_ORG_PREFIX_DROP[0])
            start = m.start("org") + (at if at >= 0 else max(0, raw_org.find(org[:2])))
            raw = text[start : m.end()]
            found.append((start, m.end(), DocumentNumber(f"{org}令", None, _serial(m.group("serial")), "decree", raw)))
    found.sort(key=lambda t: t[0])
    return found


def find_titles(text: str) -> list[tuple[int, int, str]]:
    """Top-level 《…》 titles as ``(start, end, title)``; nested 《》 and 〈〉 stay inside.

    >>> find_titles('《关于印发《甲》的通知》和《乙》')
    [(0, 12, '《关于印发《甲》的通知》'), (13, 16, '《乙》')]
    """
    spans = []
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch == "《":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "》" and depth:
            depth -= 1
            if depth == 0:
                spans.append((start, i + 1, text[start : i + 1]))
    return spans


_GAP_TO_NUMBER = re.compile(rf"^\s*(?:的(?:通知|意见|批复|决定|函))?\s*[{re.escape(_OPEN)}]?\s*$")


def _looks_like_document(title: str) -> bool:
    inner = squash(title).strip("《》")
    inner = re.sub(r"[（(][^）)]*[）)]$", "", inner)  # 《…规划（2022—2026年）（试行）》
    inner = re.sub(r"[（(][^）)]*[）)]$", "", inner)
    return inner.endswith(DOC_TYPE_SUFFIXES)


def extract_citations(
    text: str,
    field: str = "",
    file: str = "",
    line: int = 0,
    known_codes: frozenset[str] = frozenset(),
) -> list[Citation]:
    """Citations in one text, in reading order.

    A number standing right after a 《title》 (optionally after 的通知 and an opening bracket)
    is paired with it.  A title with no number is a document keyed by its normalised title:
    in the 立项依据 field always, elsewhere only when it names a kind of document
    (…法, …条例, …通知, …方案).
    """
    numbers = find_numbers(text, known_codes)
    titles = find_titles(text)
    out: list[tuple[int, Citation]] = []
    used_titles: set[int] = set()
    for start, end, num in numbers:
        title = None
        raw_start = start
        for ti, (ts, te, tt) in enumerate(titles):
            if ts <= start < te:  # number written inside the title marks
                used_titles.add(ti)
                rest = squash(tt.replace(num.raw, "")).strip("《》（）() ")
                title = tt.replace(num.raw, "").replace("（）", "") if len(rest) >= 4 else None
                raw_start = ts
                break
            if te <= start and _GAP_TO_NUMBER.match(text[te:start]) and ti not in used_titles:
                used_titles.add(ti)
                title, raw_start = tt, ts
                break
        key, title = sys.intern(num.canonical), sys.intern(title) if title else title  # cited again and again
        out.append((start, Citation(key, num, title, field, Span(file, line, line, text[raw_start:end]))))
    for ti, (ts, _, tt) in enumerate(titles):
        if ti in used_titles:
            continue
        if field != "立项依据" and not _looks_like_document(tt):
            continue
        if len(squash(tt)) <= 3:
            continue
        tt = sys.intern(tt)
        out.append((ts, Citation(sys.intern(title_key(tt)), None, tt, field, Span(file, line, line, tt))))
    out.sort(key=lambda t: t[0])
    return [c for _, c in out]


_SPLIT_BASIS = re.compile(r"(?<=[》）)\]〕】号])\s*(?=《)|[；;]\s*")


def split_basis(text: str) -> list[str]:
    """Split a 立项依据 cell (already HTML-stripped) into one item per document.

    >>> split_basis('《监督法》 《组织法》')
    ['《监督法》', '《组织法》']
    >>> split_basis('《甲》（渝发〔2019〕1号）《乙》\\n根据区委安排')
    ['《甲》（渝发〔2019〕1号）', '《乙》', '根据区委安排']
    """
    items: list[str] = []
    for line in text.split("\n"):
        items.extend(p.strip() for p in _SPLIT_BASIS.split(line) if p and p.strip())
    return items


def known_codes_from(texts: Iterable[str]) -> frozenset[str]:
    """Issuer codes that stand alone after an opening bracket somewhere in the corpus.

    ``（渝府办发〔2019〕57号）`` shows that 渝府办发 is a whole code; that knowledge then
    trims ``根据渝府办发〔2019〕57号`` correctly elsewhere.
    """
    codes: set[str] = set()
    pat = re.compile(rf"[（(]\s*([{_CJK}]{{2,16}})\s*[{re.escape(_OPEN)}]\s*\d{{4}}\s*[{re.escape(_CLOSE)}]")
    for t in texts:
        codes.update(m.group(1) for m in pat.finditer(t))
    return frozenset(codes)
