"""Every CSV file the product writes goes through here: cells a spreadsheet would read as a
formula are neutralised (OWASP's CSV injection advice: a leading ``'``). What is stored never
changes; only what leaves in a file. Reading a file back undoes the product's own escape."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

# A spreadsheet starts a formula (or a DDE call) at these; tab and CR hide one behind a blank.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: Any) -> Any:
    """A text cell that cannot start a formula; numbers are written as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unescape_cell(value: str) -> str:
    """A cell as the product wrote it, back to what was stored (``'=x`` → ``=x``)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def write_csv(rows: Iterable[Iterable[Any]]) -> str:
    """The rows as CSV text, each text cell neutralised against formula injection."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()
