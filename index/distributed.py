"""The build on Ray: reading and embedding spread over a cluster (or local processes).

``build(..., engine="ray")`` runs two Ray Data pipelines and writes the same index as the local
build (:mod:`index.build`), file for file:

1. reading and parsing: one row per source file, mapped by Ray tasks to its
   :class:`~graph.models.ParsedDocument` (or the error that names the file);
2. embedding: the texts not in the vector cache, in batches, mapped by an actor pool whose
   actors each load the model once (:class:`RayEncoder`).  Each batch comes back as a block of
   vectors (a shard) with its row numbers, and the shards are merged in row order.

Merging repeated documents, the graph, faiss, BM25 and the manifest stay on the driver: they are
a small part of the cost (``bench/bench_scale.py``).  ``address`` joins a running cluster
(``ray start --head`` elsewhere); without it Ray starts on this machine with ``workers`` CPUs.
Ray is the ``ray`` extra; the default build never imports it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from graph.constants import RAY_BATCH_TEXTS, WORKERS
from graph.errors import require
from graph.models import Diagnostic, ParsedDocument
from graph.read.identity import Override
from index.encoder import Encoder, ModelSpec, load_encoder
from index.processes import Layouts, parse_or_diagnostic

__all__ = ["RayEncoder", "parse_files", "start"]


def start(address: str | None = None, workers: int = WORKERS) -> Any:
    """Ray, started here with ``workers`` CPUs, or joined at ``address``; once per process."""
    require("ray", "ray", "the distributed build (--engine ray)")
    import ray

    _quiet()
    if not ray.is_initialized():
        env = {"env_vars": {"PYTHONPATH": os.pathsep.join(filter(None, [str(_ROOT), os.environ.get("PYTHONPATH")]))}}
        if address:
            ray.init(address=address, runtime_env=env, log_to_driver=False, logging_level=logging.WARNING)
        else:
            ray.init(num_cpus=workers, runtime_env=env, include_dashboard=False, log_to_driver=False,
                     logging_level=logging.WARNING)  # fmt: skip
        ray.data.DataContext.get_current().enable_progress_bars = False
    _quiet()
    return ray


def _quiet() -> None:
    """Ray's plan, progress and notice lines off stderr: the build prints its own report."""
    for name in ("ray", "ray.data", "ray._private", "ray.data._internal"):
        logging.getLogger(name).setLevel(logging.ERROR)


_ROOT = Path(__file__).resolve().parent.parent  # workers import the project's modules from here


def _parse(row: dict[str, Any], known: frozenset[str], cwd: str, layouts: Layouts, ocr: str) -> dict[str, Any]:
    os.chdir(cwd)  # read the path as the user gave it, so every record names the file as they do
    got = parse_or_diagnostic(Path(row["path"]), known, row["override"], layouts, ocr)
    if isinstance(got, Diagnostic):
        return {"i": row["i"], "doc": None, "error": got}
    return {"i": row["i"], "doc": got, "error": None}


def parse_files(
    files: Sequence[tuple[Path, Override]],
    known_codes: frozenset[str],
    address: str | None = None,
    workers: int = WORKERS,
    layouts: Layouts | None = None,
    ocr: str = "auto",
) -> Iterator[ParsedDocument | Diagnostic]:
    """Each file parsed by a Ray task, in the order given: its document, or the error naming it,
    each as soon as it and those before it are read (the driver never holds every document).
    ``layouts`` are the descriptions the driver loaded and checked (:func:`graph.read.spec.load_layouts`;
    the bundled ones when None).  Every node must see the files at the same path as this one (a
    shared file system)."""
    from graph.read.spec import load_layouts

    ray = start(address, workers)
    rows = [{"i": i, "path": str(f), "override": o} for i, (f, o) in enumerate(files)]
    parsed = ray.data.from_items(rows).map(
        _parse,
        fn_kwargs={
            "known": known_codes,
            "cwd": os.getcwd(),
            "layouts": load_layouts() if layouts is None else layouts,
            "ocr": ocr,
        },
    )
    for r in _in_order(parsed.iter_rows()):  # streamed: the driver holds only those back before their turn
        yield r["error"] if r["error"] is not None else r["doc"]


def _in_order(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Rows numbered ``i`` from 0, given in any order, yielded in order as soon as each is next.

    >>> [r["i"] for r in _in_order([{"i": 1}, {"i": 2}, {"i": 0}, {"i": 3}])]
    [0, 1, 2, 3]
    """
    waiting: dict[int, dict[str, Any]] = {}
    upto = 0
    for r in rows:
        waiting[int(r["i"])] = r
        while upto in waiting:
            yield waiting.pop(upto)
            upto += 1
    if waiting:  # pragma: no cover - Ray gives every row once
        raise AssertionError(f"rows missing before {min(waiting)}")


class _EmbedActor:
    """One model per actor, loaded once; each call embeds one batch of texts.  The model and the
    kind of text are class attributes (:func:`_actor_for`)."""

    model = ""
    kind = "passage"

    def __init__(self) -> None:
        self.encoder = load_encoder(self.model)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vectors, pieces = self.encoder.encode([str(t) for t in batch["text"]], self.kind)
        return {"i": batch["i"], "vector": vectors, "pieces": np.asarray(pieces, dtype=np.int64)}


def _actor_for(model: str, kind: str) -> type[_EmbedActor]:
    return type("EmbedActor", (_EmbedActor,), {"model": model, "kind": kind})


class RayEncoder(Encoder):
    """An :class:`~index.encoder.Encoder` whose :meth:`encode` runs on a Ray actor pool of
    ``workers`` actors, each holding the model; the vectors equal the local encoder's."""

    def __init__(self, model: str, spec: ModelSpec, address: str | None = None, workers: int = WORKERS) -> None:
        self.model, self.spec, self.address, self.workers = model, spec, address, workers

    def encode(self, texts: Sequence[str], kind: str = "passage") -> tuple[np.ndarray, list[int]]:
        if not texts:
            return np.zeros((0, self.spec.dim), np.float32), []
        ray = start(self.address, self.workers)
        ds = ray.data.from_items([{"i": i, "text": t} for i, t in enumerate(texts)])
        shards = ds.map_batches(
            _actor_for(self.model, kind),
            batch_size=RAY_BATCH_TEXTS,
            compute=ray.data.ActorPoolStrategy(size=self.workers),
            num_cpus=1,
        ).iter_batches(batch_size=None, batch_format="numpy")
        vectors = np.zeros((len(texts), self.spec.dim), np.float32)
        pieces = np.ones(len(texts), np.int64)
        for shard in shards:  # merged by row number: the order shards arrive in does not matter
            vectors[shard["i"]] = shard["vector"]
            pieces[shard["i"]] = shard["pieces"]
        return vectors, pieces.tolist()

    def count_tokens(self, text: str) -> int:  # pragma: no cover - the actors split texts
        raise NotImplementedError
