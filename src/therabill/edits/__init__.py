"""NCCI edit tables: procedure-to-procedure pairs and medically unlikely edits, as data."""

from therabill.edits.cms import (
    ImportReport,
    detect_kind,
    import_cms_file,
    import_cms_files,
    iter_cms_mue,
    iter_cms_ptp,
    read_cms_mue,
    read_cms_ptp,
    release_of,
)
from therabill.edits.compare import Comparison, compare_with_shipped
from therabill.edits.model import EditTables, MueLimit, PtpEdit
from therabill.edits.tables import (
    imported_dir,
    index_file,
    load_edit_tables,
    parse_mue,
    parse_ptp,
    shipped_tables,
)

__all__ = [
    "Comparison",
    "EditTables",
    "ImportReport",
    "MueLimit",
    "PtpEdit",
    "compare_with_shipped",
    "detect_kind",
    "import_cms_file",
    "import_cms_files",
    "imported_dir",
    "index_file",
    "iter_cms_mue",
    "iter_cms_ptp",
    "load_edit_tables",
    "parse_mue",
    "parse_ptp",
    "read_cms_mue",
    "read_cms_ptp",
    "release_of",
    "shipped_tables",
]
