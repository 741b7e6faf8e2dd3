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

import os
import re
import unicodedata

__all__ = [
    "SENTENCE_ENDS",
    "check_text_arguments",
    "display_name",
    "display_width",
    "printable",
    "split_sentences",
    "squash",
    "text_key",
    "title_key",
    "width_key",
]

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


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def display_width(text: str) -> int:
    """Columns ``text`` takes on a terminal or in a spreadsheet: wide (CJK) characters count two.

    >>> display_width("森林防火 fire")
    13
    """
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def printable(text: object) -> str:
    """Text as a terminal may receive it: control characters (a newline in a file name, a terminal
    escape) and bytes that were not UTF-8 shown as escapes, so no output line can be forged.

    >>> printable('a\\nb.txt: error'), printable('\\x1b[31m红'), printable('甲\\tb')
    ('a\\\\nb.txt: error', '\\\\x1b[31m红', '甲\\\\tb')
    """
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape", "backslashreplace").decode("ascii"), str(text))


def display_name(path: object) -> str:
    """A file's name as text: as it is when it is UTF-8; a name in GBK (as a Windows zip extracts it)
    decoded as GB18030; other bytes escaped.  The file is still opened by its own name.

    >>> import os
    >>> display_name(os.fsdecode('预算.txt'.encode('gbk')))
    '预算.txt'
    """
    text = os.fspath(path) if isinstance(path, os.PathLike) else str(path)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        raw = os.fsencode(text)
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace")


def check_text_arguments(args: object, paths: tuple[str, ...] = ()) -> None:
    """Refuse a command-line argument that is not UTF-8 text (a query typed in a GBK terminal):
    Python keeps such bytes as surrogate escapes, which no search, file or database can hold.
    File names (``paths``, and every :class:`~pathlib.Path`) may be in any encoding.

    >>> import argparse, os
    >>> check_text_arguments(argparse.Namespace(query=os.fsdecode('森林'.encode('gbk'))))
    Traceback (most recent call last):
    ...
    graph.errors.UsageError: --query: not UTF-8 text (b'\\xc9\\xad\\xc1\\xd6'); set the terminal to UTF-8 ...
    """
    from graph.errors import UsageError

    for name, value in vars(args).items():
        if name in paths:
            continue
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str) and _SURROGATES.search(text):
                raise UsageError(
                    f"--{name}: not UTF-8 text ({os.fsencode(text)!r}); set the terminal to UTF-8 "
                    "(LANG=zh_CN.UTF-8) and type it again"
                )


_SURROGATES = re.compile(r"[\ud800-\udfff]")
