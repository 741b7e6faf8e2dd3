"""Default paths, in a module light enough for command-line start-up."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DEFAULT_OUT", "DEFAULT_SAMPLE", "cache_root"]

DEFAULT_SAMPLE = Path(__file__).resolve().parent.parent / "data" / "beibei_2024_key_projects.txt"
DEFAULT_OUT = Path("build/index")


def cache_root() -> Path:
    """``$BUDGET_GRAPH_CACHE``, else ``$XDG_CACHE_HOME/budget-graph``, else ``~/.cache/budget-graph``:
    the machine's own speed-ups (the converted model, vectors, checksums already verified)."""
    if os.environ.get("BUDGET_GRAPH_CACHE"):
        return Path(os.environ["BUDGET_GRAPH_CACHE"])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "budget-graph"
