"""What both command lines do around their work: one ``error:`` line for a failure we expect, one
line and status 130 for Ctrl-C, a quiet end when the reader of a pipe goes away (``| head``), and
any file name printable whatever its encoding.  ``build_index.py`` and ``search.py`` each parse
their arguments, make one library call and print; this module is the rest.

>>> def main():
...     raise UsageError("--top must be at least 1")
>>> guarded(main)
1
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    import argparse

from graph.errors import BudgetGraphError, UsageError  # noqa: F401 (UsageError: the example)
from graph.i18n import error_text
from graph.i18n import text as message_text
from graph.text import printable

__all__ = ["ERROR_STATUS", "INTERRUPTED_STATUS", "engine_options", "guarded", "run", "whole_number"]

ERROR_STATUS = 1  # a failure the message explains (bad input, a missing index)
INTERRUPTED_STATUS = 130  # Ctrl-C, as a shell reports SIGINT


def whole_number(text: str) -> int:
    """A whole number ≥ 1 (``--top``, ``--workers``), or argparse's one-line refusal."""
    import argparse

    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"{n} is less than 1")
    return n


def engine_options(what: str) -> argparse.ArgumentParser:
    """``--engine``, ``--ray-address`` and ``--workers``, as both command lines take them; ``what``
    says what runs on Ray."""
    import argparse

    from graph.constants import ENGINE_NAMES, PARALLEL_MIN_FILES, WORKERS

    p = argparse.ArgumentParser(add_help=False)
    p.add_argument(
        "--engine", choices=ENGINE_NAMES, default=ENGINE_NAMES[0],
        help=f"local: this process (default); ray: {what} on Ray (the ray extra), the same result",
    )  # fmt: skip
    p.add_argument("--ray-address", metavar="ADDRESS", help="join a running Ray cluster (with --engine ray)")
    p.add_argument(
        "--workers", type=whole_number, default=WORKERS,
        help=f"Ray workers started here; in a local build of {PARALLEL_MIN_FILES} files or more, the processes "
        "that read them (default: %(default)s; 1: read in this process)",
    )  # fmt: skip
    return p


def guarded(work: Callable[[], int], lang: str = "en") -> int:
    """``work()``'s status; a :class:`BudgetGraphError` or ``OSError`` printed as one ``error:`` line
    on standard error (status 1), in ``lang`` where the catalogue has the error
    (:func:`graph.i18n.refusal`).  A closed pipe passes through to :func:`run`."""
    try:
        return work()
    except BrokenPipeError:
        raise
    except (BudgetGraphError, OSError) as exc:
        text = error_text(exc, lang)
        said = text.split("\n") if getattr(exc, "lines", False) else [text]
        prefix = message_text("error.prefix", lang)
        print(prefix + "\n".join(printable(line) for line in said), file=sys.stderr)
        return ERROR_STATUS


def run(main: Callable[[], int], interrupted: str = "interrupted") -> NoReturn:
    """The entry point of a command: exit with ``main()``'s status; ``interrupted`` is said on Ctrl-C."""
    for stream in (sys.stdout, sys.stderr):  # a name in any encoding prints, escaped, never a traceback
        stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print(interrupted, file=sys.stderr)
        sys.exit(INTERRUPTED_STATUS)
    except BrokenPipeError:  # output piped into `head`: stop quietly
        sys.stderr.close()
        sys.exit(0)
