"""Questions typed in pinyin (``senlin fanghuo``, ``lvhua``), read as the corpus's own words (森林防火,
绿化): each word of the lexical vocabulary is known by its toneless pinyin (pypinyin), and a query
whose every token is pinyin made of such words is read as those words.  An English question almost
never is (``forest`` is no pinyin; ``fire`` is, but no word of the corpus sounds like it).

>>> reader = PinyinReader({"森林": 0.5, "防火": 0.8, "方和": 3.0, "绿化": 1.2})
>>> reader.read("senlin fanghuo"), reader.read("SenLinFangHuo"), reader.read("lvhua")
('森林防火', '森林防火', '绿化')
>>> reader.read("forest fire prevention") is None, looks_like_pinyin("street lighting")
(True, False)
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from graph.errors import require

__all__ = ["PinyinReader", "looks_like_pinyin"]

_INITIAL = "(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
_FINAL = (
    "(?:iang|iong|uang|ueng|ang|eng|ing|ong|ian|iao|uai|uan|van|ai|ei|ui|ao|ou|iu|ie|ve|ue|er|an|en|in|un|vn"
    "|ia|ua|uo|a|o|e|i|u|v)"
)
_SYLLABLES = re.compile(f"(?:{_INITIAL}{_FINAL})+")
MAX_WORD_CHARS = 6  # corpus words longer than this are not read from pinyin (names of places, titles)


def looks_like_pinyin(text: str) -> bool:
    """Whether every token of ``text`` is made of pinyin syllables (no tones, ``v`` or ``ü`` for ü)."""
    tokens = text.replace("ü", "v").lower().split()
    return bool(tokens) and text.isascii() and all(_SYLLABLES.fullmatch(t) for t in tokens)


class PinyinReader:
    """Reads pinyin as the corpus's words.  ``words`` maps each word to its weight (the lower, the
    likelier: BM25's idf), so of two words that sound alike the commoner is taken."""

    def __init__(self, words: Mapping[str, float]) -> None:
        require("pypinyin", "search", "reading pinyin queries")
        from pypinyin import lazy_pinyin

        self._by_sound: dict[str, str] = {}
        chinese = (w for w in words if 1 < len(w) <= MAX_WORD_CHARS and all("\u4e00" <= c <= "\u9fff" for c in w))
        for word in sorted(chinese, key=lambda w: (words[w], w)):  # the likeliest word first keeps its sound
            self._by_sound.setdefault("".join(lazy_pinyin(word, v_to_u=False)).replace("ü", "v"), word)
        self._longest = max(map(len, self._by_sound), default=0)

    def read(self, text: str) -> str | None:
        """The words ``text`` sounds like, joined, or None when some token is no word of the corpus."""
        if not looks_like_pinyin(text):
            return None
        out: list[str] = []
        for token in text.replace("ü", "v").lower().split():
            words = self._segment(token)
            if words is None:
                return None
            out += words
        return "".join(out)

    def _segment(self, token: str) -> list[str] | None:
        """The fewest corpus words whose sounds make ``token`` exactly (dynamic programming)."""
        best: list[list[str] | None] = [[]] + [None] * len(token)
        for end in range(1, len(token) + 1):
            for start in range(max(0, end - self._longest), end):
                word = self._by_sound.get(token[start:end])
                prefix = best[start]
                if word is not None and prefix is not None:
                    cand = [*prefix, word]
                    current = best[end]
                    if current is None or len(cand) < len(current):
                        best[end] = cand
        return best[len(token)]
