"""A second factor at login: time-based one-time passwords (TOTP, RFC 6238, via pyotp) from
an authenticator app, and recovery codes for a lost phone.

Enrolment: a new secret is shown as a QR code (drawn here as SVG by segno, nothing leaves
the machine) and as text; it counts once the user types a code it makes. Then ten recovery
codes are shown once; the database keeps their SHA-256 (each has 60 random bits, so a plain
hash is enough, as for API tokens). A code is accepted within one 30-second step either side
(RFC 6238 §5.2 allows for clock drift), once only: a step already used is refused (§5.2,
"the verifier MUST NOT accept the second attempt of the same OTP"). An admin can take a
user's second factor away (``therabill user mfa-reset``) so they enrol again.

Each function takes a login of the work's practice (``users.practice_user``): another
practice's login is not found, whatever id an edge passes (the cross-practice sweep tries).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import pyotp
import segno
from sqlalchemy import delete, insert, select, update

from therabill.errors import InvalidInput
from therabill.store.services.context import UnitOfWork
from therabill.store.services.users import practice_user
from therabill.store.web_tables import utcnow, web_mfa, web_mfa_recovery

ISSUER = "therabill"
RECOVERY_CODES = 10
STEP = 30  # seconds, RFC 6238's default and every authenticator app's
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


@dataclass(frozen=True, slots=True)
class Enrolment:
    """What the enrolment page shows: the secret as text and as a QR code."""

    secret: str
    uri: str

    @property
    def qr_data_uri(self) -> str:
        """The otpauth URI as an SVG QR code in a data: URI (the pages' CSP allows data:
        images and no other origin)."""
        # The standalone SVG (with its xmlns: an image needs it, inline SVG does not).
        return str(segno.make(self.uri, error="m").svg_data_uri(scale=5, border=2))

    @property
    def grouped(self) -> str:
        """The secret in groups of four, for typing into an app by hand."""
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))


def _digest(code: str) -> str:
    return hashlib.sha256(_normal(code).encode()).hexdigest()


def _normal(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _recovery_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def enrolment(work: UnitOfWork, *, user_id: int) -> Enrolment:
    """The secret being enrolled (a new one when none is pending). A user who has a
    confirmed second factor must have it reset first."""
    user = practice_user(work, user_id)
    row = work.db.execute(select(web_mfa).where(web_mfa.c.user_id == user_id)).first()
    if row is not None and row.confirmed_at is not None:
        raise InvalidInput("a second factor is already set up for this login", field="code")
    if row is None:
        secret = pyotp.random_base32()
        work.db.execute(
            insert(web_mfa).values(user_id=user_id, secret=secret, confirmed_at=None, last_step=0)
        )
    else:
        secret = row.secret
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return Enrolment(secret, uri)


def confirm(
    work: UnitOfWork, *, user_id: int, code: str, at: dt.datetime | None = None
) -> list[str]:
    """Turn the pending secret on once ``code`` is one it makes; returns the recovery codes
    (shown once)."""
    practice_user(work, user_id)
    row = work.db.execute(select(web_mfa).where(web_mfa.c.user_id == user_id)).first()
    if row is None or row.confirmed_at is not None:
        raise InvalidInput("start setting up the authenticator first", field="code")
    step = _matching_step(row.secret, code, at or utcnow(), after=0)
    if step is None:
        raise InvalidInput(
            "does not match; check the phone's clock and type the newest code", field="code"
        )
    work.db.execute(
        update(web_mfa)
        .where(web_mfa.c.user_id == user_id)
        .values(confirmed_at=utcnow(), last_step=step)
    )
    codes = new_recovery_codes(work, user_id=user_id)
    work.audit("mfa-on", "user", user_id)
    return codes


def new_recovery_codes(work: UnitOfWork, *, user_id: int) -> list[str]:
    """Ten new recovery codes (the old ones stop working)."""
    practice_user(work, user_id)
    work.db.execute(delete(web_mfa_recovery).where(web_mfa_recovery.c.user_id == user_id))
    codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
    for code in codes:
        work.db.execute(
            insert(web_mfa_recovery).values(user_id=user_id, code_hash=_digest(code), used_at=None)
        )
    work.audit("mfa-recovery-codes", "user", user_id, f"{RECOVERY_CODES} new")
    return codes


def _matching_step(secret: str, code: str, at: dt.datetime, *, after: int) -> int | None:
    """The time step (within one either side of ``at``) whose code is ``code``, if it is
    later than ``after`` (a step used already is refused)."""
    digits = "".join(ch for ch in code if ch.isdigit())
    if len(digits) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = int(at.timestamp()) // STEP
    for step in (now - 1, now, now + 1):
        if step > after and secrets.compare_digest(totp.at(step * STEP), digits):
            return step
    return None


def check_code(work: UnitOfWork, *, user_id: int, code: str, at: dt.datetime | None = None) -> bool:
    """Whether ``code`` (an authenticator code or an unused recovery code) proves the second
    factor; a good code cannot be used again. Audited either way."""
    practice_user(work, user_id)
    row = work.db.execute(select(web_mfa).where(web_mfa.c.user_id == user_id)).first()
    if row is None or row.confirmed_at is None:
        return False
    step = _matching_step(row.secret, code, at or utcnow(), after=row.last_step)
    if step is not None:
        work.db.execute(update(web_mfa).where(web_mfa.c.user_id == user_id).values(last_step=step))
        work.audit("mfa-passed", "user", user_id, "authenticator")
        return True
    if len(_normal(code)) == 12:
        used = work.db.execute(
            update(web_mfa_recovery)
            .where(
                web_mfa_recovery.c.user_id == user_id,
                web_mfa_recovery.c.code_hash == _digest(code),
                web_mfa_recovery.c.used_at.is_(None),
            )
            .values(used_at=utcnow())
        )
        if getattr(used, "rowcount", 0):
            work.audit("mfa-passed", "user", user_id, "recovery code")
            return True
    work.audit("mfa-failed", "user", user_id)
    return False


def recovery_codes_left(work: UnitOfWork, *, user_id: int) -> int:
    practice_user(work, user_id)
    return len(
        work.db.execute(
            select(web_mfa_recovery.c.id).where(
                web_mfa_recovery.c.user_id == user_id, web_mfa_recovery.c.used_at.is_(None)
            )
        ).all()
    )


def reset(work: UnitOfWork, *, user_id: int) -> None:
    """Take a user's second factor away (a lost phone and no recovery code): they enrol
    again at their next login when their role needs one. Audited."""
    practice_user(work, user_id)  # a login of another practice is not found
    work.db.execute(delete(web_mfa).where(web_mfa.c.user_id == user_id))
    work.db.execute(delete(web_mfa_recovery).where(web_mfa_recovery.c.user_id == user_id))
    work.audit("mfa-reset", "user", user_id)
