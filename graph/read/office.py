"""Old and other office formats through LibreOffice: a ``.xls``/``.doc`` (the binary Office formats,
still common in county offices) or an OpenDocument ``.ods``/``.odt`` is converted headless to
``.xlsx``/``.docx`` in a folder of its own, read as that, and every row keeps the original file's
name.  Without LibreOffice such a file is refused with what to install or how to save it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from graph.errors import InputError

__all__ = ["CONVERT_TIMEOUT_S", "converted", "soffice"]

CONVERT_TIMEOUT_S = 180  # one conversion; LibreOffice starts in seconds, a large workbook takes tens
_INSTALL = "install LibreOffice (apt-get install libreoffice-calc-nogui libreoffice-writer-nogui) or save it as"


def soffice() -> str | None:
    """The LibreOffice program on this machine, if any."""
    return shutil.which("soffice") or shutil.which("libreoffice")


@contextmanager
def converted(path: Path, to: str, what: str) -> Iterator[Path]:
    """``path`` converted to ``to`` (``xlsx`` or ``docx``) in a temporary folder, removed afterwards.
    ``what`` names the original format in messages (``an old binary Excel file (.xls)``)."""
    program = soffice()
    if program is None:
        raise InputError(str(path), f"{what}: to read it, {_INSTALL} .{to}")
    with tempfile.TemporaryDirectory(prefix="budget-graph-convert-") as tmp:
        work = Path(tmp)
        source = work / f"source{path.suffix.lower() or '.bin'}"  # a plain name: any file name converts
        shutil.copyfile(path, source)
        profile = (work / "profile").as_uri()  # a profile of its own: a LibreOffice the user has open is left alone
        cmd = [
            program,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            to,
            "--outdir",
            tmp,
            str(source),
        ]
        try:
            done = subprocess.run(
                [*cmd, str(source)],
                capture_output=True,
                text=True,
                timeout=CONVERT_TIMEOUT_S,
                env={**os.environ, "HOME": tmp},
            )
        except subprocess.TimeoutExpired:
            raise InputError(str(path), f"{what}: LibreOffice took over {CONVERT_TIMEOUT_S} s to convert it") from None
        out = work / f"source.{to}"
        if done.returncode != 0 or not out.is_file():
            said = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise InputError(str(path), f"{what}: LibreOffice could not convert it ({said[0][:200]}); save it as .{to}")
        yield out
