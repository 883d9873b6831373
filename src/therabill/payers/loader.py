"""Read payer profiles (TOML, one file per payer) and check every key.

Profiles come from three places, later ones replacing earlier ones with the same id: the
profiles shipped in the package (``payers/data``), the practice's own directory
(``data_dir()/payers``) and a directory given on the command line (``--payers DIR``).
A malformed profile is a ``DataFileError`` naming the file, the key and the problem.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

from therabill.codes.model import DISCIPLINES
from therabill.errors import DataFileError, InvalidInput
from therabill.money import parse_amount
from therabill.payers.fee_schedule import NAME, FeeSchedule, find_fee_schedule
from therabill.payers.profile import (
    ALL_CODES,
    CORRECTION_WAYS,
    PAYMENT_STATUS,
    REPLACEMENT,
    TELEHEALTH_MODIFIERS,
    PayerProfile,
    Telehealth,
)
from therabill.units import UnitRule

T = TypeVar("T")
CODE = re.compile(r"^(?:\d{4}[0-9FTU]|[A-V]\d{4})$")
MODIFIER = re.compile(r"^[A-Z0-9]{2}$")
POS = re.compile(r"^\d{2}$")
ID = re.compile(r"^[A-Z0-9][A-Z0-9_.-]{0,59}$")

TOP_KEYS = {
    "id", "name", "unit_rule", "ncci", "timely_filing_days", "disciplines",
    "therapy_modifier_required", "telehealth_modifier", "telehealth_places",
    "prior_authorization", "extra_modifiers", "codes", "required_modifiers", "fees",
    "kx_thresholds", "review_thresholds", "allowed_amounts", "telehealth", "corrections",
    "sources", "appeal_days", "corrected_claim_days",
    "plan_of_care_required", "referring_provider_required", "visit_limits", "crossover",
}  # fmt: skip
CORRECTION_KEYS = {"processed", "new_claim_remarks"}
REMARK = re.compile(r"^[A-Z]{1,2}\d{1,3}$")
CODE_KEYS = {"accepted", "accepted_for", "not_accepted", "alternatives", "preferred", "status"}
TELEHEALTH_KEYS = {"audio_only_places", "in_person_disciplines", "not_allowed_modifiers", "since"}


class _Checker:
    """Reads typed values out of one parsed file, naming file and key in every error."""

    def __init__(self, name: str) -> None:
        self.name = name

    def fail(self, key: str, problem: str) -> DataFileError:
        return DataFileError(self.name, None, f"key {key!r}: {problem}")

    def typed(self, value: Any, kind: type[T], key: str, what: str) -> T:
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(key, f"must be {what}, not {type(value).__name__} {value!r}")
        return value

    def table(self, value: Any, key: str, allowed: set[str] | None = None) -> dict[str, Any]:
        data: dict[str, Any] = self.typed(value, dict, key, "a table")
        unknown = sorted(set(data) - allowed) if allowed is not None else []
        if unknown:
            raise self.fail(
                f"{key}.{unknown[0]}" if key else unknown[0],
                f"unknown key; allowed keys are {', '.join(sorted(allowed or ()))}",
            )
        return data

    def text(self, value: Any, key: str, pattern: re.Pattern[str] | None = None) -> str:
        text = self.typed(value, str, key, "a string").strip()
        if pattern and not pattern.match(text.upper()):
            raise self.fail(key, f"{text!r} does not look right (expected {pattern.pattern})")
        return text.upper() if pattern else text

    def items(self, value: Any, key: str, check: Callable[[Any, str], str]) -> tuple[str, ...]:
        items = self.typed(value, list, key, "a list")
        return tuple(check(item, f"{key}[{i}]") for i, item in enumerate(items))

    def code(self, value: Any, key: str) -> str:
        return self.text(value, key, CODE)

    def modifier(self, value: Any, key: str) -> str:
        return self.text(value, key, MODIFIER)

    def money(self, value: Any, key: str) -> Decimal:
        text = self.typed(value, str, key, 'a money string such as "30.00"')
        try:
            return parse_amount(text, field=key, whole_digits=7)
        except InvalidInput as exc:
            raise self.fail(key, exc.message) from None

    def yearly(self, value: Any, key: str, check: Callable[[Any, str], T]) -> dict[int, T]:
        """A table of year → value (``2026 = "2480.00"``)."""
        found: dict[int, T] = {}
        for year, item in self.table(value, key).items():
            if not (year.isdigit() and 2000 <= int(year) <= 2100):
                raise self.fail(f"{key}.{year}", "must be a year such as 2026")
            found[int(year)] = check(item, f"{key}.{year}")
        return found

    def schedule_names(self, value: Any, key: str) -> tuple[str, ...]:
        """One fee schedule name, or a list of them (the first one found is used)."""
        names = self.items(value if isinstance(value, list) else [value], key, self.text)
        for i, name in enumerate(names):
            if not NAME.match(name.lower()):
                raise self.fail(f"{key}[{i}]", f"{name!r} is not a fee schedule name")
        if not names:
            raise self.fail(key, "names no fee schedule")
        return tuple(n.lower() for n in names)

    def date(self, value: Any, key: str) -> dt.date:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        try:
            return dt.date.fromisoformat(self.text(value, key))
        except ValueError:
            raise self.fail(key, f"{value!r} is not a date such as 2024-01-01") from None

    def discipline(self, value: Any, key: str) -> str:
        text = self.text(value, key).lower()
        if text not in DISCIPLINES:
            raise self.fail(key, f"unknown discipline {text!r}; use {', '.join(DISCIPLINES)}")
        return text


def _status(c: _Checker, value: Any, key: str) -> str:
    text = c.text(value, key)
    if text not in PAYMENT_STATUS:
        raise c.fail(key, f"{text!r} is not one of {', '.join(PAYMENT_STATUS)}")
    return text


def parse_payer_profile(text: str, name: str) -> PayerProfile:
    """One validated profile from the text of a TOML file."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataFileError(name, None, f"not valid TOML: {exc}") from None
    c = _Checker(name)
    data = c.table(raw, "", TOP_KEYS)
    for key in ("id", "name", "unit_rule"):
        if key not in data:
            raise c.fail(key, "is required")
    payer_id = c.text(data["id"], "id", ID)
    rule_text = c.text(data["unit_rule"], "unit_rule").lower()
    if rule_text not in {r.value for r in UnitRule}:
        raise c.fail("unit_rule", f"{rule_text!r} is not one of cms, midpoint")
    codes = c.table(data.get("codes", {}), "codes", CODE_KEYS)
    accepted_for = {
        c.discipline(d, f"codes.accepted_for.{d}"): frozenset(
            c.items(v, f"codes.accepted_for.{d}", c.code)
        )
        for d, v in c.table(codes.get("accepted_for", {}), "codes.accepted_for").items()
    }
    alternatives = {
        c.code(k, f"codes.alternatives.{k}"): c.items(v, f"codes.alternatives.{k}", c.code)
        for k, v in c.table(codes.get("alternatives", {}), "codes.alternatives").items()
    }
    preferred = {
        c.code(k, f"codes.preferred.{k}"): c.code(v, f"codes.preferred.{k}")
        for k, v in c.table(codes.get("preferred", {}), "codes.preferred").items()
    }
    status = {
        c.code(k, f"codes.status.{k}"): _status(c, v, f"codes.status.{k}")
        for k, v in c.table(codes.get("status", {}), "codes.status").items()
    }
    auth = c.items(
        data.get("prior_authorization", []),
        "prior_authorization",
        lambda v, k: ALL_CODES if v == ALL_CODES else c.code(v, k),
    )
    required = {
        c.code(k, f"required_modifiers.{k}"): c.items(v, f"required_modifiers.{k}", c.modifier)
        for k, v in c.table(data.get("required_modifiers", {}), "required_modifiers").items()
    }
    fees = {
        c.code(k, f"fees.{k}"): c.money(v, f"fees.{k}")
        for k, v in c.table(data.get("fees", {}), "fees").items()
    }
    kx = c.yearly(data.get("kx_thresholds", {}), "kx_thresholds", c.money)
    review = c.yearly(data.get("review_thresholds", {}), "review_thresholds", c.money)
    allowed = c.yearly(data.get("allowed_amounts", {}), "allowed_amounts", c.schedule_names)
    visit_limits: dict[str, int] = {}
    for discipline, visits in c.table(data.get("visit_limits", {}), "visit_limits").items():
        key = f"visit_limits.{discipline}"
        count = c.typed(visits, int, key, "a number of visits")
        if not 1 <= count <= 1000:
            raise c.fail(key, f"{count} is outside 1-1000 visits a year")
        visit_limits[c.discipline(discipline, key)] = count
    days = data.get("timely_filing_days")
    if days is not None and not 1 <= c.typed(days, int, "timely_filing_days", "a number") <= 3650:
        raise c.fail("timely_filing_days", f"{days} is outside 1-3650 days")
    for key in ("appeal_days", "corrected_claim_days"):
        value = data.get(key)
        if value is not None and not 1 <= c.typed(value, int, key, "a number") <= 3650:
            raise c.fail(key, f"{value} is outside 1-3650 days")
    tele = data.get("telehealth_modifier")
    corrections = c.table(data.get("corrections", {}), "corrections", CORRECTION_KEYS)
    processed = c.text(corrections.get("processed", REPLACEMENT), "corrections.processed").lower()
    if processed not in CORRECTION_WAYS:
        raise c.fail(
            "corrections.processed", f"{processed!r} is not one of {', '.join(CORRECTION_WAYS)}"
        )
    remarks = c.items(
        corrections.get("new_claim_remarks", []),
        "corrections.new_claim_remarks",
        lambda v, k: c.text(v, k, REMARK),
    )
    sources = {
        k: c.text(v, f"sources.{k}") for k, v in c.table(data.get("sources", {}), "sources").items()
    }
    return PayerProfile(
        id=payer_id,
        name=c.text(data["name"], "name"),
        unit_rule=UnitRule(rule_text),
        path=name,
        accepted_codes=frozenset(c.items(codes.get("accepted", []), "codes.accepted", c.code)),
        accepted_for=accepted_for,
        not_accepted=frozenset(c.items(codes.get("not_accepted", []), "codes.not_accepted", c.code)),
        alternatives=alternatives,
        preferred=preferred,
        status=status,
        prior_authorization=frozenset(auth),
        disciplines=frozenset(c.items(data.get("disciplines", []), "disciplines", c.discipline)),
        therapy_modifier_required=c.typed(
            data.get("therapy_modifier_required", False), bool, "therapy_modifier_required",
            "true or false",
        ),
        required_modifiers=required,
        telehealth_modifier=c.modifier(tele, "telehealth_modifier") if tele else None,
        telehealth_places=frozenset(
            c.items(data.get("telehealth_places", ["02", "10"]), "telehealth_places",
                    lambda v, k: c.text(v, k, POS))
        ),
        extra_modifiers=frozenset(
            c.items(data.get("extra_modifiers", []), "extra_modifiers", c.modifier)
        ),
        timely_filing_days=days,
        appeal_days=data.get("appeal_days"),
        corrected_claim_days=data.get("corrected_claim_days"),
        fees=fees,
        kx_thresholds=kx,
        review_thresholds=review,
        allowed_amounts=allowed,
        telehealth=_telehealth(c, data.get("telehealth", {})),
        ncci=c.typed(data.get("ncci", True), bool, "ncci", "true or false"),
        corrections=processed,
        new_claim_remarks=frozenset(remarks),
        sources=sources,
        plan_of_care_required=c.typed(
            data.get("plan_of_care_required", False), bool, "plan_of_care_required",
            "true or false",
        ),
        crossover=c.typed(data.get("crossover", False), bool, "crossover", "true or false"),
        referring_provider_required=c.typed(
            data.get("referring_provider_required", False), bool,
            "referring_provider_required", "true or false",
        ),
        visit_limits=visit_limits,
    )  # fmt: skip


def _telehealth(c: _Checker, value: Any) -> Telehealth:
    table = c.table(value, "telehealth", TELEHEALTH_KEYS)
    disciplines = table.get("in_person_disciplines")
    not_allowed = c.items(
        table.get("not_allowed_modifiers", []), "telehealth.not_allowed_modifiers", c.modifier
    )
    for i, m in enumerate(not_allowed):
        if m not in TELEHEALTH_MODIFIERS:
            raise c.fail(
                f"telehealth.not_allowed_modifiers[{i}]",
                f"{m} is not a telehealth modifier ({', '.join(sorted(TELEHEALTH_MODIFIERS))})",
            )
    since = table.get("since")
    return Telehealth(
        audio_only_places=frozenset(
            c.items(table.get("audio_only_places", []), "telehealth.audio_only_places",
                    lambda v, k: c.text(v, k, POS))
        ),
        in_person_disciplines=None if disciplines is None else frozenset(
            c.items(disciplines, "telehealth.in_person_disciplines", c.discipline)
        ),
        not_allowed_modifiers=frozenset(not_allowed),
        since=None if since is None else c.date(since, "telehealth.since"),
    )  # fmt: skip


def with_fee_schedules(profile: PayerProfile, folders: Sequence[Path]) -> PayerProfile:
    """The profile with the fee schedules its ``allowed_amounts`` name, found in ``folders``
    (the practice's payers directories) or shipped; a name found nowhere is an error."""
    if not profile.allowed_amounts:
        return profile
    found: dict[int, FeeSchedule] = {}
    for year, names in profile.allowed_amounts.items():
        schedule = next(
            (s for s in (find_fee_schedule(n, folders) for n in names) if s is not None), None
        )
        if schedule is None:
            raise DataFileError(
                profile.path, None,
                f"key 'allowed_amounts.{year}': no fee schedule {' or '.join(names)} (NAME.csv "
                "in the payers directory, or shipped)",
            )  # fmt: skip
        found[year] = schedule
    return dataclasses.replace(profile, fee_schedules=found)


def _profiles_in(files: Iterable[Traversable], label: str) -> dict[str, PayerProfile]:
    found: dict[str, PayerProfile] = {}
    for file in sorted(files, key=lambda f: f.name):
        name = f"{label}/{file.name}"
        try:
            text = file.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DataFileError(name, None, f"cannot read the profile: {exc}") from None
        profile = parse_payer_profile(text, name)
        if profile.id in found:
            raise DataFileError(
                name, None, f"key 'id': {profile.id} is also defined in {found[profile.id].path}"
            )
        found[profile.id] = profile
    return found


def shipped_profiles() -> dict[str, PayerProfile]:
    """The profiles in the package: MEDICARE, COMMERCIAL, SAMPLE-MASSAGE-PAYER."""
    folder = resources.files("therabill.payers").joinpath("data")
    files = [f for f in folder.iterdir() if f.name.endswith(".toml")]
    return _resolved(_profiles_in(files, "therabill/payers/data"), _folders(None))


def profiles_in_dir(directory: Path) -> dict[str, PayerProfile]:
    """Every ``*.toml`` profile in a directory (an error if it is not a directory)."""
    if not directory.is_dir():
        raise DataFileError(
            str(directory), None, "the payers directory does not exist (or is not a directory)"
        )
    found = _profiles_in(list(directory.glob("*.toml")), str(directory))
    return _resolved(found, _folders(directory))


def default_payers_dir() -> Path:
    """The practice's own profiles and fee schedules: ``payers`` in the folder of the
    practice in scope (the data directory for the first practice; THERABILL_HOME to move
    it), see :func:`therabill.config.payers_folder`."""
    from therabill.config import payers_folder

    return payers_folder()


def _folders(first: Path | None) -> tuple[Path, ...]:
    """Where fee schedules are looked for before the shipped ones: ``first``, then the
    practice's payers directory (a locality imported there replaces the national amounts
    for every profile that lists it first)."""
    practice = default_payers_dir()
    return tuple(d for d in (first, practice) if d is not None and d.is_dir())


def _resolved(
    profiles: dict[str, PayerProfile], folders: Sequence[Path]
) -> dict[str, PayerProfile]:
    return {k: with_fee_schedules(p, folders) for k, p in profiles.items()}


def load_payer_profiles(extra_dir: Path | None = None) -> dict[str, PayerProfile]:
    """Shipped profiles, then the practice's directory, then ``extra_dir``: later ids win.
    Fee schedules are looked for in ``extra_dir``, the practice's directory, then shipped."""
    folder = resources.files("therabill.payers").joinpath("data")
    files = [f for f in folder.iterdir() if f.name.endswith(".toml")]
    profiles = _profiles_in(files, "therabill/payers/data")
    practice = default_payers_dir()
    if practice.is_dir():
        profiles.update(_profiles_in(list(practice.glob("*.toml")), str(practice)))
    if extra_dir is not None:
        if not extra_dir.is_dir():
            raise DataFileError(
                str(extra_dir), None, "the payers directory does not exist (or is not a directory)"
            )
        profiles.update(_profiles_in(list(extra_dir.glob("*.toml")), str(extra_dir)))
    return _resolved(profiles, _folders(extra_dir))
