"""A table as CSV (the reports' downloads): one header row, then the rows, every text cell made safe.

Like the contacts export (transfer/contacts_csv.py), a text a spreadsheet would run as a formula (=, +,
-, @ first) is written with a leading quote: a display name is whatever someone typed. Numbers are
written as numbers (a dot before the decimals), empty for "not known".
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

Cell = str | int | float | None
_FORMULA = ("=", "+", "-", "@")


def safe_cell(value: str) -> str:
    """`value`, with a leading quote when a spreadsheet would read it as a formula."""
    return "'" + value if value[:1] in _FORMULA else value


def _cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") or "0"
    if isinstance(value, int):
        return str(value)
    return safe_cell(value)


def table_csv(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """The CSV text (semicolons as the contacts export, CRLF lines) of a header and its rows."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()
