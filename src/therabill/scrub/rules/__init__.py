"""Scrub rules, one module per family; importing this package registers them all."""

from therabill.scrub.rules import (  # noqa: F401 - imported to register the rules
    claim,
    codes,
    diagnoses,
    discipline,
    documentation,
    group,
    identity,
    kx,
    massage,
    modifiers,
    ncci,
    payer,
    payer_record,
    plan_of_care,
    same_day,
    submission,
    telehealth,
    time,
    units,
)
