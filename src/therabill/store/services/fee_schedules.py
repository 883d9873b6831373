"""Import a payer's allowed amounts from CMS's files into the practice's payers directory.

``therabill payer import-fee-schedule`` reads CMS's PFS payment amount file (``PFALL``, one
locality's amounts) or relative value file (``PPRRVU``, national amounts for a new year) line
by line and writes a fee schedule (payers.fee_schedule) the payer profiles name in
``[allowed_amounts]``: ``medicare-<year>-locality`` by default, which the shipped Medicare
profile uses before the national amounts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from therabill.codes import load_code_set
from therabill.errors import DataFileError, InvalidInput
from therabill.payers.fee_schedule import (
    NAME,
    from_cms_locality_file,
    from_cms_rvu_file,
    parse_fee_schedule,
    shipped_fee_schedule,
)
from therabill.payers.loader import default_payers_dir

LOCALITY_SOURCE = (
    "CMS PFS payment amount file {file} (carrier {carrier}, locality {locality}; CMS record "
    "layout PF<yy>PA)"
)
NATIONAL_SOURCE = (
    "CMS PFS relative value file {file}: amount = total RVUs x the file's conversion factor, "
    "rounded to cents"
)


@dataclass(frozen=True)
class Imported:
    """What an import wrote: the schedule's name, year, file and how many codes it prices."""

    name: str
    year: int
    path: Path
    codes: int

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "year": self.year, "path": str(self.path), "codes": self.codes}


def _codes() -> set[str]:
    """The codes worth keeping: the code set's and those the shipped schedule prices."""
    codes = set(load_code_set().codes)
    shipped = shipped_fee_schedule("mpfs-2026-national")
    return codes | set(shipped.rates if shipped else ())


def import_fee_schedule(
    source: Path,
    *,
    carrier: str | None = None,
    locality: str | None = None,
    national_year: int | None = None,
    name: str | None = None,
    folder: Path | None = None,
) -> Imported:
    """Write a fee schedule from a CMS file: a locality's (``carrier`` and ``locality``, from
    the payment amount file) or the national amounts (``national_year``, from the relative
    value file). Only the codes therabill knows are kept."""
    if (carrier is None) != (locality is None):
        raise InvalidInput("give both --carrier and --locality", field="carrier")
    if (carrier is None) == (national_year is None):
        raise InvalidInput("give --carrier and --locality, or --national YEAR", field="national")
    if carrier is not None and not re.fullmatch(r"\d{5}", carrier):
        raise InvalidInput(f"{carrier!r} is not a 5-digit carrier number", field="carrier")
    if locality is not None and not re.fullmatch(r"\d{2}", locality):
        raise InvalidInput(f"{locality!r} is not a 2-digit locality", field="locality")
    if national_year is not None and not 2000 <= national_year <= 2100:
        raise InvalidInput(f"{national_year} is not a year such as 2026", field="national")
    if name is not None and not NAME.match(name):
        raise InvalidInput(f"{name!r} is not a fee schedule name (a-z, 0-9, -, _)", field="name")
    if not source.is_file():
        raise InvalidInput(f"{source} is not a file", field="file")
    try:
        with source.open(encoding="latin-1", newline="") as lines:
            if carrier is not None and locality is not None:
                text = from_cms_locality_file(
                    lines, carrier=carrier, locality=locality, name=source.name,
                    source=LOCALITY_SOURCE.format(
                        file=source.name, carrier=carrier, locality=locality
                    ),
                )  # fmt: skip
            else:
                year = national_year or 0
                text = from_cms_rvu_file(
                    lines, codes=_codes(), year=year,
                    source=NATIONAL_SOURCE.format(file=source.name),
                )  # fmt: skip
    except OSError as exc:
        raise InvalidInput(f"cannot read {source}: {exc}", field="file") from None
    schedule = parse_fee_schedule(text, source.name)
    if not schedule.rates:
        raise DataFileError(str(source), None, "no code therabill bills is priced in this file")
    final = name or (
        f"medicare-{schedule.year}-locality" if carrier else f"mpfs-{schedule.year}-national"
    )
    target_folder = folder or default_payers_dir()
    target_folder.mkdir(parents=True, exist_ok=True)
    target = target_folder / f"{final}.csv"
    target.write_text(text, "utf-8")
    return Imported(final, schedule.year, target, len(schedule.rates))
