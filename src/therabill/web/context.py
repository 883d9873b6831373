"""What every request needs: the store, the settings and the templates."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from fastapi.templating import Jinja2Templates

from therabill.config import practice_folder
from therabill.errors import InvalidInput
from therabill.identifiers import icd10cm
from therabill.money import format_dollars
from therabill.store.services import Store
from therabill.web.audit_batch import AuditBatcher
from therabill.web.limits import MIB, BodyLimits

HERE = Path(__file__).resolve().parent
# Billing staff and admins see every client's data: a stolen password alone must not do
# (HHS 405(d) HICP, Technical Volume 1, practice 3, "Implement multifactor authentication").
MFA_ROLES = frozenset({"admin", "biller"})


@dataclass(frozen=True, slots=True)
class WebSettings:
    """``idle``: automatic logoff after this long without a request (HIPAA §164.312(a)(2)(iii)
    asks for automatic logoff; 15 minutes is a common practice setting). ``secure_cookies``
    stays on: browsers treat http://127.0.0.1 and localhost as secure contexts.

    ``limits``: the largest request body per route kind. ``behind_proxy``: the server takes
    the client's address from a configured proxy's X-Forwarded-For (``therabill serve
    --proxy-headers``), so failed logins are also limited per address; without it every
    client behind a proxy has the proxy's address, and a per-address limit would shut them
    all out at once. ``mfa_roles``: roles that must use a second factor to log in."""

    idle: dt.timedelta = dt.timedelta(minutes=15)
    absolute: dt.timedelta = dt.timedelta(hours=12)
    secure_cookies: bool = True
    outbox: Path | None = None  # None: each practice's own (config.practice_folder)
    limits: BodyLimits = field(default_factory=BodyLimits)
    behind_proxy: bool = False
    mfa_roles: frozenset[str] = MFA_ROLES

    def outbox_for(self, practice_id: int | None) -> Path:
        """Where the practice's 837P and 270 files go (``outbox`` when set, for tests)."""
        return self.outbox or practice_folder(practice_id) / "outbox"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> WebSettings:
        """The settings as the environment gives them (``therabill serve`` sets them for its
        worker processes; a deployer may set them too). Unset: the safe defaults."""
        env = os.environ if env is None else env
        limits = BodyLimits()

        def size(name: str, default: int) -> int:
            text = env.get(name, "").strip()
            if not text:
                return default
            try:
                value = float(text)
            except ValueError:
                value = 0
            if not 0 < value < 1_000_000:
                raise InvalidInput(f"{name} must be a number of megabytes above 0, not {text!r}")
            return int(value * MIB)

        limits = BodyLimits(
            upload=size("THERABILL_MAX_UPLOAD_MB", limits.upload),
            form=size("THERABILL_MAX_FORM_MB", limits.form),
            json=size("THERABILL_MAX_JSON_MB", limits.json),
        )
        roles = env.get("THERABILL_MFA_ROLES")
        return cls(
            limits=limits,
            behind_proxy=env.get("THERABILL_BEHIND_PROXY", "") == "1",
            mfa_roles=MFA_ROLES
            if roles is None
            else frozenset(r.strip().lower() for r in roles.split(",") if r.strip()),
        )


@dataclass(slots=True)
class WebContext:
    store: Store
    settings: WebSettings
    templates: Jinja2Templates
    audit: AuditBatcher = field(init=False)

    def __post_init__(self) -> None:
        self.audit = AuditBatcher(self.store.record_reads)


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["money"] = format_dollars
    templates.env.filters["icd10"] = icd10cm.format  # M6281 → M62.81, as claims show it
    return templates
