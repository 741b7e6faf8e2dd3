"""Text encoders: sentence-transformers for building, a NumPy BERT for fast cold queries.

Embeddings are L2-normalised, so inner product is cosine similarity (the faiss index relies
on this).  Texts longer than the model's window are never cut: they are split at sentence
ends into pieces that fit, each piece is embedded, and the pieces' vectors are averaged,
weighted by their token counts, then normalised again.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from graph.errors import ModelError
from graph.text import split_sentences
from index.e5_convert import MODEL_NAME, default_model_dir

__all__ = [
    "DEFAULT_MODEL",
    "Encoder",
    "ModelSpec",
    "NumpyBertEncoder",
    "SentenceTransformerEncoder",
    "load_encoder",
    "split_to_fit",
]

DEFAULT_MODEL = "default"


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
        """Vectors (n × dim, normalised) and the number of pieces each text was split into."""
        prompt = self.spec.query_prompt if kind == "query" else self.spec.passage_prompt
        limit = self.spec.max_tokens - 2 - self.count_tokens(prompt)
        pieces: list[str] = []
        owner: list[int] = []
        counts: list[int] = []
        for i, text in enumerate(texts):
            for piece in split_to_fit(text or " ", self.count_tokens, limit):
                pieces.append(piece)
                owner.append(i)
                counts.append(max(1, self.count_tokens(piece)))
        vecs = self._embed(pieces, prompt) if pieces else np.zeros((0, self.spec.dim), np.float32)
        out = np.zeros((len(texts), self.spec.dim), np.float32)
        np.add.at(out, owner, vecs * np.asarray(counts, np.float32)[:, None])
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        n_pieces = np.bincount(np.asarray(owner, dtype=np.int64), minlength=len(texts)).tolist()
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

        self.progress = sys.stderr.isatty() if progress is None else progress
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


class NumpyBertEncoder(Encoder):
    """The same BERT forward pass in NumPy, reading the model directory's own files.

    Loads in a fraction of a second (no torch), so a cold ``search.py query`` stays fast. Only
    for sentence-transformers directories of a BERT with mean pooling and normalisation, which
    is what :mod:`index.e5_convert` writes; the tests check it against SentenceTransformer.
    """

    def __init__(self, model_dir: str | Path, spec: ModelSpec) -> None:
        from safetensors import safe_open
        from tokenizers import Tokenizer

        d = Path(model_dir)
        cfg = json.loads((d / "config.json").read_text(encoding="utf-8"))
        if cfg.get("model_type") != "bert" or cfg.get("hidden_act") != "gelu":
            raise ModelError(f"{d}: NumpyBertEncoder reads BERT models with exact GELU only")
        self.spec = spec
        self.cfg = cfg
        self.tok = Tokenizer.from_file(str(d / "tokenizer.json"))
        self.tok.no_truncation()
        f = safe_open(str(d / "model.safetensors"), framework="np")
        self._word = f.get_slice("embeddings.word_embeddings.weight")
        self.w = {
            k: f.get_tensor(k) for k in f.keys() if k != "embeddings.word_embeddings.weight" and "pooler" not in k
        }
        # Linear weights transposed once, contiguous, so each product is one plain GEMM.
        self.wt = {k: np.ascontiguousarray(v.T) for k, v in self.w.items() if v.ndim == 2 and k.startswith("encoder.")}
        self.eps = float(cfg["layer_norm_eps"])
        self.heads = int(cfg["num_attention_heads"])

    def count_tokens(self, text: str) -> int:
        return len(self.tok.encode(text, add_special_tokens=False).ids)

    def _ln(self, x: np.ndarray, name: str) -> np.ndarray:
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + self.eps) * self.w[name + ".weight"] + self.w[name + ".bias"]

    def _lin(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.wt[name + ".weight"] + self.w[name + ".bias"]

    def _one(self, ids: list[int]) -> np.ndarray:
        from scipy.special import erf

        w = self.w
        x = np.stack([self._word[i : i + 1][0] for i in ids]).astype(np.float32)
        x = x + w["embeddings.position_embeddings.weight"][: len(ids)] + w["embeddings.token_type_embeddings.weight"][0]
        x = self._ln(x, "embeddings.LayerNorm")
        L, H = x.shape
        hd = H // self.heads
        for layer in range(int(self.cfg["num_hidden_layers"])):
            p = f"encoder.layer.{layer}."
            q, k, v = (
                self._lin(x, p + f"attention.self.{n}").reshape(L, self.heads, hd).transpose(1, 0, 2)
                for n in ("query", "key", "value")
            )
            s = q @ k.transpose(0, 2, 1) * (1.0 / math.sqrt(hd))  # python floats keep float32
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            ctx = (s @ v).transpose(1, 0, 2).reshape(L, H)
            x = self._ln(x + self._lin(ctx, p + "attention.output.dense"), p + "attention.output.LayerNorm")
            h = self._lin(x, p + "intermediate.dense")
            h = 0.5 * h * (1.0 + erf(h * (1.0 / math.sqrt(2.0))))
            x = self._ln(x + self._lin(h, p + "output.dense"), p + "output.LayerNorm")
        v_ = x.mean(0)
        return (v_ / max(float(np.linalg.norm(v_)), 1e-12)).astype(np.float32)

    def _embed(self, texts: list[str], prompt: str) -> np.ndarray:
        return np.stack([self._one(self.tok.encode(prompt + t).ids) for t in texts])


def load_encoder(spec_or_name: ModelSpec | str = DEFAULT_MODEL, fast_queries: bool = False) -> Encoder:
    """An encoder for a model name, or for the model an index recorded.

    ``fast_queries`` returns the NumPy encoder when the model is the converted default.
    """
    if isinstance(spec_or_name, ModelSpec) and fast_queries and spec_or_name.name == DEFAULT_MODEL:
        return NumpyBertEncoder(default_model_dir(), spec_or_name)
    name = spec_or_name.name if isinstance(spec_or_name, ModelSpec) else spec_or_name
    return SentenceTransformerEncoder(name)
