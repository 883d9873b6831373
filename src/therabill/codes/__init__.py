"""The therapy code set: data files in the package, validated and cached at load."""

from therabill.codes.codeset import CodeSet, SearchHit
from therabill.codes.loader import load_code_set, parse_descriptors
from therabill.codes.model import DISCIPLINES, Code, CodeStatus, Timing

__all__ = [
    "DISCIPLINES",
    "Code",
    "CodeSet",
    "CodeStatus",
    "SearchHit",
    "Timing",
    "load_code_set",
    "parse_descriptors",
]
