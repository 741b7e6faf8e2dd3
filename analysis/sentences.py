"""The sentences of every project as the duplicates pass compares them: flat arrays, made in batches.

Each sentence long enough to compare (:data:`~graph.constants.MIN_SENTENCE_CHARS`) becomes the
sorted 61-bit hashes of its character 3-grams (places and numbers masked, :func:`shingles`) and a
MinHash signature of :data:`~graph.constants.MINHASH_PERMUTATIONS` values.  A
:class:`SentenceTable` keeps them for a whole corpus in a few arrays (8 bytes a shingle, 512 a
signature, nothing per sentence in Python); the sentences' text, needed only for the evidence of a
pair, is spilled to an anonymous temporary file and read back by offset.  Its memory is about
2.4 GiB per 10^6 projects of the sample's kind (4.7 sentences of 41 shingles each).

:func:`band_pairs` is banded MinHash LSH as array operations: for each band, the sentences are
grouped by the band's values (a sort), and the projects of a group become pairs.

>>> copied = "为优抚对象提供心理疏导、精神抚慰、法律援助等服务。"
>>> t = SentenceTable.build([[copied], ["完成全区森林防火巡查工作。"], ["", copied]])
>>> t.sentences_of(1), t.count(0)
(['完成全区森林防火巡查工作。'], 1)
>>> pair_list(band_pairs(t))
[(0, 2)]
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO

import numpy as np

from graph.constants import (
    CONTAINED,
    LSH_BANDS,
    LSH_MAX_BUCKET,
    MIN_SENTENCE_CHARS,
    MINHASH_PERMUTATIONS,
    MINHASH_SLACK,
    SENTENCE_BATCH,
)
from graph.text import split_sentences, text_key

__all__ = [
    "KEY_BASE",
    "SentenceTable",
    "band_pairs",
    "minhash",
    "pair_keys",
    "pair_list",
    "project_sentences",
    "shingle_hashes",
    "shingles",
]

PLACE = re.compile(r"[\u4e00-\u9fff]{2,4}?(?:镇|街道|乡|村|社区)")
_PRIME = (1 << 61) - 1
_rng = np.random.default_rng(20240101)
_A = _rng.integers(1, _PRIME, MINHASH_PERMUTATIONS, dtype=np.int64).astype(np.uint64)
_B = _rng.integers(0, _PRIME, MINHASH_PERMUTATIONS, dtype=np.int64).astype(np.uint64)


def project_sentences(texts: Sequence[str]) -> list[str]:
    """The sentences of a project's texts (overview, goals) long enough to compare (headings and
    list numbers are not), each once.

    >>> project_sentences(["一、概述。完成全区森林防火巡查工作。", "完成全区森林防火巡查工作。"])
    ['完成全区森林防火巡查工作。']
    """
    said = [s.strip() for t in texts for s in split_sentences(t) if len(text_key(s)) >= MIN_SENTENCE_CHARS]
    return list(dict.fromkeys(said))


def shingles(s: str) -> set[str]:
    """Character 3-grams with places and numbers masked: a template copied for another village
    or year still matches.

    >>> sorted(shingles('三圣镇完成 12 户'))
    ['地完成', '完成0', '成0户']
    """
    n = re.sub(r"\d+", "0", PLACE.sub("地", text_key(s)))
    return {n[i : i + 3] for i in range(max(1, len(n) - 2))}


def shingle_hashes(items: set[str]) -> np.ndarray:
    """The shingles' 61-bit hashes, sorted: a sentence as the duplicates pass keeps it (8 bytes a
    shingle, where the strings took ten times that); two sentences' overlap is their common hashes.

    >>> len(shingle_hashes(shingles('三圣镇完成 12 户')))
    3
    """
    # blake2b of every byte of each shingle (a CJK 3-gram is 9 UTF-8 bytes), 61 bits; called once per shingle,
    # 10^8 times at 10^6 projects, so no helper call per shingle
    blake2b, prime = hashlib.blake2b, _PRIME
    got = [int.from_bytes(blake2b(sh.encode("utf-8"), digest_size=8).digest(), "little") % prime for sh in items]
    return np.unique(np.array(got, dtype=np.uint64))


def minhash(items: set[str]) -> np.ndarray:
    """MinHash signature: for each of :data:`MINHASH_PERMUTATIONS` hash functions, the least
    (a·x + b) mod p over the set's hashes.

    >>> bool((minhash({'森林防'}) != minhash({'森林阳'})).any())   # differ only in the last character
    True
    """
    return _signatures(shingle_hashes(items), np.array([0]))[0]


def _signatures(flat: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The signature of each run of ``flat`` beginning at ``starts`` (no run empty): uint64 products
    wrap, which keeps (a·x + b) a hash; the least over a sentence's shingles is its signature.
    Computed one hash function to a row, in place (a third of the time of a row per shingle)."""
    if not len(flat):
        return np.zeros((0, MINHASH_PERMUTATIONS), np.uint64)
    z = np.multiply(_A[:, None], flat[None, :])
    z += _B[:, None]
    np.remainder(z, np.uint64(_PRIME), out=z)
    return np.ascontiguousarray(np.minimum.reduceat(z, starts, axis=1).T)


@dataclass
class SentenceTable:
    """Every project's sentences: ``first[i]:first[i + 1]`` are project ``i``'s, sentence ``s`` is
    ``hashes[bounds[s]:bounds[s + 1]]`` with signature ``signatures[s]``; its text is in ``texts``
    at ``text_at[s]:text_at[s + 1]`` (UTF-8)."""

    first: np.ndarray  # int64, projects + 1
    bounds: np.ndarray  # int64, sentences + 1
    hashes: np.ndarray  # uint64
    signatures: np.ndarray  # uint64, (sentences, MINHASH_PERMUTATIONS)
    text_at: np.ndarray  # int64, sentences + 1
    texts: IO[bytes]

    @classmethod
    def build(cls, texts: Iterable[Sequence[str]], batch: int = SENTENCE_BATCH) -> SentenceTable:
        """From each project's texts (overview, goals), :data:`SENTENCE_BATCH` projects at a time."""
        spill = tempfile.TemporaryFile()
        first, bounds, text_at = array("q", [0]), array("q", [0]), array("q", [0])
        # Each batch's hashes and signatures go to a file as made and are read back once, whole:
        # kept as blocks, the freed blocks stayed in the heap and doubled the peak (14.3 GiB at 10^6).
        with tempfile.TemporaryFile() as hash_file, tempfile.TemporaryFile() as sig_file:
            pending: list[list[str]] = []

            def flush() -> None:
                sets = [shingle_hashes(shingles(s)) for sents in pending for s in sents]
                for sents in pending:
                    first.append(first[-1] + len(sents))
                    for s in sents:
                        data = s.encode("utf-8")
                        spill.write(data)
                        text_at.append(text_at[-1] + len(data))
                sizes = np.array([len(h) for h in sets], dtype=np.int64)
                flat = np.concatenate(sets) if sets else np.zeros(0, np.uint64)
                bounds.extend((bounds[-1] + np.cumsum(sizes)).tolist())
                flat.tofile(hash_file)
                _signatures(flat, np.r_[0, np.cumsum(sizes)[:-1]].astype(np.int64)).tofile(sig_file)
                pending.clear()

            for text in texts:
                pending.append(project_sentences(text))
                if len(pending) >= batch:
                    flush()
            flush()
            spill.flush()
            hashes, signatures = (_read_back(f, np.uint64) for f in (hash_file, sig_file))
        return cls(
            np.array(first, np.int64),
            np.array(bounds, np.int64),
            hashes,
            signatures.reshape(-1, MINHASH_PERMUTATIONS),
            np.array(text_at, np.int64),
            spill,
        )

    @property
    def projects(self) -> int:
        return len(self.first) - 1

    def count(self, i: int) -> int:
        """How many sentences project ``i`` has."""
        return int(self.first[i + 1] - self.first[i])

    def text(self, s: int) -> str:
        """Sentence ``s``'s text, read back from the spill file."""
        at, end = int(self.text_at[s]), int(self.text_at[s + 1])
        return os.pread(self.texts.fileno(), end - at, at).decode("utf-8")

    def sentences_of(self, i: int) -> list[str]:
        return [self.text(s) for s in range(int(self.first[i]), int(self.first[i + 1]))]

    def shared(self, i: int, j: int) -> tuple[float, list[tuple[int, int, float]]]:
        """Share of sentences (of the project with fewer) copied into the other, and the copies as
        (sentence of ``i``, sentence of ``j``, containment): the same whichever of the two is ``i``.

        MinHash estimates the containment of every sentence pair; each pair within
        :data:`MINHASH_SLACK` of :data:`CONTAINED` is checked exactly, and a sentence's best
        confirmed partner is kept (so a wrong best estimate cannot hide a true copy).  The copies
        are counted from the project that has more of them (several of its sentences may copy one
        of the other's), over the sentences of the project with fewer, at most 1; the evidence is
        each sentence of the project with fewer and its copy.
        """
        a0, a1, b0, b1 = int(self.first[i]), int(self.first[i + 1]), int(self.first[j]), int(self.first[j + 1])
        if a0 == a1 or b0 == b1:
            return 0.0, []
        a, b = self.signatures[a0:a1], self.signatures[b0:b1]
        jac = (a[:, None, :] == b[None, :, :]).mean(-1)  # MinHash estimate of Jaccard, all sentence pairs
        bounds = self.bounds
        size_a = (bounds[a0 + 1 : a1 + 1] - bounds[a0:a1]).astype(np.float64)[:, None]
        size_b = (bounds[b0 + 1 : b1 + 1] - bounds[b0:b1]).astype(np.float64)[None, :]
        # |A∩B| = J/(1+J)·(|A|+|B|); containment divides it by the smaller set.
        est = jac / (1 + jac) * (size_a + size_b) / np.minimum(size_a, size_b)
        rows, cols = np.nonzero(est >= CONTAINED - MINHASH_SLACK)
        from_a: dict[int, tuple[float, int]] = {}  # a sentence of i: its best copy in j
        from_b: dict[int, tuple[float, int]] = {}
        for r, col in zip(rows.tolist(), cols.tolist(), strict=True):
            sa = self.hashes[bounds[a0 + r] : bounds[a0 + r + 1]]
            sb = self.hashes[bounds[b0 + col] : bounds[b0 + col + 1]]
            common = int(np.count_nonzero(sb[np.searchsorted(sb, sa).clip(max=len(sb) - 1)] == sa))
            contained = common / min(len(sa), len(sb))
            if contained >= CONTAINED:
                if r not in from_a or contained > from_a[r][0]:
                    from_a[r] = (contained, col)
                if col not in from_b or contained > from_b[col][0]:
                    from_b[col] = (contained, r)
        n_a, n_b = a1 - a0, b1 - b0
        copies = max(len(from_a), len(from_b))
        if n_a < n_b or (n_a == n_b and len(from_a) >= len(from_b)):  # each sentence of the shorter, its copy
            shared = [(a0 + r, b0 + col, round(c, 3)) for r, (c, col) in sorted(from_a.items())]
        else:
            shared = [(a0 + r, b0 + col, round(c, 3)) for col, (c, r) in sorted(from_b.items())]
        return min(1.0, copies / min(n_a, n_b)), shared


KEY_BASE = 1 << 31  # a pair of rows (i, j) is the one int64 i·KEY_BASE + j: rows stay below 2^31


def _read_back(f: IO[bytes], dtype: type) -> np.ndarray:
    """The whole of a spill file as one array."""
    f.flush()
    f.seek(0)
    return np.fromfile(f, dtype=dtype)


def pair_keys(i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Pairs of rows as one int64 each (the smaller row first), sorted and each once: sorted keys
    are the pairs in (i, j) order.

    >>> pair_list(pair_keys(np.array([3, 0, 1]), np.array([1, 2, 3])))
    [(0, 2), (1, 3)]
    """
    lo, hi = np.minimum(i, j).astype(np.int64), np.maximum(i, j).astype(np.int64)
    return np.unique(lo * KEY_BASE + hi)


def pair_list(keys: np.ndarray) -> list[tuple[int, int]]:
    """Pair keys back as (i, j) tuples."""
    return list(zip((keys // KEY_BASE).tolist(), (keys % KEY_BASE).tolist(), strict=True))


def band_pairs(table: SentenceTable, bands: int = LSH_BANDS, max_bucket: int = LSH_MAX_BUCKET) -> np.ndarray:
    """Pairs (keys of :func:`pair_keys`) of projects with a sentence each whose
    signatures agree on a whole band: banded locality-sensitive hashing, a sort per band.  A band
    more than ``max_bucket`` projects share is boilerplate and gives no pairs."""
    rows = MINHASH_PERMUTATIONS // bands
    owner = np.repeat(np.arange(table.projects, dtype=np.int64), np.diff(table.first))
    found = np.zeros(0, np.int64)
    for b in range(bands):
        band = np.ascontiguousarray(table.signatures[:, b * rows : (b + 1) * rows])
        keyed = band.view(np.dtype((np.void, band.dtype.itemsize * rows))).ravel()
        _, group = np.unique(keyed, return_inverse=True)
        del band, keyed
        members = np.unique(group.ravel().astype(np.int64) * KEY_BASE + owner)  # (group, project), each once
        del group
        pairs = _group_pairs(members // KEY_BASE, members % KEY_BASE, max_bucket)
        if pairs:  # merged band by band: the pairs of 16 bands are never held at once
            found = np.union1d(found, np.concatenate(pairs))
    return found


def _group_pairs(group: np.ndarray, member: np.ndarray, max_bucket: int) -> list[np.ndarray]:
    """Every pair of members within each group of 2..``max_bucket`` (``group`` sorted, members
    sorted within it), as pair keys."""
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    sizes = np.diff(np.r_[starts, len(group)])
    out = []
    for size in range(2, max_bucket + 1):
        at = starts[sizes == size]
        if not len(at):
            continue
        block = member[at[:, None] + np.arange(size)[None, :]]  # (groups, size), ascending
        for x in range(size):
            for y in range(x + 1, size):
                out.append(block[:, x] * KEY_BASE + block[:, y])
    return out
