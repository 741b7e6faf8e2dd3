"""One place for each text meaning shared by the stages: sentences and normalised keys.

>>> split_sentences('一。二；三\\n四')
['一。', '二；', '三\\n', '四']
>>> ''.join(split_sentences('甲。 乙')) == '甲。 乙'      # lossless: nothing is dropped
True
>>> squash(' 甲 乙 '), width_key('ＡＢ 1'), text_key('甲，乙 (丙)。')
('甲乙', 'AB1', '甲乙丙')
>>> title_key('《中华人民共和国 残疾人保障法》') == title_key('残疾人保障法')
True
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["SENTENCE_ENDS", "split_sentences", "squash", "text_key", "title_key", "width_key"]

SENTENCE_ENDS = "。！？；;!?\n"  # a sentence ends after one of these (full- or half-width)
_SENTENCE = re.compile(f"(?<=[{re.escape(SENTENCE_ENDS)}])")
_INNER_QUOTES = str.maketrans({"〈": "《", "〉": "》", "<": "《", ">": "》"})


def split_sentences(text: str) -> list[str]:
    """Cut after each sentence end, keeping every character (``''.join`` gives ``text`` back)."""
    return [piece for piece in _SENTENCE.split(text) if piece]


def squash(text: str) -> str:
    """Remove all whitespace (PDF extraction puts spaces between CJK and digits)."""
    return re.sub(r"\s+", "", text)


def width_key(text: str) -> str:
    """Full/half width unified (NFKC) and whitespace removed: names that differ only so meet."""
    return squash(unicodedata.normalize("NFKC", text))


def text_key(text: str) -> str:
    """Width unified, whitespace and punctuation removed: copied texts compare equal."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text))


def title_key(title: str) -> str:
    """Normalised identity of a document title, so variants of one title meet.

    Width, spaces and inner quote marks are unified; a leading 中华人民共和国 is dropped
    (《中华人民共和国残疾人保障法》 and 《残疾人保障法》 are the same law).
    """
    s = unicodedata.normalize("NFKC", title).strip()
    if s.startswith("《") and s.endswith("》"):
        s = s[1:-1]
    s = squash(s).translate(_INNER_QUOTES)
    s = s.removeprefix("中华人民共和国")
    return f"《{s}》"
