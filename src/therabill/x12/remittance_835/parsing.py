"""Streaming 835 parser: segments in, ``RemittanceHeader`` / ``ClaimPayment`` /
``RemittanceEnd`` events out, one claim at a time.

The loop below is the hot path of a 100,000-claim remittance and is written for CPython
speed on purpose: one ``str.split`` per segment, an if-chain ordered by how often segments
occur, conversions through caches (``values``), repeats collected as tuples, and objects
built through builder twins (``model.builder``). Everything a transaction has once (header,
envelope, PLB) goes through plain, readable code in ``header`` and the ``else`` branch.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from therabill.x12.reader import Envelope, SegmentReader, X12Error
from therabill.x12.remittance_835.header import HeaderBuilder
from therabill.x12.remittance_835.model import (
    ZERO,
    Adjustment,
    ClaimPayment,
    Name,
    ProviderAdjustment,
    RemittanceEnd,
    RemittanceHeader,
    ServicePayment,
    builder,
)
from therabill.x12.remittance_835.segments import ADJUSTMENT_GROUPS, SEGMENTS, element_name
from therabill.x12.remittance_835.values import CACHE_LIMIT, CACHED_TEXT, BadValue, Values

Event = RemittanceHeader | ClaimPayment | RemittanceEnd

_AdjustmentB = builder(Adjustment)
_NameB = builder(Name)
_LineB = builder(ServicePayment)
_ClaimB = builder(ClaimPayment)

_HEADER_SEGMENTS = frozenset({"BPR", "TRN", "CUR", "N1", "N3", "N4", "PER", "RDM"})
_CLAIM_ONLY = frozenset({"MIA", "MOA", "QTY", "PER"})
_OUTSIDE, _HEADER, _CLAIMS, _SUMMARY = range(4)


_CAS = tuple(element_name("CAS", i) for i in range(21))


def _adjustments(el: list[str], values: Values) -> tuple[Adjustment, ...]:
    """All triples of one CAS (CAS02-04, 05-07, … 17-19) as Adjustments, group CAS01."""
    group = el[1]
    found = []
    get = values.amounts.get
    n = len(el)
    for i in range(2, min(n, 20), 3):
        reason = el[i]
        text = el[i + 1] if i + 1 < n else ""
        if not reason and not text:
            continue
        if not reason:
            raise BadValue(_CAS[i], f"{_CAS[i]} reason code is missing")
        value = get(text)
        if value is None:
            value = values.amount(text, _CAS[i + 1])
        quantity = values.optional_amount(el[i + 2], _CAS[i + 2]) if i + 2 < n else None
        adjustment = _AdjustmentB(group, reason, value, quantity)
        adjustment.__class__ = Adjustment
        found.append(adjustment)
    if not found:
        raise BadValue("CAS02", "CAS has no adjustment: CAS02 reason and CAS03 amount are required")
    return tuple(found)


def _provider_adjustments(el: list[str], values: Values) -> list[ProviderAdjustment]:
    """PLB03/04 … PLB13/14 pairs: reason:reference composite and amount."""
    found = []
    period = values.optional_date(el[2], "PLB02")
    for i in range(3, min(len(el), 15), 2):
        if not el[i]:
            continue
        reason, reference = values.reason_reference(el[i])
        text = el[i + 1] if i + 1 < len(el) else ""
        amount = values.amount(text, element_name("PLB", i + 1))
        found.append(ProviderAdjustment(el[1], period, reason, reference, amount))
    return found


_LINE_REPEATS = ("adjustments", "references", "amounts", "remarks", "quantities")
_CLAIM_REPEATS = (
    "names",
    "adjustments",
    "dates",
    "amounts",
    "references",
    "contacts",
    "quantities",
)


def _more(found: Any, new: tuple[Any, ...]) -> list[Any]:
    """A loop's repeats once there is more than one segment's worth: a list, appended to in
    place. Adding to a tuple copies it every time, which made one claim with 200,000 CAS take
    minutes (quadratic); ``_sealed`` turns the list back into a tuple when the loop closes."""
    if type(found) is list:
        found.extend(new)
        return found
    return [*found, *new]


def _sealed(builder: Any, names: tuple[str, ...]) -> None:
    """Every repeat of ``builder`` that grew into a list (``_more``) as a tuple again."""
    for name in names:
        value = getattr(builder, name)
        if type(value) is list:
            setattr(builder, name, tuple(value))


def _fail(
    file: str,
    number: int,
    tag: str,
    message: str,
    element: str | None = None,
    hint: str | None = None,
) -> X12Error:
    return X12Error(
        message, file=file, segment_number=number, segment_id=tag or None, element=element,
        hint=hint,
    )  # fmt: skip


def _svc_tail(el: list[str], values: Values) -> tuple[Any, ...]:
    """SVC04–SVC07 (revenue code, units, billed procedure, billed units): the rarer part."""
    n = len(el)
    units = values.optional_amount(el[5] if n > 5 else "", "SVC05")
    billed = el[6] if n > 6 else ""
    bproc = values.procedures.get(billed) if billed else ("", "", ())
    if bproc is None:
        bproc = values.procedure(billed, "SVC06")
    bunits = values.optional_amount(el[7] if n > 7 else "", "SVC07")
    return (el[4] if n > 4 else "", units, *bproc, bunits)


class _Repeats:
    """Whole-segment caches for the segments a remittance repeats most: the same CAS, DTM
    and SVC texts (one fee schedule, a few dates) come back thousands of times, and their
    values are immutable, so each distinct text is split and converted once. Bounded like
    the value caches; a text that is wrong raises ``BadValue`` every time, never cached."""

    def __init__(self, sep: str, values: Values) -> None:
        self.sep = sep
        self.values = values
        self.cas: dict[str, tuple[Adjustment, ...]] = {}
        self.dtm: dict[str, tuple[str, Any]] = {}
        self.svc: dict[str, tuple[Any, ...]] = {}

    def _store(self, cache: dict[str, Any], text: str, value: Any) -> Any:
        if len(text) <= CACHED_TEXT:
            if len(cache) >= CACHE_LIMIT:
                cache.clear()
            cache[text] = value
        return value

    def parse_cas(self, text: str) -> tuple[Adjustment, ...]:
        el = text.split(self.sep)
        if el[1] not in ADJUSTMENT_GROUPS:
            raise BadValue(
                "CAS01",
                "CAS01 'CR' (corrections and reversals) was retired after 004010: this looks "
                "like a 004010 file; therabill reads 005010"
                if el[1] == "CR"
                else f"{el[1][:10]!r} is not a claim adjustment group code",
            )
        if len(el) == 4 and el[2]:  # the usual single triple without quantity
            v = self.values
            amount = v.amounts.get(el[3]) or v.amount(el[3], "CAS03")
            adjustment = _AdjustmentB(el[1], el[2], amount, None)
            adjustment.__class__ = Adjustment
            found: tuple[Adjustment, ...] = (adjustment,)
        else:
            found = _adjustments(el, self.values)
        return self._store(self.cas, text, found)  # type: ignore[no-any-return]

    def parse_dtm(self, text: str) -> tuple[str, Any]:
        el = text.split(self.sep)
        day = self.values.date(el[2], "DTM02")
        return self._store(self.dtm, text, (el[1], day))  # type: ignore[no-any-return]

    def parse_svc(self, text: str) -> tuple[Any, ...]:
        """SVC01 composite, SVC02 charge, SVC03 paid, SVC04 revenue code, SVC05 units,
        SVC06 billed composite, SVC07 billed units: the first 11 fields of a line."""
        el = text.split(self.sep)
        v = self.values
        get = v.amounts.get
        proc = v.procedures.get(el[1]) or v.procedure(el[1], "SVC01")
        charge = get(el[2]) or v.amount(el[2], "SVC02")
        paid = get(el[3]) or v.amount(el[3], "SVC03")
        if len(el) == 6 and not el[4] and el[5]:  # the usual SVC*HC:97110*90*72**2
            units = get(el[5]) or v.amount(el[5], "SVC05")
            found = (proc[0], proc[1], proc[2], charge, paid, "", units, "", "", (), None)
        else:
            found = (*proc, charge, paid, *_svc_tail(el, v))
        return self._store(self.svc, text, found)  # type: ignore[no-any-return]


def parse_source(reader: SegmentReader) -> Iterator[Event]:
    """Events of one X12 source; raises ``X12Error`` (naming the segment) on bad input.

    The claim (2100) and line (2110) being read are mutable builder objects whose fields are
    filled as their segments arrive; when the loop closes they are sealed by switching their
    class to the frozen ``ClaimPayment`` / ``ServicePayment`` and are never touched again.
    """
    name = reader.name
    sep = reader.delimiters.element
    values = Values(reader.delimiters.component)
    amounts = values.amounts
    amount = values.amount
    env = Envelope(name, enveloped=reader.enveloped)
    number = 0
    phase = _OUTSIDE
    head: HeaderBuilder | None = None
    header: RemittanceHeader | None = None
    plb: list[ProviderAdjustment] = []
    claim_count = 0
    claim: Any = None  # the 2100 claim being read (a builder), or None
    lines: list[ServicePayment] = []
    line: Any = None  # the 2110 line being read (a builder), or None
    claim_grew = line_grew = False  # a repeat of the claim/line is a list (see ``_more``)
    el: list[str] = []
    tag = ""
    empty = ()
    sealed_line = ServicePayment
    sealed_claim = ClaimPayment
    sealed_name = Name
    repeats = _Repeats(sep, values)
    cas_cache, dtm_cache, svc_cache = repeats.cas, repeats.dtm, repeats.svc
    dtm_, cas_, svc_, ref_ = ("DTM" + sep, "CAS" + sep, "SVC" + sep, "REF" + sep)

    for batch in reader.batches():
        try:
            for text in batch:
                number += 1
                head4 = text[:4]
                if head4 == dtm_:
                    hit = dtm_cache.get(text)
                    if hit is None:
                        hit = repeats.parse_dtm(text)
                    if line is not None:
                        q = hit[0]
                        if q == "472":
                            line.service_date = line.service_end_date = hit[1]
                        elif q == "150":
                            line.service_date = hit[1]
                        elif q == "151":
                            line.service_end_date = hit[1]
                    elif claim is not None:
                        if claim.dates:
                            claim.dates = _more(claim.dates, (hit,))
                            claim_grew = True
                        else:
                            claim.dates = (hit,)
                    elif head is not None and phase == _HEADER:
                        tag = "DTM"
                        head.add(tag, text.split(sep), number)
                    else:
                        raise _fail(
                            name, number, "DTM", "DTM outside a transaction header or claim"
                        )
                    continue
                if head4 == cas_:
                    adjustments = cas_cache.get(text)
                    if adjustments is None:
                        adjustments = repeats.parse_cas(text)
                    if line is not None:
                        if line.adjustments:
                            line.adjustments = _more(line.adjustments, adjustments)
                            line_grew = True
                        else:
                            line.adjustments = adjustments
                    elif claim is not None:
                        if claim.adjustments:
                            claim.adjustments = _more(claim.adjustments, adjustments)
                            claim_grew = True
                        else:
                            claim.adjustments = adjustments
                    else:
                        raise _fail(name, number, "CAS", "CAS outside a claim: no CLP before it")
                    continue
                if head4 == svc_:
                    if line is not None:
                        if line_grew:
                            _sealed(line, _LINE_REPEATS)
                            line_grew = False
                        line.__class__ = sealed_line
                        lines.append(line)
                    elif claim is None:
                        raise _fail(name, number, "SVC", "SVC outside a claim: no CLP before it")
                    v = svc_cache.get(text)
                    if v is None:
                        v = repeats.parse_svc(text)
                    line = _LineB(
                        v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10],
                        None, None, empty, empty, empty, empty, empty,
                    )  # fmt: skip
                    continue
                el = text.split(sep)
                tag = el[0]
                if head4 == ref_:
                    if line is not None:
                        if line.references:
                            line.references = _more(line.references, ((el[1], el[2]),))
                            line_grew = True
                        else:
                            line.references = ((el[1], el[2]),)
                    elif claim is not None:
                        if claim.references:
                            claim.references = _more(claim.references, ((el[1], el[2]),))
                            claim_grew = True
                        else:
                            claim.references = ((el[1], el[2]),)
                    elif head is not None and phase == _HEADER:
                        head.add(tag, el, number)
                    else:
                        raise _fail(name, number, tag, "REF outside a transaction header or claim")
                elif tag == "CLP":
                    if claim is not None:
                        if line is not None:
                            if line_grew:
                                _sealed(line, _LINE_REPEATS)
                                line_grew = False
                            line.__class__ = sealed_line
                            lines.append(line)
                            line = None
                        if claim_grew:
                            _sealed(claim, _CLAIM_REPEATS)
                            claim_grew = False
                        claim.services = tuple(lines)
                        claim.__class__ = sealed_claim
                        claim_count += 1
                        yield claim
                    elif phase == _HEADER and head is not None:
                        header = head.build(number)
                        phase = _CLAIMS
                        yield header
                    elif phase != _CLAIMS:
                        raise _fail(name, number, tag, "CLP outside the claims of a transaction")
                    if not el[1]:
                        raise _fail(
                            name, number, tag,
                            "CLP01 patient control number (our claim id) is missing", "CLP01",
                        )  # fmt: skip
                    s = el[3]
                    charge = amounts.get(s)
                    if charge is None:
                        charge = amount(s, "CLP03")
                    s = el[4]
                    paid = amounts.get(s)
                    if paid is None:
                        paid = amount(s, "CLP04")
                    n = len(el)
                    s = el[5] if n > 5 else ""
                    patient = (amounts.get(s) or amount(s, "CLP05")) if s else ZERO
                    claim = _ClaimB(
                        el[1], el[2], charge, paid, patient,
                        el[6] if n > 6 else "", el[7] if n > 7 else "",
                        el[8] if n > 8 else "", el[9] if n > 9 else "",
                        empty, empty, empty, empty, empty, empty, empty, empty, number,
                        empty, empty,
                    )  # fmt: skip
                    lines = []
                elif tag == "NM1":
                    if claim is None or line is not None:
                        raise _fail(
                            name, number, tag,
                            "NM1 outside a claim's names (it must follow CLP, before SVC)",
                        )  # fmt: skip
                    if len(el) < 10:
                        el += [""] * (10 - len(el))
                    nm = _NameB(el[1], el[2], el[3], el[4], el[5], el[7], el[8], el[9])
                    nm.__class__ = sealed_name
                    if claim.names:
                        claim.names = _more(claim.names, (nm,))
                        claim_grew = True
                    else:
                        claim.names = (nm,)
                elif tag == "AMT":
                    s = el[2]
                    value = amounts.get(s)
                    if value is None:
                        value = amount(s, "AMT02")
                    if line is not None:
                        if line.amounts:
                            line.amounts = _more(line.amounts, ((el[1], value),))
                            line_grew = True
                        else:
                            line.amounts = ((el[1], value),)
                    elif claim is not None:
                        if claim.amounts:
                            claim.amounts = _more(claim.amounts, ((el[1], value),))
                            claim_grew = True
                        else:
                            claim.amounts = ((el[1], value),)
                    else:
                        raise _fail(name, number, tag, "AMT outside a claim: no CLP before it")
                elif tag == "LQ":
                    if line is None:
                        raise _fail(
                            name, number, tag, "LQ outside a service line: no SVC before it"
                        )
                    if line.remarks:
                        line.remarks = _more(line.remarks, ((el[1], el[2]),))
                        line_grew = True
                    else:
                        line.remarks = ((el[1], el[2]),)
                elif not tag:
                    number -= 1  # an empty segment (two terminators in a row) is not counted
                # --- rare segments: once per transaction, or not in every file ---
                elif tag in _CLAIM_ONLY and (claim is not None or tag != "PER"):
                    # 005010X221A1 loop 2100 (MIA, MOA, PER*CX claim contact, QTY) and 2110
                    # (QTY); PER before the first claim is the payer's (1000A), below.
                    if claim is None:
                        raise _fail(name, number, tag, f"{tag} outside a claim: no CLP before it")
                    if line is not None and tag != "QTY":
                        raise _fail(
                            name, number, tag,
                            f"{tag} belongs to the claim, before its first service line (SVC)",
                        )  # fmt: skip
                    if tag == "MIA":
                        claim.inpatient = tuple(el)
                    elif tag == "MOA":
                        claim.outpatient = tuple(el)
                    elif tag == "PER":
                        claim.contacts = _more(claim.contacts, (tuple(el[1:9]),))
                        claim_grew = True
                    else:
                        pair = (el[1], values.amount(el[2], "QTY02"))
                        target = line if line is not None else claim
                        target.quantities = _more(target.quantities, (pair,))
                        if line is not None:
                            line_grew = True
                        else:
                            claim_grew = True
                elif tag in _HEADER_SEGMENTS:
                    if phase != _HEADER or head is None:
                        raise _fail(
                            name,
                            number,
                            tag,
                            f"{tag} belongs in the header, before the first claim",
                        )
                    head.add(tag, el, number)
                elif tag in ("LX", "PLB", "SE"):
                    if phase == _OUTSIDE or head is None:
                        raise _fail(
                            name, number, tag, f"{tag} outside a transaction: no ST before it"
                        )
                    if claim is not None:
                        if line is not None:
                            if line_grew:
                                _sealed(line, _LINE_REPEATS)
                                line_grew = False
                            line.__class__ = sealed_line
                            lines.append(line)
                            line = None
                        if claim_grew:
                            _sealed(claim, _CLAIM_REPEATS)
                            claim_grew = False
                        claim.services = tuple(lines)
                        claim.__class__ = sealed_claim
                        claim_count += 1
                        yield claim
                        claim = None
                    if phase == _HEADER:
                        header = head.build(number)
                        phase = _CLAIMS
                        yield header
                    if tag == "LX":
                        if phase == _SUMMARY:
                            raise _fail(
                                name,
                                number,
                                tag,
                                "LX after PLB: provider adjustments end the claims",
                            )
                    elif tag == "PLB":
                        phase = _SUMMARY
                        plb.extend(_provider_adjustments(el, values))
                    else:  # SE
                        env.on_se(el, number)
                        assert header is not None
                        yield RemittanceEnd(header, tuple(plb), claim_count)
                        phase, head, header, plb, claim_count = _OUTSIDE, None, None, [], 0
                elif tag == "ST":
                    env.on_st(el, number)
                    if el[1] != "835":
                        raise _fail(
                            name, number, tag,
                            f"transaction set {el[1][:10]!r} is not an 835 remittance",
                            "ST01", "therabill reads 835 payment/advice files here.",
                        )  # fmt: skip
                    head = HeaderBuilder(name, env, el, number, values)
                    phase = _HEADER
                elif tag == "ISA":
                    env.on_isa(el, number)
                elif tag == "GS":
                    env.on_gs(el, number)
                elif tag == "GE":
                    env.on_ge(el, number)
                elif tag == "IEA":
                    env.on_iea(el, number)
                elif tag in ("DTM", "CAS", "SVC"):  # the fast branches above need elements
                    raise _fail(name, number, tag, f"{tag} has no elements", f"{tag}01")
                elif tag == "TA1":  # an interchange acknowledgement riding in the envelope
                    if phase != _OUTSIDE:
                        raise _fail(name, number, tag, "TA1 inside a transaction (before its SE)")
                elif tag in SEGMENTS:  # TS3, TS2: provider summaries, not used
                    if phase != _CLAIMS:
                        raise _fail(name, number, tag, f"{tag} outside the claims of a transaction")
                else:
                    raise _fail(
                        name, number, tag,
                        f"{tag[:20]!r} is not a segment of an 835 (005010X221A1)"
                        if len(tag) <= 3
                        else f"{text[:30]!r} is not a segment (no segment id)",
                        hint="The file may be damaged or not an 835.",
                    )  # fmt: skip
        except BadValue as exc:
            tag = text.split(sep)[0]
            raise _fail(name, number, tag, exc.message, exc.element) from None
        except IndexError:
            el = text.split(sep)
            tag = el[0]
            least = SEGMENTS.get(tag, ("", 0))[1]
            if len(el) >= least:
                raise
            raise _fail(
                name,
                number,
                tag,
                f"{tag} has {len(el) - 1} elements; it needs at least {least - 1}",
                element_name(tag, len(el)),
                "Is the segment cut short?",
            ) from None
    if claim is not None or phase != _OUTSIDE:
        raise X12Error(
            f"the file ends after segment {number} inside a transaction: its SE is missing",
            file=name,
            segment_number=number,
            hint="The file looks truncated.",
        )
    env.finish(number)
