"""Minutes to billed units (:mod:`.engine`) and the time rules shared with the scrubber
(:mod:`.checks`)."""

from therabill.units.checks import (
    CMS_SOURCE,
    FAMILY_SOURCE,
    MAX_MINUTES,
    MIDPOINT_SOURCE,
    UnitRule,
)
from therabill.units.engine import (
    UnitLine,
    UnitResult,
    cms_total_units,
    count_units,
    midpoint_units,
)

__all__ = [
    "CMS_SOURCE",
    "FAMILY_SOURCE",
    "MAX_MINUTES",
    "MIDPOINT_SOURCE",
    "UnitLine",
    "UnitResult",
    "UnitRule",
    "cms_total_units",
    "count_units",
    "midpoint_units",
]
