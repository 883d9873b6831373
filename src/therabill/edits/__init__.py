"""NCCI edit tables: procedure-to-procedure pairs and medically unlikely edits, as data."""

from therabill.edits.cms import (
    ImportReport,
    detect_kind,
    import_cms_file,
    read_cms_mue,
    read_cms_ptp,
)
from therabill.edits.model import EditTables, MueLimit, PtpEdit
from therabill.edits.tables import imported_dir, load_edit_tables, parse_mue, parse_ptp

__all__ = [
    "EditTables",
    "ImportReport",
    "MueLimit",
    "PtpEdit",
    "detect_kind",
    "import_cms_file",
    "imported_dir",
    "load_edit_tables",
    "parse_mue",
    "parse_ptp",
    "read_cms_mue",
    "read_cms_ptp",
]
