"""The clearinghouse connection: send the outbox over SFTP, fetch what came back and read
each file by its type, each file once.

Sending (:func:`send_outbox`): every file the app wrote into the outbox (837P claims, 270
eligibility inquiries, 276 status requests) not sent before, by name and SHA-256, is uploaded
under a temporary name (``.NAME.part``) and renamed into the clearinghouse's folder only when
complete, then recorded (one transaction per file) and moved to ``outbox/sent/``. A connection
dropped mid-file leaves a ``.part`` the next run overwrites; dropped after the rename but
before the record, the next run finds the file there with its size and records it without
uploading it again.

Fetching (:func:`fetch_inbox`): every file in the clearinghouse's folder not fetched before
(by name and size, then name and SHA-256) is downloaded to ``inbox/.NAME.part``, fsynced and
renamed when complete, then read in one transaction with its record: 999 and 277CA →
acknowledgements applied to the claims; 835 → the remittance intake (posted, or quarantined
with the reason; one that pays another practice, by its payee's NPI or tax id, is recorded as
``not ours``, its downloaded copy removed and nothing posted: a billing office's
practices may share one mailbox, and each practice's own fetch takes its files); 271 → eligibility answers stored on their policies; 277 (claim status,
005010X212) → the claim status reader records each claim's answer; anything
else, or a file that cannot be read → moved to ``inbox/quarantine/`` with the reason. Nothing
is deleted from the clearinghouse: it purges its own folders.

Why asyncssh: one library gives both the SFTP client and an SFTP server, so the tests run a
real server in the test process (loopback, a real SSH handshake, host key checked) and cut
its connection mid-transfer; docs/clearinghouse.md has more.
"""

from __future__ import annotations

import asyncio
import fnmatch
import hashlib
import io
import os
import posixpath
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from therabill.errors import InvalidInput, TherabillError
from therabill.store.models import ClearinghouseTransfer
from therabill.store.services import claim_status, eligibility, remittance_intake, submission
from therabill.store.services.context import Store, UnitOfWork
from therabill.store.services.files_on_commit import sync_directory
from therabill.x12.clearinghouse import Clearinghouse, Connection
from therabill.x12.reader import X12Error, iter_segments

with warnings.catch_warnings():  # asyncssh imports cryptography's deprecated DSA names
    warnings.simplefilter("ignore")
    import asyncssh

CHUNK = 64 * 1024
NOT_OURS = "not ours"  # a fetched 835 that pays another practice, left for that practice
Progress = Callable[[int, int], None]


class TransferFailed(TherabillError):
    """The connection failed or dropped; what was done before it is kept."""


@dataclass(slots=True)
class TransferReport:
    """What one send or fetch did, file by file."""

    direction: str
    files: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"direction": self.direction, "files": self.files, "skipped": self.skipped}


def _connection(profile: Clearinghouse) -> Connection:
    if profile.connection is None:
        raise InvalidInput(
            f"clearinghouse profile {profile.name!r} has no [connection] section.",
            field="connection",
            hint="Add host, user, a key or password_env, and the folders (see the shipped "
            "default.toml).",
        )
    return profile.connection


def _options(conn: Connection) -> dict[str, Any]:
    """asyncssh.connect's options; the password and passphrase come from the environment."""
    known_hosts = Path(conn.known_hosts).expanduser()
    if not known_hosts.is_file():
        raise InvalidInput(
            f"{known_hosts} does not exist: the server's host key must be known before connecting",
            field="connection.known_hosts",
            hint=f"Check the key's fingerprint with the clearinghouse, then: "
            f"ssh-keyscan -p {conn.port} {conn.host} >> {known_hosts}",
        )
    options: dict[str, Any] = {
        "port": conn.port,
        "username": conn.user,
        "known_hosts": str(known_hosts),
        "connect_timeout": conn.timeout_seconds,
        "login_timeout": conn.timeout_seconds,
        "agent_path": None,
        "config": [],
        "client_keys": None,
    }
    if conn.key_path:
        key = Path(conn.key_path).expanduser()
        if not key.is_file():
            raise InvalidInput(f"{key} does not exist", field="connection.key_path")
        options["client_keys"] = [str(key)]
        if conn.key_passphrase_env:
            options["passphrase"] = _secret(conn.key_passphrase_env, "key_passphrase_env")
    if conn.password_env:
        options["password"] = _secret(conn.password_env, "password_env")
    if not conn.key_path and not conn.password_env:
        raise InvalidInput(
            "the profile names neither a key (key_path) nor a password (password_env)",
            field="connection",
        )
    return options


def _secret(name: str, key: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise InvalidInput(
            f"the environment variable {name} is not set", field=f"connection.{key}",
            hint=f"Set {name} in the environment that runs therabill; it is never stored.",
        )  # fmt: skip
    return value


def _dropped(conn: Connection, exc: BaseException, done: str) -> TransferFailed:
    return TransferFailed(
        f"the connection to {conn.host}:{conn.port} failed: {exc.__class__.__name__}"
        f"{': ' + str(exc) if str(exc) else ''}; {done}.",
        hint="Run the same command again: nothing done is done twice.",
    )


def _kind_of(name: str, data: bytes) -> str:
    """837P, 270, 276, 999, 277CA, 277, 835, 271, TA1, or '' when there is no ST."""
    group_version = ""
    ta1 = False
    try:
        source = io.BytesIO(data)
        source.name = name
        for _, _, seg in iter_segments(source):
            ta1 = ta1 or seg.id == "TA1"  # TA1s alone are the file's kind; else its ST's
            if seg.id == "GS":
                group_version = seg.get(8)
            if seg.id == "ST":
                kind, guide = seg.get(1), seg.get(3) or group_version
                if kind == "277":  # a 277 without its guide is read as the 277CA, as x12 ack does
                    return "277" if guide.startswith("005010X212") else "277CA"
                return "837P" if kind == "837" else kind[:10]
    except X12Error:
        return ""
    return "TA1" if ta1 else ""


# --- sending -------------------------------------------------------------------------------


def _outbox_files(outbox: Path) -> list[Path]:
    if not outbox.is_dir():
        return []
    return sorted(p for p in outbox.iterdir() if p.is_file() and not p.name.startswith("."))


def _sent_before(work: UnitOfWork, profile: str, remote: str, digest: str) -> bool:
    return (
        work.db.execute(
            select(ClearinghouseTransfer.id).where(
                ClearinghouseTransfer.direction == "sent",
                ClearinghouseTransfer.profile == profile,
                ClearinghouseTransfer.remote_name == remote,
                ClearinghouseTransfer.sha256 == digest,
            )
        ).first()
        is not None
    )


async def _size(sftp: Any, path: str) -> int | None:
    try:
        attrs = await sftp.stat(path)
    except asyncssh.SFTPNoSuchFile:
        return None
    return int(attrs.size) if attrs.size is not None else None


def send_outbox(
    *,
    store: Store,
    profile: Clearinghouse,
    outbox: Path,
    day: str,
    progress: Progress | None = None,
    actor: str | None = None,
) -> TransferReport:
    """Upload every outbox file not sent before (see the module docstring)."""
    conn = _connection(profile)
    options = _options(conn)
    report = TransferReport("sent")
    files = _outbox_files(outbox)
    if not files:
        return report
    return asyncio.run(_send(store, profile, conn, options, files, day, report, progress, actor))


async def _send(
    store: Store, profile: Clearinghouse, conn: Connection, options: dict[str, Any],
    files: list[Path], day: str, report: TransferReport, progress: Progress | None,
    actor: str | None,
) -> TransferReport:  # fmt: skip
    sent_folder = files[0].parent / "sent"
    try:
        async with asyncssh.connect(conn.host, **options) as ssh, ssh.start_sftp_client() as sftp:
            for number, path in enumerate(files, 1):
                data = path.read_bytes()
                digest = hashlib.sha256(data).hexdigest()
                remote_name = conn.upload_name(path.name, day)
                with store.reading(actor=actor) as work:
                    before = _sent_before(work, profile.name, remote_name, digest)
                if not before:
                    remote = posixpath.join(conn.outbox, remote_name)
                    if await _size(sftp, remote) != len(data):
                        temporary = posixpath.join(conn.outbox, f".{remote_name}.part")
                        async with sftp.open(temporary, "wb") as handle:
                            for start in range(0, len(data), CHUNK):
                                await handle.write(data[start : start + CHUNK])
                        await _rename(sftp, temporary, remote)
                    kind = _kind_of(path.name, data)
                    with store.transaction(actor=actor) as work:
                        work.db.add(
                            ClearinghouseTransfer(
                                direction="sent", profile=profile.name, file_name=path.name,
                                remote_name=remote_name, sha256=digest, size_bytes=len(data),
                                kind=kind, status="sent", detail=f"to {remote}", actor=work.actor,
                            )
                        )  # fmt: skip
                        work.audit("send", "clearinghouse", profile.name, path.name[:100])
                    report.files.append(
                        {"file": path.name, "remote": remote_name, "kind": kind, "status": "sent"}
                    )
                else:
                    report.skipped.append(path.name)
                sent_folder.mkdir(exist_ok=True)
                os.replace(path, sent_folder / path.name)
                if progress:
                    progress(number, len(files))
            sync_directory(sent_folder)
    except (OSError, asyncssh.Error) as exc:
        done = f"{len(report.files)} of {len(files)} file(s) sent before it"
        raise _dropped(conn, exc, done) from None
    return report


async def _rename(sftp: Any, source: str, target: str) -> None:
    """Rename over any older copy (OpenSSH's posix-rename); plain rename where unsupported."""
    try:
        await sftp.posix_rename(source, target)
    except asyncssh.SFTPOpUnsupported:
        await sftp.rename(source, target)


# --- fetching ------------------------------------------------------------------------------


def _fetched(work: UnitOfWork, profile: str) -> tuple[set[tuple[str, int]], set[tuple[str, str]]]:
    rows = work.db.execute(
        select(
            ClearinghouseTransfer.remote_name,
            ClearinghouseTransfer.size_bytes,
            ClearinghouseTransfer.sha256,
        ).where(
            ClearinghouseTransfer.direction == "fetched",
            ClearinghouseTransfer.profile == profile,
        )
    ).all()
    return {(n, int(s)) for n, s, _ in rows}, {(n, h) for n, _, h in rows}


def _read_file(work: UnitOfWork, name: str, data: bytes) -> tuple[str, str, str]:
    """(kind, status, detail) of one fetched file, applied in ``work``'s transaction."""
    kind = _kind_of(name, data)
    source = io.BytesIO(data)
    source.name = name
    try:
        if kind in ("999", "277CA", "TA1"):
            result = submission.apply_acknowledgement_file(work=work, source=source)
            counts = result.counts
            return kind, "applied", (
                f"{counts['accepted']} accepted, {counts['rejected']} rejected, "
                f"{counts['unchanged']} unchanged"
            )  # fmt: skip
        if kind == "835":
            intake = remittance_intake.receive_remittance(
                work=work, data=data, file_name=name, leave_others=True
            )
            if intake.outcome == remittance_intake.OTHER_PRACTICE:
                return kind, NOT_OURS, intake.message
            status = "quarantined" if intake.quarantined else "applied"
            return kind, status, intake.message
        if kind == "271":
            stored = eligibility.store_answers(work=work, data=data, file_name=name)
            return kind, "applied", (
                f"{len(stored.stored)} answer(s) stored, {len(stored.already)} stored before, "
                f"{len(stored.unmatched)} matching no policy"
            )  # fmt: skip
        if kind == "277":
            read = claim_status.read_status_response(work=work, source=source, file_name=name)
            return (
                kind,
                "applied",
                (f"{read.recorded} claim status(es) recorded, {read.not_ours} not ours"),
            )
    except TherabillError as exc:
        return kind, "quarantined", str(exc)
    what = f"a {kind} transaction" if kind else "not an X12 file therabill reads"
    return kind, "quarantined", f"{what}: therabill reads TA1, 999, 277CA, 835, 271 and 277"


def fetch_inbox(
    *,
    store: Store,
    profile: Clearinghouse,
    inbox: Path,
    progress: Progress | None = None,
    actor: str | None = None,
) -> TransferReport:
    """Download and read every file not fetched before (see the module docstring)."""
    conn = _connection(profile)
    options = _options(conn)
    inbox.mkdir(parents=True, exist_ok=True)
    return asyncio.run(_fetch(store, profile, conn, options, inbox, progress, actor))


async def _fetch(
    store: Store, profile: Clearinghouse, conn: Connection, options: dict[str, Any],
    inbox: Path, progress: Progress | None, actor: str | None,
) -> TransferReport:  # fmt: skip
    report = TransferReport("fetched")
    total = 0
    try:
        async with asyncssh.connect(conn.host, **options) as ssh, ssh.start_sftp_client() as sftp:
            with store.reading(actor=actor) as work:
                by_size, by_hash = _fetched(work, profile.name)
            listed = [
                (str(e.filename), int(e.attrs.size or 0))
                for e in await sftp.readdir(conn.inbox)
                if e.attrs.type == asyncssh.FILEXFER_TYPE_REGULAR
            ]
            entries = sorted(
                (name, size) for name, size in listed
                if not name.startswith(".") and "/" not in name
                and fnmatch.fnmatch(name, conn.download_pattern)
            )  # fmt: skip
            wanted = [e for e in entries if e not in by_size]
            report.skipped = [name for name, size in entries if (name, size) in by_size]
            total = len(wanted)
            for number, (name, _) in enumerate(wanted, 1):
                data = await _download(sftp, posixpath.join(conn.inbox, name), inbox, name)
                digest = hashlib.sha256(data).hexdigest()
                if (name, digest) in by_hash:
                    report.skipped.append(name)
                    continue
                entry_report = _apply(store, profile, inbox, name, data, digest, actor)
                report.files.append(entry_report)
                by_hash.add((name, digest))
                if progress:
                    progress(number, total)
    except (OSError, asyncssh.Error) as exc:
        done = f"{len(report.files)} of {total or '?'} file(s) fetched and read before it"
        raise _dropped(conn, exc, done) from None
    return report


async def _download(sftp: Any, remote: str, inbox: Path, name: str) -> bytes:
    """The remote file, written to ``inbox/.NAME.part`` and renamed when complete."""
    temporary = inbox / f".{name}.part"
    parts: list[bytes] = []
    async with sftp.open(remote, "rb") as handle:
        with open(temporary, "wb") as out:
            while chunk := await handle.read(CHUNK):
                parts.append(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    os.replace(temporary, inbox / name)
    sync_directory(inbox)
    return b"".join(parts)


def _apply(
    store: Store, profile: Clearinghouse, inbox: Path, name: str, data: bytes, digest: str,
    actor: str | None,
) -> dict[str, Any]:  # fmt: skip
    with store.transaction(actor=actor) as work:
        kind, status, detail = _read_file(work, name, data)
        work.db.add(
            ClearinghouseTransfer(
                direction="fetched", profile=profile.name, file_name=name, remote_name=name,
                sha256=digest, size_bytes=len(data), kind=kind, status=status,
                detail=detail[:2000], actor=work.actor,
            )
        )  # fmt: skip
        work.audit("fetch", "clearinghouse", profile.name, f"{name[:80]}: {status}")
    if status == NOT_OURS:  # its copy stays in the mailbox for its own practice's fetch
        (inbox / name).unlink(missing_ok=True)
    elif status == "quarantined":
        folder = inbox / "quarantine"
        folder.mkdir(exist_ok=True)
        os.replace(inbox / name, folder / name)
    return {"file": name, "kind": kind, "status": status, "detail": detail}


def list_transfers(work: UnitOfWork, *, limit: int = 200) -> list[dict[str, Any]]:
    """What was sent and fetched, newest first (file names and outcomes, no client data)."""
    rows = work.db.execute(
        select(ClearinghouseTransfer).order_by(ClearinghouseTransfer.id.desc()).limit(limit)
    ).scalars()
    return [
        {
            "id": r.id,
            "when": r.created_at,
            "direction": r.direction,
            "profile": r.profile,
            "file": r.file_name,
            "remote": r.remote_name,
            "kind": r.kind,
            "status": r.status,
            "detail": r.detail,
            "size_bytes": r.size_bytes,
            "actor": r.actor,
        }
        for r in rows
    ]
