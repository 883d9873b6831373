"""Rule 14: what the payer profile says: codes accepted, preferred and paid, prior authorization,
disciplines covered, timely filing, fee schedule.

Sources: the payer profile (TOML data file; each setting cites its source in ``[sources]``,
see docs/payer-profiles.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from therabill.claims import Claim
from therabill.codes import DISCIPLINES
from therabill.findings import Finding, Severity
from therabill.payers.profile import PAYMENT_STATUS
from therabill.scrub.context import DEFAULT_PAYER, ClaimContext
from therabill.scrub.registry import finding, rule


@rule("payer.unknown-profile", Severity.WARNING, source="payer profiles (docs/payer-profiles.md)")
def unknown_profile(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """No profile for the claim's payer: checked against the generic COMMERCIAL profile."""
    if not ctx.payer_known:
        yield finding(
            "payer.unknown-profile",
            f"no payer profile for {claim.payer.id!r}: checked with the generic "
            f"{DEFAULT_PAYER} profile ({ctx.payer.unit_rule} rule).",
            field="payer.id",
            fix="Add a profile for this payer (--payers DIR, or the payers folder in the "
            "therabill data directory).",
        )


@rule(
    "payer.code-not-accepted",
    Severity.ERROR,
    source="payer profile codes.accepted / accepted_for / not_accepted",
    when="restricted-codes",
)
def code_not_accepted(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A code the payer does not accept: error naming the accepted alternative."""
    discipline = claim.provider.discipline
    for i, line in enumerate(claim.lines):
        if ctx.payer.accepts(line.code, discipline):
            continue
        alternatives = list(ctx.payer.alternatives.get(line.code, ()))
        if not alternatives:
            accepted = ctx.payer.accepted_list(discipline)
            alternatives = sorted(accepted)[:3] if len(accepted) <= 3 else []
        key = "not_accepted" if line.code in ctx.payer.not_accepted else "accepted_for"
        yield finding(
            "payer.code-not-accepted",
            f"{ctx.payer.name} does not accept {line.code} from a {DISCIPLINES[discipline]}"
            + (f"; it accepts {' or '.join(alternatives)}." if alternatives else "."),
            at=i,
            field=f"lines[{i}].code",
            fix=f"Bill {' or '.join(alternatives)} if it describes the service."
            if alternatives
            else "Check the payer's list of covered codes.",
            code=line.code,
            source=ctx.payer.cite(key),
        )


@rule(
    "payer.preferred-code", Severity.INFO, source="payer profile codes.preferred", when="preferred"
)
def preferred_code(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """The payer prefers another code for the service billed."""
    for i, line in enumerate(claim.lines):
        better = ctx.payer.preferred.get(line.code)
        if better and better != line.code:
            yield finding(
                "payer.preferred-code",
                f"{ctx.payer.name} prefers {better} to {line.code}.",
                at=i,
                field=f"lines[{i}].code",
                fix=f"Consider {better} if it fits the service.",
                code=line.code,
                source=ctx.payer.cite("preferred"),
            )


# Statuses under which a line cannot be paid at all: an error. The others (bundled, restricted,
# not covered, excluded) are a warning: a biller may send such a line on purpose, e.g. to get
# the denial a secondary payer asks for.
_UNPAYABLE = frozenset({"I", "institutional"})


@rule(
    "payer.code-status",
    Severity.WARNING,
    source="payer profile codes.status (CMS PFS Relative Value File status indicator; HCPCS "
    "pricing indicator)",
    when="payer-status",
)
def code_status(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A code the payer does not pay as billed: bundled (97010 to Medicare, status B),
    restricted (97545/97546), or paid only on an institutional claim (G0176/G0177)."""
    for i, line in enumerate(claim.lines):
        status = ctx.payer.status.get(line.code)
        if status is None:
            continue
        alternatives = list(ctx.payer.alternatives.get(line.code, ()))
        if alternatives:
            fix = f"Bill {' or '.join(alternatives)} if it describes the service."
        elif status in ("B", "P", "T"):
            fix = "Leave the line off the claim: its payment is in the day's other services."
        elif status in _UNPAYABLE:
            fix = "Do not bill it on this claim: bill the service under a code this payer pays."
        else:
            fix = "Bill it only to get the payer's denial (e.g. for a secondary payer), or bill "
            fix += "the client if they agreed in writing beforehand."
        yield finding(
            "payer.code-status",
            f"{ctx.payer.name} does not pay {line.code} as billed: {PAYMENT_STATUS[status]}.",
            at=i,
            field=f"lines[{i}].code",
            fix=fix,
            code=line.code,
            source=ctx.payer.cite("status", line.code),
            severity=Severity.ERROR if status in _UNPAYABLE else None,
        )


@rule(
    "payer.discipline-not-covered",
    Severity.ERROR,
    source="payer profile disciplines",
    when="disciplines",
)
def discipline_not_covered(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """The payer does not pay the provider's discipline at all (e.g. massage under Medicare)."""
    covered = ctx.payer.disciplines
    if covered and claim.provider.discipline not in covered:
        names = ", ".join(DISCIPLINES[d] for d in sorted(covered))
        yield finding(
            "payer.discipline-not-covered",
            f"{ctx.payer.name} pays services by a {names}, not by a "
            f"{DISCIPLINES[claim.provider.discipline]}.",
            field="provider.discipline",
            fix="Bill the client (self-pay) or a payer that covers this discipline.",
            source=ctx.payer.cite("disciplines"),
        )


def _auth_lines(claim: Claim, ctx: ClaimContext) -> list[int]:
    return [i for i, ln in enumerate(claim.lines) if ctx.payer.needs_authorization(ln.code)]


@rule(
    "payer.authorization",
    Severity.ERROR,
    source="payer profile prior_authorization",
    when="authorization",
)
def authorization(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """Prior authorization required and missing, expired, exhausted, or not covering the code."""
    needing = _auth_lines(claim, ctx)
    if not needing:
        return
    source = ctx.payer.cite("prior_authorization")
    auth = claim.authorization
    if auth is None:
        codes = ", ".join(sorted({claim.lines[i].code for i in needing}))
        yield finding(
            "payer.authorization",
            f"{ctx.payer.name} requires prior authorization for {codes}; the claim has none.",
            field="authorization",
            fix="Get the authorization number from the case manager and add it.",
            source=source,
        )
        return
    used = 0
    for i in needing:
        line = claim.lines[i]
        if auth.codes and line.code not in auth.codes:
            yield finding(
                "payer.authorization",
                f"authorization {auth.number} covers {', '.join(auth.codes)}, not {line.code}.",
                at=i, field=f"lines[{i}].code", code=line.code, source=source,
                fix="Ask for an authorization that covers this code, or bill an authorized code.",
            )  # fmt: skip
        if (auth.start and line.date < auth.start) or (auth.end and line.date > auth.end):
            yield finding(
                "payer.authorization",
                f"{line.code} on {line.date} is outside authorization {auth.number} "
                f"({auth.start or '…'} to {auth.end or '…'}).",
                at=i, field=f"lines[{i}].date", code=line.code, source=source,
                fix="Renew the authorization for this period.",
            )  # fmt: skip
        used += line.units if line.units is not None else 1
    if auth.units_remaining is not None and used > auth.units_remaining:
        yield finding(
            "payer.authorization",
            f"the claim uses {used} authorized units; authorization {auth.number} has "
            f"{auth.units_remaining} left.",
            field="authorization.units_remaining",
            fix="Ask the case manager for more units before billing the rest.",
            source=source,
        )


@rule(
    "payer.timely-filing",
    Severity.ERROR,
    source="payer profile timely_filing_days",
    when="timely-filing",
)
def timely_filing(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """The payer's timely filing limit has passed for a date of service."""
    days = ctx.payer.timely_filing_days
    if days is None:
        return
    for i, line in enumerate(claim.lines):
        if (ctx.today - line.date).days > days:
            deadline = line.date + dt.timedelta(days=days)
            yield finding(
                "payer.timely-filing",
                f"{line.code} on {line.date}: {ctx.payer.name} takes claims within {days} days; "
                f"the limit passed on {deadline}.",
                at=i,
                field=f"lines[{i}].date",
                fix="Check the payer's appeal rules for late filing; otherwise the service "
                "cannot be billed to this payer.",
                code=line.code,
                source=ctx.payer.cite("timely_filing_days"),
            )


@rule(
    "payer.fee-schedule",
    Severity.INFO,
    source="payer profile fees (allowed amount per unit)",
    when="fees",
)
def fee_schedule(claim: Claim, ctx: ClaimContext) -> Iterator[Finding]:
    """A charge below the payer's allowed amount: a payer never pays more than the charge."""
    for i, line in enumerate(claim.lines):
        fee = ctx.payer.fees.get(line.code)
        units = line.units if line.units is not None else 1
        if fee is not None and units and line.charge < fee * units:
            yield finding(
                "payer.fee-schedule",
                f"{line.code}: charge ${line.charge} is below {ctx.payer.name}'s allowed "
                f"${fee * units} for {units} unit{'s' * (units != 1)}.",
                at=i,
                field=f"lines[{i}].charge",
                fix="Charge your usual fee; the payer pays the lesser of charge and allowed.",
                code=line.code,
                source=ctx.payer.cite("fees"),
            )
