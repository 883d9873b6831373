"""Client CSV import: every row is checked before anything is written; one bad row stops
the import (listing every bad row) unless ``skip_bad`` is given, when the good rows are
imported and the bad ones written, with their reasons, to a rejects file."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from therabill.errors import DataFileError, InvalidInput, TherabillError
from therabill.store.csv_cells import QUOTING, safe_row
from therabill.store.models import Client, Payer, Policy
from therabill.store.services import clients
from therabill.store.services.context import UnitOfWork

REQUIRED_COLUMNS = ("first_name", "last_name", "birth_date")
KNOWN_COLUMNS = clients.CLIENT_COLUMNS + clients.POLICY_COLUMNS
BATCH = 500


@dataclass(frozen=True, slots=True)
class Rejected:
    row: int  # the line in the file (the header is row 1)
    reason: str
    values: dict[str, str]


@dataclass(slots=True)
class ImportResult:
    imported: list[int] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    rejects_file: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "imported": len(self.imported),
            "client_ids": self.imported,
            "rejected": [{"row": r.row, "reason": r.reason} for r in self.rejected],
            "rejects_file": self.rejects_file,
        }


class ImportRejected(TherabillError):
    """Bad rows, nothing imported."""

    def __init__(self, path: str, rejected: list[Rejected]) -> None:
        listing = "; ".join(f"row {r.row}: {r.reason}" for r in rejected[:20])
        more = f" (and {len(rejected) - 20} more)" if len(rejected) > 20 else ""
        super().__init__(
            f"{len(rejected)} bad row(s), nothing imported: {listing}{more}",
            field=path,
            hint="Fix them, or use --skip-bad to import the good rows.",
        )
        self.rejected = rejected


def read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip() for h in reader.fieldnames or []]
            missing = [c for c in REQUIRED_COLUMNS if c not in header]
            if missing:
                raise DataFileError(str(path), 1, f"missing column(s): {', '.join(missing)}")
            unknown = [c for c in header if c and c not in KNOWN_COLUMNS]
            if unknown:
                raise DataFileError(
                    str(path),
                    1,
                    f"unknown column(s) {', '.join(unknown)}; known: {', '.join(KNOWN_COLUMNS)}",
                )
            return [
                (reader.line_num, {(k or "").strip(): (v or "") for k, v in row.items()})
                for row in reader
            ]
    except FileNotFoundError:
        raise DataFileError(str(path), None, "file not found") from None
    except UnicodeDecodeError:
        raise DataFileError(str(path), None, "not UTF-8 text") from None
    except csv.Error as exc:
        raise DataFileError(str(path), None, f"not a CSV file: {exc}") from None


def check_rows(
    work: UnitOfWork, rows: list[tuple[int, dict[str, str]]]
) -> tuple[list[tuple[int, clients.ClientInput]], list[Rejected]]:
    payer_names = {n.lower() for n in work.db.execute(select(func.lower(Payer.name))).scalars()} | {
        p.lower() for p in work.db.execute(select(Payer.profile_id)).scalars()
    }
    charts_in_db = set(
        work.db.execute(
            select(Client.chart_number).where(Client.chart_number.is_not(None))
        ).scalars()
    )
    good: list[tuple[int, clients.ClientInput]] = []
    bad: list[Rejected] = []
    seen: dict[str, int] = {}
    for row_number, values in rows:
        try:
            data = clients.client_input(values)
            if data.payer and data.payer.lower() not in payer_names:
                raise InvalidInput(f"no payer named {data.payer!r}", field="payer")
            if data.chart_number:
                if data.chart_number in charts_in_db:
                    raise InvalidInput(
                        f"{data.chart_number!r} is already a client", field="chart_number"
                    )
                if data.chart_number in seen:
                    raise InvalidInput(
                        f"{data.chart_number!r} repeats row {seen[data.chart_number]}",
                        field="chart_number",
                    )
                seen[data.chart_number] = row_number
        except InvalidInput as exc:
            bad.append(Rejected(row_number, str(exc), values))
            continue
        good.append((row_number, data))
    return good, bad


def write_rejects(path: Path, rejected: list[Rejected]) -> None:
    columns = ["row", "reason", *KNOWN_COLUMNS]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore", quoting=QUOTING)
        writer.writeheader()
        for r in rejected:
            writer.writerow(safe_row({**r.values, "row": r.row, "reason": r.reason}))


def import_clients(
    *,
    work: UnitOfWork,
    path: Path,
    skip_bad: bool = False,
    rejects_path: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    rows = read_rows(path)
    good, bad = check_rows(work, rows)
    if bad and not skip_bad:
        raise ImportRejected(str(path), bad)
    result = ImportResult(rejected=bad)
    if bad:
        target = rejects_path or path.with_name(path.stem + ".rejects.csv")
        write_rejects(target, bad)
        result.rejects_file = str(target)
    payers = work.db.execute(
        select(Payer.id, Payer.name, Payer.profile_id).order_by(Payer.id.desc())
    ).all()
    payer_ids = {profile.lower(): payer_id for payer_id, _, profile in payers}
    payer_ids.update({name.lower(): payer_id for payer_id, name, _ in payers})
    batch: list[Client] = []
    for done, (_, data) in enumerate(good, 1):
        client = Client(**{name: getattr(data, name) for name in clients.CLIENT_COLUMNS})
        if data.payer and data.member_id:
            client.policies.append(
                Policy(
                    payer_id=payer_ids[data.payer.lower()],
                    member_id=data.member_id,
                    group_number=data.group_number,
                    priority=data.priority,
                )
            )
        work.db.add(client)
        batch.append(client)
        if len(batch) == BATCH or done == len(good):
            work.db.flush()  # rows written in batches; ids known for the audit log
            for added in batch:
                result.imported.append(added.id)
                work.audit("create", "client", added.id)
                for policy in added.policies:
                    work.audit("create", "policy", policy.id, f"client {added.id}")
            batch = []
            if progress:
                progress(done, len(good))
    work.audit("import", "client", "*", f"{len(good)} imported, {len(bad)} rejected")
    return result
