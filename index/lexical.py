"""Lexical search: jieba tokens with a user dictionary grown from the corpus, BM25 from bm25s.

>>> tok = Tokens(["森林防火", "群众满意度"])
>>> tok.cut("北碚区森林防火经费，群众满意度")
['北碚', '北碚区', '森林', '防火', '森林防火', '经费', '群众', '满意', '满意度', '群众满意度']
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sqlite3
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from graph.constants import BM25_B, BM25_K1, USERDICT_MAX_TERM
from graph.read.places import region_words

__all__ = ["BM25Index", "Tokens", "corpus_terms", "freq_store"]

_STOP = frozenset(region_words()["words"]["stop"])  # graph/read/data/region_words.toml
_KEEP = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


def corpus_terms(names: Iterable[str], max_len: int = USERDICT_MAX_TERM) -> list[str]:
    """Terms for the user dictionary: indicator and project names, brackets and spaces removed.

    >>> corpus_terms(['北碚区森林防火经费（重点）', '群众满意度', '群众满意度', 'a'])
    ['北碚区森林防火经费', '群众满意度']
    """
    out: dict[str, None] = {}
    for n in names:
        t = re.sub(r"[（(][^）)]*[）)]|\s+", "", n)
        if 2 <= len(t) <= max_len and re.fullmatch(r"[\u4e00-\u9fff]+", t):
            out[t] = None
    return list(out)


FREQ_FORMAT = 1  # the layout of the SQLite copy of jieba's dictionary


def freq_store() -> Path:
    """jieba's word frequencies (its prefix dictionary) as SQLite in the cache folder, made once
    from jieba's own dictionary: a query looks up only the words its text can hold instead of
    loading all 350,000 (0.4 s and about 60 MB)."""
    import jieba

    from index.e5_convert import cache_root

    path = cache_root() / f"jieba-{jieba.__version__}-freq-v{FREQ_FORMAT}.sqlite"
    if path.is_file():
        return path
    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.initialize()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        with contextlib.closing(sqlite3.connect(tmp)) as db:
            db.execute("CREATE TABLE f (w TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID")
            db.executemany("INSERT INTO f VALUES (?, ?)", tk.FREQ.items())
            db.execute("CREATE TABLE meta (total INTEGER, longest INTEGER)")
            db.execute("INSERT INTO meta VALUES (?, ?)", (tk.total, max(map(len, tk.FREQ))))
            db.commit()
        os.replace(tmp, path)  # whole or not at all: a killed first query leaves no half table
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


class _LazyFreq(dict):  # type: ignore[type-arg]
    """jieba's ``FREQ`` filled from :func:`freq_store` with every word a text can hold (each of
    its substrings up to the longest word) before the text is cut, so jieba reads the same
    frequencies as from its full dictionary and cuts the same way."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self.total, self.longest = self._db.execute("SELECT total, longest FROM meta").fetchone()
        self._asked: set[str] = set()

    def load_for(self, text: str) -> None:
        n = len(text)
        new = {text[i:j] for i in range(n) for j in range(i + 1, min(n, i + self.longest) + 1)} - self._asked
        if not new:
            return
        self._asked |= new
        rows = self._db.execute(
            "SELECT w, n FROM f WHERE w IN (SELECT value FROM json_each(?))", (json.dumps(list(new)),)
        )
        for w, f in rows:
            self.setdefault(w, f)  # a word added to this tokenizer keeps the frequency it was given


class Tokens:
    """A jieba tokenizer of its own (the global one is left alone) with the corpus terms added.

    Search-engine mode (``cut_for_search``) emits a long word and its parts, so 森林防火 in a
    query meets 森林防火 and 防火 in the texts.  Punctuation and a short list of stop words are
    dropped; English words are lower-cased.  ``lazy`` reads jieba's dictionary from SQLite word by
    word (:func:`freq_store`): the same tokens, without loading the whole dictionary — for queries;
    a build, which cuts every text, loads it whole.
    """

    def __init__(self, terms: Sequence[str] = (), lazy: bool = False) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self.terms = list(terms)
        self._tk = jieba.Tokenizer()
        self._lazy: _LazyFreq | None = None
        if lazy:
            try:
                self._lazy = _LazyFreq(freq_store())
            except (OSError, sqlite3.Error):  # no writable cache folder: the whole dictionary, slower
                self._lazy = None
        if self._lazy is not None:
            self._tk.FREQ, self._tk.total, self._tk.initialized = self._lazy, self._lazy.total, True
        else:
            self._tk.initialize()
        for t in self.terms:
            if self._lazy is not None:
                self._lazy.load_for(t)  # its parts and prefixes with their own frequencies first
            self._tk.add_word(t)

    def cut(self, text: str) -> list[str]:
        if self._lazy is not None:
            self._lazy.load_for(text)
        out = []
        for w in self._tk.cut_for_search(text):
            w = w.strip().lower()
            if w and _KEEP.search(w) and w not in _STOP:
                out.append(w)
        return out

    def save(self, path: str | Path) -> None:
        Path(path).write_text("".join(f"{t}\n" for t in self.terms), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path, lazy: bool = False) -> Tokens:
        return cls([t for t in Path(path).read_text(encoding="utf-8").splitlines() if t], lazy)


class BM25Index:
    """BM25 over token lists: built and saved by bm25s (.npy without pickle, and JSON); read back
    memory-mapped, without importing bm25s (and scipy), so a question pays for the postings of its
    own tokens only.  Scores are bm25s's (``BM25.get_scores``): the precomputed per-token scores of
    each document summed in query order, in float32."""

    def __init__(
        self, vocab: dict[str, int], num_docs: int, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray
    ) -> None:
        self.vocab = vocab
        self.num_docs = num_docs
        self._data, self._indices, self._indptr = data, indices, indptr

    @classmethod
    def build(cls, docs: Iterable[list[str]], progress: bool = False) -> _BuiltBM25:
        """bm25s's index of ``docs`` (a document's tokens, made one at a time if it is a generator).
        Each document becomes an array of token ids as it comes, so the token strings of the whole
        corpus are never held (157 a project: 13.6 KB of strings, against 0.6 KB of ids); bm25s's
        scores are the same as from the strings (``tests/test_lazy.py``).  An empty document is
        the empty token, as bm25s makes it.

        >>> built = BM25Index.build(iter([["森林", "防火"], [], ["防火"]]))
        >>> sorted(built.r.vocab_dict)
        ['', '森林', '防火']
        """
        import bm25s

        vocab: dict[str, int] = {}
        ids = []
        for doc in docs:
            doc = doc or [""]
            ids.append(np.fromiter((vocab.setdefault(t, len(vocab)) for t in doc), dtype=np.int32, count=len(doc)))
        r = bm25s.BM25(k1=BM25_K1, b=BM25_B)
        r.index((ids, vocab), show_progress=progress)
        return _BuiltBM25(r)

    @classmethod
    def load(cls, path: str | Path) -> BM25Index:
        """The index bm25s saved at ``path``, its arrays memory-mapped."""
        root = Path(path)
        params = json.loads((root / "params.index.json").read_text(encoding="utf-8"))
        vocab = json.loads((root / "vocab.index.json").read_text(encoding="utf-8"))
        arrays = [np.load(root / f"{name}.csc.index.npy", mmap_mode="r", allow_pickle=False) for name in _CSC]
        return cls(vocab, int(params["num_docs"]), *arrays)

    def scores(self, query: list[str]) -> np.ndarray:
        scores = np.zeros(self.num_docs, dtype=np.float32)
        ids = [i for i in (self.vocab.get(t) for t in query) if i is not None and i + 1 < len(self._indptr)]
        if not ids:  # bm25s's empty token '' has an id and no postings
            return scores
        spans = [(int(self._indptr[i]), int(self._indptr[i + 1])) for i in ids]
        np.add.at(
            scores,
            np.concatenate([self._indices[a:b] for a, b in spans]),
            np.concatenate([self._data[a:b] for a, b in spans]).astype(np.float32),
        )
        return scores

    def holds(self, term: str, doc: int) -> bool:
        """Whether document ``doc`` scores for ``term`` (``scores([term])[doc] > 0``), from the term's
        postings alone: no array over every document.

        >>> postings = np.array([0.5, 0.4, 0.9]), np.array([0, 2, 2]), np.array([0, 2, 3])  # data, docs, starts
        >>> bm = BM25Index({"森林": 0, "防火": 1}, 3, *postings)
        >>> bm.holds("森林", 2), bm.holds("森林", 1), bm.holds("防火", 2), bm.holds("火灾", 2)
        (True, False, True, False)
        """
        tid = self.vocab.get(term)
        if tid is None or tid + 1 >= len(self._indptr):
            return False
        a, b = int(self._indptr[tid]), int(self._indptr[tid + 1])
        return bool(np.any(self._data[a:b][self._indices[a:b] == doc] > 0))

    def idf(self, term: str) -> float | None:
        """BM25 idf of a term in this corpus, None when the corpus never has it."""
        tid = self.vocab.get(term)
        if tid is None or tid + 1 >= len(self._indptr):  # unknown, or bm25s's empty token (no postings)
            return None
        df = int(self._indptr[tid + 1] - self._indptr[tid])
        n = self.num_docs
        return float(np.log(1 + (n - df + 0.5) / (df + 0.5)))


_CSC = ("data", "indices", "indptr")  # the arrays bm25s saves: data.csc.index.npy …


class _BuiltBM25:
    """A BM25 index just built by bm25s, to be saved (and read back by :meth:`BM25Index.load`)."""

    def __init__(self, retriever: object) -> None:
        self.r = retriever

    def save(self, path: str | Path) -> None:
        self.r.save(str(path), show_progress=False)  # type: ignore[attr-defined]
