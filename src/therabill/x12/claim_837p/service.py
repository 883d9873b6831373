"""Service lines (loop 2400): LX, SV1, DTP*472, and other payers' 2430 for each line."""

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
    """2400: LX, SV1 (HC:code:modifiers, charge, UN units, pointers), DTP*472."""
    e, c, t = seg.element, v.delimiters.component, seg.terminator
    parts = seg.parts
    n_dx = len(claim.diagnoses)
    memo = v.memo
    for index, line in enumerate(claim.lines):
        code = line.code
        modifiers = line.modifiers
        key = (code, *modifiers)
        procedure = memo.get(key)
        if procedure is None:
            procedure = v.remember(key, _procedure(code, modifiers, index, c))
        units = line.units
        if units is None:
            raise missing(
                f"lines[{index}].units", claim.claim_id, "run the scrubber, which computes them"
            )
        if units < 1:
            raise InvalidInput(
                "a billed line needs at least one unit", field=f"lines[{index}].units"
            )
        pointers = line.diagnosis_pointers
        if not pointers or len(pointers) > MAX_POINTERS or max(pointers) > n_dx:
            _bad_pointers(claim, index)
        pointer_key = tuple(pointers)  # only pointer keys are all numbers
        pointer_text = memo.get(pointer_key)
        if pointer_text is None:
            pointer_text = v.remember(pointer_key, c.join(map(str, pointers)))
        parts.append(
            f"LX{e}{index + 1}{t}"
            f"SV1{e}{procedure}{e}{v.money(line.charge, f'lines[{index}].charge')}{e}UN{e}"
            f"{units}{e}{e}{e}{pointer_text}{t}"
            f"DTP{e}472{e}D8{e}{v.date8(line.date)}{t}"
        )
        if claim.other_payers:
            line_adjudications(seg, v, claim, index, procedure, units)
    seg.count += 3 * len(claim.lines)


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


def _bad_pointers(claim: Claim, index: int) -> None:
    field = f"lines[{index}].diagnosis_pointers"
    pointers = claim.lines[index].diagnosis_pointers
    if not pointers:
        raise missing(field, claim.claim_id, "each line points at a diagnosis")
    if len(pointers) > MAX_POINTERS:
        raise InvalidInput(
            f"{len(pointers)} pointers; a line carries at most {MAX_POINTERS}", field=field
        )
    raise InvalidInput(
        f"pointer {max(pointers)} but the claim lists {len(claim.diagnoses)} diagnoses",
        field=field,
    )
