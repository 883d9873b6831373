"""Remittances as plain JSON-ready dicts: ``therabill era show --json`` and the golden files.

Money is a string with at least two decimal places (``"34.60"``), never a float; dates are
ISO; codes keep their descriptions from ``therabill.x12.adjustment_codes`` next to them so a biller can
read the output without the code lists. The shape is stable: tests compare it byte for byte.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from therabill.money import amount_text
from therabill.x12.adjustment_codes import describe_carc, describe_group, describe_rarc
from therabill.x12.remittance_835.balancing import BalanceProblem, check_balance
from therabill.x12.remittance_835.model import (
    Adjustment,
    ClaimPayment,
    Name,
    Party,
    ProviderAdjustment,
    Remittance,
    ServicePayment,
)


def number(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def day(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def adjustment_dict(a: Adjustment) -> dict[str, Any]:
    return {
        "group": a.group,
        "group_text": describe_group(a.group),
        "reason": a.reason,
        "reason_text": describe_carc(a.reason),
        "amount": amount_text(a.amount),
        "quantity": number(a.quantity),
    }


def name_dict(n: Name | None) -> dict[str, Any] | None:
    if n is None:
        return None
    return {
        "role": n.role,
        "entity_type": n.entity_type,
        "last_name": n.last_name,
        "first_name": n.first_name,
        "middle_name": n.middle_name,
        "suffix": n.suffix,
        "id_qualifier": n.id_qualifier,
        "id": n.id,
    }


def party_dict(p: Party | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {
        "role": p.role,
        "name": p.name,
        "id_qualifier": p.id_qualifier,
        "id": p.id,
        "address": list(p.address),
        "city": p.city,
        "state": p.state,
        "postal_code": p.postal_code,
        "references": [{"qualifier": q, "value": v} for q, v in p.references],
        "contacts": [list(c) for c in p.contacts],
    }


def _pairs(pairs: tuple[tuple[str, Any], ...], key: str = "value") -> list[dict[str, Any]]:
    return [
        {"qualifier": q, key: amount_text(v) if isinstance(v, Decimal) else v} for q, v in pairs
    ]


def line_dict(line: ServicePayment) -> dict[str, Any]:
    return {
        "procedure": {
            "qualifier": line.procedure_qualifier,
            "code": line.procedure_code,
            "modifiers": list(line.modifiers),
        },
        "billed_procedure": (
            {
                "qualifier": line.billed_qualifier,
                "code": line.billed_code,
                "modifiers": list(line.billed_modifiers),
            }
            if line.billed_code
            else None
        ),
        "charge": amount_text(line.charge),
        "paid": amount_text(line.paid),
        "revenue_code": line.revenue_code,
        "units": number(line.units),
        "billed_units": number(line.billed_units),
        "service_date": day(line.service_date),
        "service_end_date": day(line.service_end_date),
        "control_number": line.control_number,
        "allowed": amount_text(line.allowed),
        "adjustments": [adjustment_dict(a) for a in line.adjustments],
        "remarks": [
            {"qualifier": q, "code": c, "text": describe_rarc(c) if q == "HE" else ""}
            for q, c in line.remarks
        ],
        "references": _pairs(line.references),
        "amounts": _pairs(line.amounts, "amount"),
        "quantities": [{"qualifier": q, "quantity": number(v)} for q, v in line.quantities],
    }


def claim_dict(claim: ClaimPayment) -> dict[str, Any]:
    return {
        "patient_control_number": claim.patient_control_number,
        "status": claim.status,
        "status_text": claim.status_text,
        "charge": amount_text(claim.charge),
        "paid": amount_text(claim.paid),
        "patient_responsibility": amount_text(claim.patient_responsibility),
        "filing_indicator": claim.filing_indicator,
        "payer_claim_control_number": claim.payer_claim_control_number,
        "facility_type": claim.facility_type,
        "frequency": claim.frequency,
        "patient": name_dict(claim.patient),
        "insured": name_dict(claim.insured),
        "corrected_patient": name_dict(claim.corrected_patient),
        "other_names": [name_dict(n) for n in claim.names if n.role not in ("QC", "IL", "74")],
        "adjustments": [adjustment_dict(a) for a in claim.adjustments],
        "remark_codes": [{"code": c, "text": describe_rarc(c)} for c in claim.remark_codes],
        "dates": [{"qualifier": q, "date": d.isoformat()} for q, d in claim.dates],
        "amounts": _pairs(claim.amounts, "amount"),
        "references": _pairs(claim.references),
        "quantities": [{"qualifier": q, "quantity": number(v)} for q, v in claim.quantities],
        "contacts": [list(c) for c in claim.contacts],
        "inpatient": list(claim.inpatient[1:]),
        "outpatient": list(claim.outpatient[1:]),
        "segment_number": claim.segment_number,
        "services": [line_dict(line) for line in claim.services],
    }


def provider_adjustment_dict(p: ProviderAdjustment) -> dict[str, Any]:
    return {
        "provider_id": p.provider_id,
        "fiscal_period_end": day(p.fiscal_period_end),
        "reason": p.reason,
        "reference": p.reference,
        "amount": amount_text(p.amount),
    }


def problem_dict(p: BalanceProblem) -> dict[str, Any]:
    return {
        "level": p.level,
        "message": p.message,
        "expected": amount_text(p.expected),
        "actual": amount_text(p.actual),
        "claim": p.claim or None,
        "line": p.line,
    }


def remittance_dict(r: Remittance) -> dict[str, Any]:
    """One remittance, with its balancing problems (an empty list when it balances)."""
    h = r.header
    return {
        "file": h.file,
        "interchange_control_number": h.interchange_control_number,
        "sender_id": h.sender_id,
        "receiver_id": h.receiver_id,
        "group_control_number": h.group_control_number,
        "version": h.version,
        "transaction_control_number": h.transaction_control_number,
        "segment_number": h.segment_number,
        "payment": {
            "handling_code": h.handling_code,
            "amount": amount_text(h.payment_amount),
            "credit_debit": h.credit_debit,
            "method": h.payment_method,
            "format": h.payment_format,
            "date": day(h.payment_date),
        },
        "trace": {
            "type": h.trace_type,
            "number": h.trace_number,
            "payer_identifier": h.payer_identifier,
        },
        "production_date": day(h.production_date),
        "payer": party_dict(h.payer),
        "payee": party_dict(h.payee),
        "references": _pairs(h.references),
        "claims": [claim_dict(c) for c in r.claims],
        "provider_adjustments": [provider_adjustment_dict(p) for p in r.provider_adjustments],
        "balance_problems": [problem_dict(p) for p in check_balance(r)],
    }
