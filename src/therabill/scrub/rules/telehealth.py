"""Telehealth: the place of service and modifiers a payer takes for a visit by video or by
telephone, flagging only what the payer does not allow.

Sources: POS 02 (telehealth, not in the patient's home) and 10 (in the home), CMS transmittal
11045; CPT modifiers 95 (real-time audio and video) and 93 (audio only). Medicare since 2024
(CY2024 PFS final rule, 88 FR 78874-78876): telehealth on a professional claim is billed with
POS 02 or 10; 95 with the in-person place of service stays only for outpatient therapy by
PT, OT and SLP (and hospital clinicians with the patient at home) (NGS "Telehealth changes
for 2024"). Audio-only is allowed for a patient in the home when the practitioner can do
video but the patient cannot or will not (CY2025 PFS final rule, 42 CFR 410.78(a)(3); First
Coast "Telehealth service modifiers"). Which of these a payer applies is payer-profile data
(``telehealth_modifier``, ``telehealth_places``, ``[telehealth]``).
"""

from __future__ import annotations

from collections.abc import Iterator

from therabill.claims import Claim
from therabill.codes import DISCIPLINES
from therabill.findings import Finding, Severity
from therabill.payers.profile import AUDIO_ONLY, TELEHEALTH_MODIFIERS, VIDEO
from therabill.scrub.context import ClaimContext
from therabill.scrub.registry import finding, rule


@rule(
    "modifier.telehealth",
    Severity.WARNING,
    source="payer profile telehealth_modifier (CPT Appendix P: 95 audio and video, 93 audio "
    "only); payer-specific",
    when="telehealth",
)
def wanted_modifier(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """Telehealth place of service without the payer's telehealth modifier (93 counts: an
    audio-only visit says so, it is not billed as video)."""
    wanted = ctx.payer.telehealth_modifier
    if not wanted or claim.place_of_service not in ctx.payer.telehealth_places:
        return
    for i, line in enumerate(claim.lines):
        if wanted in line.modifiers or AUDIO_ONLY in line.modifiers:
            continue
        yield finding(
            "modifier.telehealth",
            f"place of service {claim.place_of_service} is telehealth: {ctx.payer.name} "
            f"wants modifier {wanted} on {line.code} ({AUDIO_ONLY} if the visit was by "
            "telephone only).",
            at=i,
            field=f"lines[{i}].modifiers",
            fix=f"Add {wanted} for a video visit or {AUDIO_ONLY} for an audio-only one; "
            "correct the place of service if the visit was in person.",
            code=line.code,
            source=ctx.payer.cite("telehealth_modifier"),
        )


@rule(
    "telehealth.modifier-conflict",
    Severity.ERROR,
    source="CPT Appendix P: 95 is audio and video, 93 audio only; one visit is one or the other",
    when="telehealth",
)
def conflict(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """93 and 95 on one line: a visit is either by video or by telephone only."""
    for i, line in enumerate(claim.lines):
        if AUDIO_ONLY in line.modifiers and VIDEO in line.modifiers:
            yield finding(
                "telehealth.modifier-conflict",
                f"{line.code} carries both {VIDEO} (audio and video) and {AUDIO_ONLY} (audio "
                "only).",
                at=i,
                field=f"lines[{i}].modifiers",
                fix=f"Keep {VIDEO} if the client was on video, {AUDIO_ONLY} if only by telephone.",
                code=line.code,
            )


@rule(
    "telehealth.modifier-not-allowed",
    Severity.ERROR,
    source="payer profile telehealth.not_allowed_modifiers (Medicare: GT is not used on "
    "professional claims, NGS telehealth FAQ)",
    when="telehealth",
)
def not_allowed(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A telehealth modifier the payer does not take (Medicare professional claims: GT)."""
    refused = ctx.payer.telehealth.not_allowed_modifiers
    for i, line in enumerate(claim.lines):
        if not ctx.payer.telehealth.applies(line.date):
            continue
        for m in sorted(refused.intersection(line.modifiers)):
            yield finding(
                "telehealth.modifier-not-allowed",
                f"{ctx.payer.name} does not take modifier {m} on {line.code}.",
                at=i,
                field=f"lines[{i}].modifiers",
                fix=f"Remove {m}; the place of service (02 or 10) says the visit was "
                f"telehealth, {VIDEO} or {AUDIO_ONLY} how.",
                code=line.code,
                source=ctx.payer.cite("telehealth"),
            )


@rule(
    "telehealth.in-person-place",
    Severity.ERROR,
    source="CY2024 PFS final rule (88 FR 78874-78876); NGS 'Telehealth changes for 2024': "
    "telehealth at POS 02/10, 95 with the in-person place of service only for outpatient "
    "therapy by PT, OT, SLP (payer profile telehealth.in_person_disciplines)",
    when="telehealth",
)
def in_person_place(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A telehealth modifier with an in-person place of service, where the payer keeps that
    only for some disciplines (Medicare since 2024: outpatient therapy by PT, OT, SLP)."""
    allowed = ctx.payer.telehealth.in_person_disciplines
    discipline = claim.provider.discipline
    if allowed is None or discipline in allowed:
        return
    if claim.place_of_service in ctx.payer.telehealth_places:
        return
    for i, line in enumerate(claim.lines):
        used = sorted((TELEHEALTH_MODIFIERS - {"GT"}).intersection(line.modifiers))
        if not used or not ctx.payer.telehealth.applies(line.date):
            continue
        since = ctx.payer.telehealth.since
        who = ", ".join(DISCIPLINES[d] for d in sorted(allowed)) or "no one"
        yield finding(
            "telehealth.in-person-place",
            f"{line.code} carries {' and '.join(used)} with place of service "
            f"{claim.place_of_service}: {ctx.payer.name} takes telehealth at place of service "
            f"{' or '.join(sorted(ctx.payer.telehealth_places))}"
            + (f" since {since:%B} {since.day}, {since.year}" if since else "")
            + f"; a telehealth modifier with the in-person place is kept only for a {who}.",
            at=i,
            field="place_of_service",
            fix="Use place of service 10 if the client was at home, 02 if elsewhere; if the "
            f"visit was in person, remove {' and '.join(used)}.",
            code=line.code,
            source=ctx.payer.cite("telehealth"),
        )


@rule(
    "telehealth.audio-only-place",
    Severity.WARNING,
    source="CY2025 PFS final rule, 42 CFR 410.78(a)(3): audio-only telehealth for a patient in "
    "the home (payer profile telehealth.audio_only_places)",
    when="telehealth",
)
def audio_only_place(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """Audio-only (93) at a telehealth place of service the payer does not take it at
    (Medicare: only POS 10, the client in their home)."""
    places = ctx.payer.telehealth.audio_only_places
    pos = claim.place_of_service
    if not places or pos in places or pos not in ctx.payer.telehealth_places:
        return
    for i, line in enumerate(claim.lines):
        if AUDIO_ONLY not in line.modifiers or not ctx.payer.telehealth.applies(line.date):
            continue
        yield finding(
            "telehealth.audio-only-place",
            f"{line.code} is audio-only ({AUDIO_ONLY}) at place of service {pos}: "
            f"{ctx.payer.name} pays audio-only only at place of service "
            f"{' or '.join(sorted(places))} (the client at home).",
            at=i,
            field="place_of_service",
            fix="Use place of service 10 if the client was at home; otherwise the visit needs "
            "video.",
            code=line.code,
            source=ctx.payer.cite("telehealth"),
        )
