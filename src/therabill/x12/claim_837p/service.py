"""Service lines (loop 2400): LX, SV1, DTP*472, REF*6R, and other payers' 2430 for each line."""

from __future__ import annotations

from therabill.claims.document import Claim
from therabill.errors import InvalidInput
from therabill.x12.claim_837p.cob import line_adjudications
from therabill.x12.claim_837p.common import (
    CODE_PATTERN,
    MAX_MODIFIERS,
    MAX_POINTERS,
    MODIFIER_PATTERN,
    missing,
)
from therabill.x12.writer import Segments, Values


def service_lines(seg: Segments, v: Values, claim: Claim) -> None:
    """2400: LX, SV1 (HC:code:modifiers, charge, UN units, pointers), DTP*472, REF*6R."""
    e, c, t = seg.element, v.delimiters.component, seg.terminator
    parts = seg.parts
    n_dx = len(claim.diagnoses)
    memo, amounts, dates, pointer_texts = v.memo, v.amounts, v.dates, v.pointers
    others = claim.other_payers
    for index, line in enumerate(claim.lines):
        code = line.code
        modifiers = line.modifiers
        key = (code, *modifiers)
        procedure = memo.get(key)
        if procedure is None:
            procedure = v.remember(key, _procedure(code, modifiers, index, c))
        units = line.units
        if units is None:
            raise missing(f"lines[{index}].units", "run the scrubber, which computes them")
        if units < 1:
            raise InvalidInput(
                "a billed line needs at least one unit", field=f"lines[{index}].units"
            )
        pointers = tuple(line.diagnosis_pointers)
        known = pointer_texts.get(pointers)
        if known is None or known[1] > n_dx:
            known = _pointers(pointers, n_dx, index, c)
            if len(pointer_texts) < 10_000:
                pointer_texts[pointers] = known
        charge = line.charge
        day = line.date
        parts.append(
            f"LX{e}{index + 1}{t}"
            f"SV1{e}{procedure}{e}"
            f"{amounts.get(charge) or v.money(charge, f'lines[{index}].charge')}{e}UN{e}"
            f"{units}{e}{e}{e}{known[0]}{t}"
            f"DTP{e}472{e}D8{e}{dates.get(day) or v.date8(day)}{t}"
            f"REF{e}6R{e}{_control_number(v, claim.claim_id, line.control_number, index)}{t}"
        )
        if others:
            line_adjudications(seg, v, claim, index, procedure, units)
    seg.count += 4 * len(claim.lines)


def _control_number(v: Values, claim_id: str, number: str | None, index: int) -> str:
    """REF*6R, the line item control number: 005010X222A1 loop 2400 REF "Line Item Control
    Number" (REF02 AN 1/50), which the payer returns in the 835 (005010X221A1 loop 2110 REF*6R,
    "Required when a Line Item Control Number was received on the original claim"), so its
    answer names the line exactly. A stored line has its own; a document without one uses
    the claim id and the line's position, unique within the claim."""
    field = f"lines[{index}].control_number"
    return v.ident(number or f"{claim_id}-{index + 1}", field, max_length=50)


def _pointers(pointers: tuple[int, ...], n_dx: int, index: int, component: str) -> tuple[str, int]:
    """SV107's text and highest pointer, once the pointers are checked against the claim."""
    field = f"lines[{index}].diagnosis_pointers"
    if not pointers:
        raise missing(field, "each line points at a diagnosis")
    if len(pointers) > MAX_POINTERS:
        raise InvalidInput(
            f"{len(pointers)} pointers; a line carries at most {MAX_POINTERS}", field=field
        )
    if max(pointers) > n_dx:
        raise InvalidInput(
            f"pointer {max(pointers)} but the claim lists {n_dx} diagnoses", field=field
        )
    return component.join(map(str, pointers)), max(pointers)


def _procedure(code: str, modifiers: list[str], index: int, component: str) -> str:
    """SV101: HC:code[:modifier…], each part checked."""
    if not CODE_PATTERN.fullmatch(code):
        raise InvalidInput(f"{code!r} is not a procedure code", field=f"lines[{index}].code")
    if len(modifiers) > MAX_MODIFIERS:
        raise InvalidInput(
            f"{len(modifiers)} modifiers; a line carries at most {MAX_MODIFIERS}",
            field=f"lines[{index}].modifiers",
        )
    for m_index, modifier in enumerate(modifiers):
        if not MODIFIER_PATTERN.fullmatch(modifier):
            raise InvalidInput(
                f"{modifier!r} is not a modifier", field=f"lines[{index}].modifiers[{m_index}]"
            )
    return component.join(("HC", code, *modifiers))
