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
from typing import NoReturn

from graph.errors import BudgetGraphError, UsageError  # noqa: F401 (UsageError: the example)
from graph.text import printable

__all__ = ["ERROR_STATUS", "INTERRUPTED_STATUS", "guarded", "run"]

ERROR_STATUS = 1  # a failure the message explains (bad input, a missing index)
INTERRUPTED_STATUS = 130  # Ctrl-C, as a shell reports SIGINT


def guarded(work: Callable[[], int]) -> int:
    """``work()``'s status; a :class:`BudgetGraphError` or ``OSError`` printed as one ``error:`` line
    on standard error (status 1).  A closed pipe passes through to :func:`run`."""
    try:
        return work()
    except BrokenPipeError:
        raise
    except (BudgetGraphError, OSError) as exc:
        said = str(exc).split("\n") if getattr(exc, "lines", False) else [str(exc)]
        print("error: " + "\n".join(printable(line) for line in said), file=sys.stderr)
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
