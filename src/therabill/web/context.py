"""What every request needs: the store, the settings and the templates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from fastapi.templating import Jinja2Templates

from therabill.config import data_dir
from therabill.money import format_dollars
from therabill.store.services import Store
from therabill.web.audit_batch import AuditBatcher

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True, slots=True)
class WebSettings:
    """``idle``: automatic logoff after this long without a request (HIPAA §164.312(a)(2)(iii)
    asks for automatic logoff; 15 minutes is a common practice setting). ``secure_cookies``
    stays on: browsers treat http://127.0.0.1 and localhost as secure contexts."""

    idle: dt.timedelta = dt.timedelta(minutes=15)
    absolute: dt.timedelta = dt.timedelta(hours=12)
    secure_cookies: bool = True
    outbox: Path = field(default_factory=lambda: data_dir() / "outbox")


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
    return templates
