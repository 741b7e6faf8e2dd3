"""Default paths, in a module light enough for command-line start-up."""

from __future__ import annotations

from pathlib import Path

__all__ = ["DEFAULT_OUT", "DEFAULT_SAMPLE"]

DEFAULT_SAMPLE = Path(__file__).resolve().parent.parent / "data" / "beibei_2024_key_projects.txt"
DEFAULT_OUT = Path("build/index")
