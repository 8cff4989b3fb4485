"""Reading a rendered PDF back as text, for tests of what a reader finds in it.

``pdftotext`` (poppler) gives Persian text with bidi marks, without zero-width
non-joiners and with spaces lost between runs of digits and letters: ``plain``
drops all of these, so compare ``plain(expected) in plain(extracted)``.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

_INVISIBLE = re.compile("[\u200c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
PERSIAN_TITLE = "گزارش پایش امنیت"


def plain(text: str) -> str:
    return "".join(_INVISIBLE.sub("", text).split())


def pdf_text(
    pdf: bytes, tmp_path: Path, name: str = "report.pdf", *, page: int | None = None
) -> str:
    """The PDF's text (one page's when ``page`` is given), through ``plain``."""
    path = tmp_path / name
    path.write_bytes(pdf)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    out = subprocess.run(["pdftotext", *pages, str(path), "-"], capture_output=True, check=True)
    return plain(out.stdout.decode("utf-8"))
