"""Shared pieces of the 837P tests: the pyx12 verdict and claim documents to write."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from typing import Any

import pyx12.params
import pyx12.x12n_document

from therabill.claims.document import Claim
from therabill.x12.clearinghouse import Clearinghouse, load_clearinghouse

CREATED = dt.datetime(2026, 11, 28, 9, 30)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def pyx12_errors(text: str, *, acknowledge: bool = True) -> list[str]:
    """Everything pyx12 4.0.0 finds wrong with ``text`` (empty when it accepts the file).

    The verdict is ``x12n_document``'s return value (the ``x12valid`` script exits 1 even on
    valid files); the JSON error report and pyx12's logged errors say why. ``acknowledge=False``
    skips pyx12's 999, which it cannot write for a transaction without ST03 (an 835: X221A1
    does not use ST03) and logs as an error of the file.
    """
    param = pyx12.params.params()
    report = io.StringIO()
    ack = io.StringIO()
    logger = logging.getLogger("pyx12")
    handler = _Collect()
    logger.addHandler(handler)
    try:
        ok = pyx12.x12n_document.x12n_document(
            param=param,
            src_file=io.StringIO(text),
            fd_997=ack if acknowledge else None,
            fd_html=None,
            fd_json=report,
        )
    finally:
        logger.removeHandler(handler)
    if ok and not handler.messages:
        return []
    problems = list(handler.messages)
    problems += _json_errors(json.loads(report.getvalue() or "{}"))
    return problems or [f"pyx12 rejected the file; its 999 says: {ack.getvalue()!r}"]


def _json_errors(node: Any, path: str = "") -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("errors", "elements_errors", "element_errors") and isinstance(value, list):
                found += [f"{path} {json.dumps(e, default=str)}" for e in value]
            else:
                label = node.get("id") or node.get("seg_id") or ""
                found += _json_errors(value, f"{path}/{label}" if label else path)
    elif isinstance(node, list):
        for item in node:
            found += _json_errors(item, path)
    return found


def profile() -> Clearinghouse:
    return load_clearinghouse("default")


BILLING = {
    "npi": "1234567893",
    "name": "Harbour Therapy Group",
    "tax_id": "12-3456789",
    "address": {"line1": "100 Harbour St", "city": "Portland", "state": "ME", "zip": "04101-1234"},
}
CLIENT_ADDRESS = {
    "line1": "12 Elm Rd",
    "line2": "Apt 3",
    "city": "Portland",
    "state": "ME",
    "zip": "04102",
}


def claim_dict(**changes: Any) -> dict[str, Any]:
    """A complete, writable claim document: the client is the subscriber, one line."""
    doc: dict[str, Any] = {
        "claim_id": "C-1001",
        "frequency": "original",
        "payer": {"id": "COMMERCIAL", "name": "Acme Health Plan", "payer_id": "60054"},
        "provider": {
            "npi": "1234567893",
            "name": "Ana Ruiz, LMT",
            "discipline": "massage",
            "taxonomy": "225700000X",
        },
        "billing_provider": BILLING,
        "client": {
            "id": "CL-1",
            "first_name": "Maria",
            "last_name": "Lopez",
            "birth_date": "1970-05-01",
            "member_id": "XYZ123456789",
            "sex": "F",
            "address": CLIENT_ADDRESS,
        },
        "diagnoses": ["M54.50"],
        "place_of_service": "11",
        "lines": [
            {
                "date": "2026-11-20",
                "code": "97140",
                "modifiers": ["GP"],
                "minutes": 38,
                "units": 3,
                "diagnosis_pointers": [1],
                "charge": "120.00",
            }
        ],
    }
    doc.update(changes)
    return doc


def claim(**changes: Any) -> Claim:
    return Claim.model_validate(claim_dict(**changes))
