"""Names of bodies as analysts write them: 区城管局, 发改委, 卫健委, 区委宣传部.  The forms are data
(``graph/read/data/aliases.toml``); :func:`name_variants` gives every way of writing the full name
that a short one may stand for, to be looked for inside the names an index holds.

>>> '城市管理局' in name_variants('区城管局')
True
>>> sorted(v for v in name_variants('发改委') if v.endswith('委员会'))
['发展和改革委员会', '发改委员会']
"""

from __future__ import annotations

import functools
import itertools
import tomllib
from importlib import resources

from graph.text import squash

__all__ = ["aliases", "name_variants"]

MAX_VARIANTS = 64  # combinations tried for one name (a name has two or three short forms at most)


@functools.cache
def aliases() -> dict:
    """``graph/read/data/aliases.toml``: short forms, endings and leading words."""
    text = resources.files("graph.read").joinpath("data/aliases.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def name_variants(text: str) -> list[str]:
    """``text`` (spaces taken out) and the names its short forms may stand for, the written form first."""
    data = aliases()
    name = squash(text)
    heads = [(name, "")]
    for lead, spelled in sorted(data["leading"].items(), key=lambda kv: -len(kv[0])):
        if name.startswith(lead) and len(name) > len(lead) + 1:
            heads = [(name, "")] + [(name[len(lead) :], s) for s in spelled]
            break
    out: dict[str, None] = {}
    for rest, lead in heads:
        for body in _expanded(rest, data["short"]):
            out[lead + body] = None
            for end, words in data["ending"].items():
                if body.endswith(end) and not body.endswith(words):
                    out[lead + body[: -len(end)] + words] = None
    return list(out)[:MAX_VARIANTS]


def _expanded(text: str, short: dict[str, str]) -> list[str]:
    """``text`` with each short form it holds kept or replaced by its full words, in every combination."""
    found = [s for s in sorted(short, key=len, reverse=True) if s in text]
    out = [text]
    for s in found:
        out = [*out, *(t.replace(s, short[s]) for t in out if s in t)]
    return list(dict.fromkeys(itertools.islice(out, MAX_VARIANTS)))
