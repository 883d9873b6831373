"""Practice A's user against practice B's ids: every web route, every API call, every store
service that takes an id and every CLI command that does, on PostgreSQL connected as a plain
role, so row-level security is in force as in a deployment (docs/tenants.md).

What must hold: nothing of B's appears in any answer (B's client names, chart numbers, claim
numbers, receipt and statement numbers, amounts), no route fails with a server error, and
every practice-owned row of B (and B's login, its token and membership) is the same after
the sweep as before, read as the superuser. A route whose path parameter the sweep has no
B's value for fails the test: a new route cannot slip past.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy import inspect as inspect_db
from sqlalchemy import text as sql
from starlette.datastructures import FormData
from starlette.routing import Mount, Route
from typer.testing import CliRunner

import therabill.store.models as models
import therabill.store.services as package
from clock import TODAY
from practice_rows import call_graph, qualified, reaching, row_services, watching
from practice_sweep import (
    PASSWORD,
    TwoPractices,
    cross_references,
    digest,
    log_in,
    quarantined_835,
)
from therabill.claims.corrections import ClaimEdit
from therabill.claims.status import ClaimStatus
from therabill.cli.main import app as cli_app
from therabill.errors import NotFound, TherabillError
from therabill.ledger.entries import EntryKind
from therabill.store import factories, tenancy
from therabill.store.services import login_sessions, users
from therabill.store.services.live_check import Entered, ServiceEntry
from therabill.store.services.profiles import payer_profiles
from therabill.store.services.sessions import ServiceMinutes
from therabill.web.app import create_app
from therabill.x12.clearinghouse import load_clearinghouse

pytestmark = pytest.mark.postgres


# ``two`` (conftest.py): the two practices, built once for the cross-practice tests.


@pytest.fixture
def home(two: TwoPractices, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The installation's data directory (its outbox holds B's 837P) and no second factor."""
    monkeypatch.setenv("THERABILL_HOME", str(two.home))
    monkeypatch.setenv("THERABILL_MFA_ROLES", "")
    return two.home


# --- the routes, from the app itself -----------------------------------------------------


def routes_of(app: FastAPI) -> list[tuple[str, str, APIRoute | Route]]:
    """(method, path, route) for every route the app serves, the /api/v1 app's included."""
    found: list[tuple[str, str, APIRoute | Route]] = []

    def walk(routes: list[Any], prefix: str) -> None:
        for route in routes:
            if isinstance(route, Mount):
                walk(list(route.routes), prefix + route.path)
            elif hasattr(route, "original_router"):  # FastAPI's included router
                walk(list(route.original_router.routes), prefix + route.include_context.prefix)
            elif isinstance(route, APIRoute | Route):
                for method in sorted(route.methods or ()):
                    if method != "HEAD":
                        found.append((method, prefix + route.path, route))
            else:
                raise AssertionError(f"a route of a kind the sweep does not know: {route!r}")

    walk(list(app.routes), "")
    return found


# What each path parameter is filled with: B's value of that kind. A parameter not here fails.
ACTIONS = {
    "/claims/{claim_id}/{action}": ("edit", "correct", "void", "close", "secondary"),
    "/plans/{plan_id}/{action}": ("certify", "progress"),
    "/admin/users/{user_id}/{action}": ("password", "disable", "enable"),
}
INSTALLATION = {"profile_id": "COMMERCIAL"}  # the shipped payer profiles: every practice's
NOT_SWEPT = {  # not a practice's data at all
    "/login",
    "/login/code",
    "/logout",
    "/password",
    "/account/mfa",
    "/account/mfa/recovery-codes",
    "/api/v1/openapi.json",
    "/favicon.ico",
}
ID_NAMES = {  # form and JSON field names that take an id, and the kind of id
    "client": "client_id",
    "client_id": "client_id",
    "provider": "provider_id",
    "provider_id": "provider_id",
    "policy": "policy_id",
    "policy_id": "policy_id",
    "payer": "payer_id",
    "payer_id": "payer_id",
    "claim": "claim_id",
    "claim_id": "claim_id",
    "id": "denial_id",  # the API's; a page form's ``id`` is in FORM_IDS
    "session_id": "session_id",
    "practice_id": "practice",
    "providers": "provider_id",  # the client form's caseload (a list)
    "copay_session": "session_id",  # a payment's copay session (the API's)
}
# A page form's ``id`` (the ticked boxes of a bulk action) names a different record on each
# route. A route that reads a form field ``id`` and is not here fails the page sweep.
FORM_IDS = {
    "POST /claims/build-ticked": "session_id",
    "POST /claims/submit": "claim_id",
    "POST /claims/print": "claim_id",
    "POST /denials/bulk": "denial_id",
}
# A form field or JSON property with a name like these names a record: the sweep must give
# it B's id (ID_NAMES, FORM_IDS), or the sweep fails naming it.
RECORD_FIELD = re.compile(
    r"(^|_)(ids?|clients?|providers?|polic(y|ies)|payers?|claims?|sessions?|denials?|plans?|"
    r"authorizations?|locations?|jobs?|users?|tokens?|entry|entries|underpayments?|"
    r"exceptions?|quarantine|practices?|receipts?|statements?)$"
)
NOT_RECORDS = {  # names like those that name no record, and what they are
    "csrf_token": "the form's own token against cross-site requests",
    "member_id": "the insurer's member number, as typed",
    "tax_id": "the practice's own tax id (EIN), as typed",
}


def paths_for(template: str, two: TwoPractices) -> list[str]:
    """The template filled with B's values (one path per action), or a failure naming the
    parameter the sweep has no value for."""
    names = re.findall(r"\{(\w+)\}", template)
    filled = [template]
    for name in names:
        if name == "action":
            assert template in ACTIONS, f"{template}: add its actions to ACTIONS"
            values: list[str] = list(ACTIONS[template])
        elif name in INSTALLATION:
            values = [INSTALLATION[name]]
        else:
            assert two.ids.get(name), f"{template}: the sweep has no B's {name} (add one)"
            values = [str(two.ids[name][0])]
        filled = [p.replace("{" + name + "}", v) for p in filled for v in values]
    return filled


def form_for(two: TwoPractices, token: str) -> dict[str, str]:
    """A form with every field the pages read, valid where it can be, ids being B's."""
    b = {kind: str(values[0]) for kind, values in two.ids.items() if values}
    day = TODAY.isoformat()
    form = {
        "csrf_token": token,
        "first_name": "Sweep",
        "last_name": "Tester",
        "birth_date": "1990-06-15",
        "sex": "F",
        "address": "4 Pine Lane",
        "city": "Springfield",
        "state": "IL",
        "postal_code": "62704",
        "phone": "217-555-0100",
        "email": "sweep@example.org",
        "chart_number": "SW-1",
        "member_id": "SW123",
        "group_number": "G1",
        "date": day,
        "day": day,
        "start": "09:00",
        "end": "09:30",
        "start_date": day,
        "end_date": (TODAY + dt.timedelta(days=30)).isoformat(),
        "first_due": (TODAY + dt.timedelta(days=7)).isoformat(),
        "through": day,
        "received_on": day,
        "code": "97110",
        "codes": "97110",
        "minutes": "30",
        "units": "2",
        "visits": "4",
        "number": "SWEEP-1",
        "amount": "10.00",
        "instalment": "10.00",
        "charge": "40.00",
        "method": "cash",
        "reference": "SW",
        "reason": "cross-practice sweep",
        "note": "cross-practice sweep",
        "text": "sweep",
        "q": "a",
        "name": "Sweep",
        "npi": "1679576722",
        "role": "biller",
        "username": "sweeper",
        "status": "resolved",
        "action": "appeal",
        "client_agreed": "on",
        "client_owes": "on",
        "confirm": "on",
        "diagnoses": "M54.50",
        "services": "97110:30",
        "line": "1",
        "days": "30",
        "code_1": "97110",  # the session form's first service line
        "minutes_1": "30",
    }
    for field, kind in ID_NAMES.items():
        if kind in b:
            form[field] = b[kind]
        elif kind == "practice":
            form[field] = str(two.b)
    return form


def a_paths_for(template: str, two: TwoPractices) -> list[str]:
    """The template filled with A's own ids (none when A has no row of a kind it takes): a
    form or body of B's ids is tried on A's own record too."""
    filled = [template]
    for name in re.findall(r"\{(\w+)\}", template):
        if name == "action":
            values: list[str] = list(ACTIONS.get(template, ()))
        elif name in INSTALLATION:
            values = [INSTALLATION[name]]
        else:
            values = [str(i) for i in two.a_ids.get(name, [])[:1]]
        if not values:
            return []
        filled = [p.replace("{" + name + "}", v) for p in filled for v in values]
    return filled


def _reads_an_id(route: str, names: set[str]) -> bool:
    plain = {n.removesuffix("[]") for n in names}
    return bool(plain & set(ID_NAMES) - {"id"}) or ("id" in plain and route in FORM_IDS)


def form_of_route(
    route: str, form: dict[str, str], two: TwoPractices
) -> dict[str, str | list[str]]:
    """``form`` for ``route`` ("POST /claims/print"): its ``id`` field given B's id of the
    route's kind, and every id field sent as A's id, then two of B's (when A has one of the
    kind): a bulk action (``form.getlist``) gets a mix, a single field B's (the last)."""
    sent: dict[str, str | list[str]] = dict(form)
    for name in [*ID_NAMES, "id"]:
        kind = FORM_IDS.get(route, "denial_id") if name == "id" else ID_NAMES[name]
        b = two.ids.get(kind)
        if not b:
            continue
        a = two.a_ids.get(kind, [])[:1]
        sent[name] = [*map(str, a), str(b[-1]), str(b[0])]
    return sent


def _unswept_fields(read: dict[str, set[str]]) -> list[str]:
    """The form fields a route read that name a record but got no B's id."""
    missing = []
    for route, names in read.items():
        for name in names:
            plain = name.removesuffix("[]")
            if not RECORD_FIELD.search(plain) or plain in NOT_RECORDS:
                continue
            if plain == "id" and route not in FORM_IDS:
                missing.append(f"{route}: form field 'id' (say its kind in FORM_IDS)")
            elif plain != "id" and plain not in ID_NAMES:
                missing.append(f"{route}: form field {plain!r} (add it to ID_NAMES)")
    return sorted(missing)


def json_fields(schema: dict[str, Any], spec: dict[str, Any], seen: set[str]) -> set[str]:
    """Every property name in ``schema`` (``$ref``s followed)."""
    if "$ref" in schema:
        if schema["$ref"] in seen:
            return set()
        seen.add(schema["$ref"])
        target: Any = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return json_fields(target, spec, seen)
    names: set[str] = set()
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            names |= json_fields(option, spec, seen)
    for key, value in schema.get("properties", {}).items():
        names |= {key, *json_fields(value, spec, seen)}
    if "items" in schema:
        names |= json_fields(schema["items"], spec, seen)
    return names


def json_for(
    schema: dict[str, Any], spec: dict[str, Any], two: TwoPractices, name: str = ""
) -> Any:
    """A JSON value for ``schema`` (from the API's OpenAPI document): B's id for an id field."""
    if "$ref" in schema:
        target: Any = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return json_for(target, spec, two, name)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return json_for(options[0], spec, two, name) if options else None
    kind = ID_NAMES.get(name)
    if kind and kind in two.ids and schema.get("type") == "integer":
        return two.ids[kind][0]
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    match schema.get("type"):
        case "object":
            return {
                key: json_for(value, spec, two, key)
                for key, value in schema.get("properties", {}).items()
            }
        case "array":
            kind = ID_NAMES.get(name)
            if kind and kind in two.ids:  # a list of ids: A's and B's mixed
                return [*two.a_ids.get(kind, [])[:1], two.ids[kind][-1], two.ids[kind][0]]
            return [json_for(schema.get("items", {}), spec, two, name)]
        case "integer":
            return max(1, int(schema.get("minimum", 1)))
        case "number":
            return 10
        case "boolean":
            return False
    if schema.get("format") == "date" or name.endswith(("date", "_on", "due")):
        return TODAY.isoformat()
    form = form_for(two, "")
    return form.get(name, "97110" if "code" in name else "sweep")


def _no_b_in(two: TwoPractices, what: str, body: str) -> None:
    """None of B's markers in ``body``, but for those the request named itself (a receipt
    number in the path comes back in "no receipt R-…")."""
    seen = [m for m in two.markers if m in body and m not in what]
    assert not seen, f"{what}: practice B's {seen} in the answer to practice A"


def _b_query(operation: dict[str, Any], form: dict[str, str]) -> dict[str, str]:
    """The operation's query parameters that name a record (``client``, ``payer_id``…),
    each with B's id: the list filters tried with another practice's ids."""
    names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
    return {n: form[n] for n in names if n in ID_NAMES and n in form}


def _openapi_operation(spec: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    return dict(spec.get("paths", {}).get(path, {}).get(method.lower(), {}))


def _recording_form_reads(
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[dict[str, set[str]], list[str]]:
    """Record the form fields each route reads (``form.get``, ``form.getlist``, FastAPI's
    ``Form()`` parameters alike): {route: {field names}}, and the list whose one item
    names the route being swept."""
    read: dict[str, set[str]] = {}
    now = [""]
    one, many = FormData.__getitem__, FormData.getlist

    def getitem(self: FormData, key: str) -> Any:
        read.setdefault(now[0], set()).add(key)
        return one(self, key)

    def getlist(self: FormData, key: str) -> list[Any]:
        read.setdefault(now[0], set()).add(key + "[]")
        return many(self, key)

    monkeypatch.setattr(FormData, "__getitem__", getitem)
    monkeypatch.setattr(FormData, "getlist", getlist)
    return read, now


def assert_no_row_of_b(handed: dict[str, list[str]]) -> None:
    """No service that takes a loaded row was given one of B's (practice_rows.watching)."""
    given = {name: sorted(set(p)) for name, p in handed.items() if name != "*"}
    assert given == {}, f"services given a row of practice B's while acting as A: {given}"


FIGURE_PAGES = ("/", "/reports", "/insights", "/claims", "/denials", "/statements")
MONEY = re.compile(r"\$\d[\d,]*\.\d\d")


def test_every_page_as_a_user_of_a_with_bs_ids(
    two: TwoPractices, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """B's biller opens B's figure pages first in the same app (the process's kept figures
    are then B's too); then A's admin tries every page: B's money figures must not appear."""
    app = create_app(two.app_url)
    with TestClient(app, base_url="https://testserver") as b_web:
        log_in(b_web, "bruno")
        figures = {m for path in FIGURE_PAGES for m in MONEY.findall(b_web.get(path).text)}
    before = digest(two.admin_url, two.b, users_of=(two.b_user,))  # B's own reads audited
    swept = 0
    figures -= {"$0.00"}
    assert len(figures) > 10, figures
    monkeypatch.setattr(two, "markers", [*two.markers, *sorted(figures)])
    fields_read, reading_now = _recording_form_reads(monkeypatch)
    on_as_own: list[str] = []
    rows = watching(monkeypatch, two.b)
    with rows as handed, TestClient(app, base_url="https://testserver") as web:
        log_in(web, "alma")
        found = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/account").text)
        assert found
        csrf = found.group(1)
        form = form_for(two, csrf)
        spec = app.openapi()
        for method, template, _route in routes_of(app):
            if template.startswith("/api/") or template in NOT_SWEPT:
                continue
            reading_now[0] = f"{method} {template}"
            operation = _openapi_operation(spec, template, method)
            query = _b_query(operation, form)
            for path in paths_for(template, two):
                for params in [None, query] if query else [None]:
                    answer = web.request(
                        method,
                        path,
                        params=params,
                        data=form_of_route(reading_now[0], form, two) if method != "GET" else None,
                        headers={"x-csrf-token": csrf},
                        follow_redirects=False,
                    )
                    what = f"{method} {path} {params or ''}"
                    assert answer.status_code < 500, (what, answer.text[-2000:])
                    _no_b_in(two, what, answer.text)
                    swept += 1
            if (
                "{" not in template
                or method == "GET"
                or not _reads_an_id(reading_now[0], fields_read.get(reading_now[0], set()))
            ):
                continue
            for path in a_paths_for(template, two):  # A's record, B's ids in the form
                answer = web.request(
                    method,
                    path,
                    data=form_of_route(reading_now[0], form, two),
                    headers={"x-csrf-token": csrf},
                    follow_redirects=False,
                )
                what = f"{method} {path} (A's) with B's ids in the form"
                assert answer.status_code < 500, (what, answer.text[-2000:])
                _no_b_in(two, what, answer.text)
                on_as_own.append(what)
                swept += 1
    app.state.ctx.store.dispose()
    assert swept > 100
    assert len(on_as_own) >= 4, on_as_own
    assert_no_row_of_b(handed)
    unswept = _unswept_fields(fields_read)
    assert not unswept, "\n".join(unswept)
    bulk = {r for r, names in fields_read.items() if any(n.endswith("[]") for n in names)}
    assert set(FORM_IDS) <= bulk, "each bulk action was sent a list of ids"
    assert digest(two.admin_url, two.b, users_of=(two.b_user,)) == before
    assert cross_references(two.admin_url) == []


def test_every_api_call_with_as_token_and_bs_ids(
    two: TwoPractices, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(two.app_url)
    api = next(r.app for r in app.routes if isinstance(r, Mount) and r.path == "/api/v1")
    spec = api.openapi()
    before = digest(two.admin_url, two.b, users_of=(two.b_user,))
    swept = 0
    named: set[str] = set()  # the JSON bodies' property names
    form = form_for(two, "")
    rows = watching(monkeypatch, two.b)
    with rows as handed, TestClient(app, base_url="https://testserver") as web:
        headers = {"authorization": f"Bearer {two.a_token}"}
        for method, template, _route in routes_of(app):
            if not template.startswith("/api/v1/") or template in NOT_SWEPT:
                continue
            operation = _openapi_operation(spec, template.removeprefix("/api/v1"), method)
            assert operation, f"{method} {template} is not in the API's OpenAPI document"
            content = operation.get("requestBody", {}).get("content", {})
            body: Any = None
            raw: bytes | None = None
            if "application/json" in content:
                schema = content["application/json"]["schema"]
                body = json_for(schema, spec, two)
                named |= json_fields(schema, spec, set())
            elif content:
                # an upload: B's quarantined file to release, else a file that is not one
                raw = quarantined_835() if "{quarantine_id}" in template else b"ISA*00*"
            query = _b_query(operation, form)
            for path in paths_for(template, two):
                for params in [None, query] if query else [None]:
                    answer = web.request(
                        method, path, params=params, json=body, content=raw, headers=headers
                    )
                    what = f"{method} {path} {params or ''}"
                    assert answer.status_code < 500, (what, answer.text[-2000:])
                    _no_b_in(two, what, answer.text)
                    swept += 1
            takes = (
                json_fields(content["application/json"]["schema"], spec, set()) if body else set()
            )
            if not takes & set(ID_NAMES):
                continue
            for path in a_paths_for(template, two):  # A's record, B's ids in the body
                answer = web.request(method, path, json=body, headers=headers)
                what = f"{method} {path} (A's) with B's ids in the body"
                assert answer.status_code < 500, (what, answer.text[-2000:])
                _no_b_in(two, what, answer.text)
                swept += 1
    app.state.ctx.store.dispose()
    assert swept > 40
    unnamed = sorted(
        n for n in named if RECORD_FIELD.search(n) and n not in ID_NAMES and n not in NOT_RECORDS
    )
    assert unnamed == [], (
        f"JSON fields that name a record with no B's id: add to ID_NAMES: {unnamed}"
    )
    assert_no_row_of_b(handed)
    assert digest(two.admin_url, two.b, users_of=(two.b_user,)) == before
    assert cross_references(two.admin_url) == []


def test_the_markers_are_what_b_sees(
    two: TwoPractices, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sweep's checks can fail: B's own token reads B's clients and claims, markers and
    all, through the same app and role, and the services that take a loaded row are given
    B's rows (the watch records them)."""
    app = create_app(two.app_url)
    client, claim = two.ids["client_id"][0], two.ids["claim_id"][0]
    rows = watching(monkeypatch, two.b)
    with rows as handed, TestClient(app, base_url="https://testserver") as web:
        headers = {"authorization": f"Bearer {two.b_token}"}
        seen = "".join(
            web.get(f"/api/v1/{what}", headers=headers).text
            for what in ("clients", f"claims/{claim}", f"clients/{client}")
        )
    app.state.ctx.store.dispose()
    assert "DEMO-001" in seen
    assert f"TB{claim:08d}" in seen and f"TB{claim:08d}" in two.markers
    assert {"claim_records.history", "reports.client_picture"} <= set(handed), handed


# --- the services ------------------------------------------------------------------------

# Parameters that take an id, by name, and the kind of B's id that goes in.
SERVICE_IDS = {
    "client": "client_id",
    "client_id": "client_id",
    "client_ids": "client_id",
    "claim": "claim_id",
    "claim_id": "claim_id",
    "claim_ids": "claim_id",
    "session_id": "session_id",
    "session_ids": "session_id",
    "policy": "policy_id",
    "policy_id": "policy_id",
    "denial_id": "denial_id",
    "denial_ids": "denial_id",
    "authorization_id": "authorization_id",
    "plan_id": "plan_id",
    "payer": "payer_id",
    "payer_id": "payer_id",
    "provider": "provider_id",
    "provider_id": "provider_id",
    "exception_id": "exception_id",
    "job_id": "job_id",
    "underpayment_id": "underpayment_id",
    "location_id": "location_id",
    "file_id": "file_id",
    "quarantine_id": "quarantine_id",
    "user_id": "user_id",
    "token_id": "token_id",
    "receipt": "receipt",
    "number": "statement",
    "prior_claim_id": "claim_id",
    "prior_ids": "claim_id",
    "replacement_claim_id": "claim_id",
    "provider_ids": "provider_id",
    "clients": "client_id",
    "auth_id": "authorization_id",
    "entry_id": "entry_id",
    "line_ids": "line_id",
    "remit_claims": "remit_claim_id",
    "copay_session": "session_id",
    "location": "location_id",
    "practice_id": "practice",
}
# A parameter whose kind differs from one service to another (``ids``: of clients or providers).
SERVICE_ID_KINDS = {
    "names.client_names": {"ids": "client_id"},
    "names.provider_names": {"ids": "provider_id"},
}
# A service parameter with a name like these names a record: it must be in SERVICE_IDS (or
# SERVICE_ID_KINDS, or NOT_ID_PARAMETERS with what it is), or the sweep fails naming it.
RECORD_PARAMETER = re.compile(
    r"(^|_)(ids?|clients?|providers?|polic(y|ies)|payers?|claims?|sessions?|denials?|plans?|"
    r"auth|authorizations?|locations?|jobs?|users?|tokens?|entry|entries|underpayments?|"
    r"exceptions?|quarantine|practices?|receipts?|statements?|lines?|files?|runs?)$"
)
NOT_ID_PARAMETERS = {
    "member_id": "the insurer's member number, as typed",
    "tax_id": "the practice's tax id (EIN), as typed",
    "processed_as_later": "claim status codes of the 835 (CLP02), not claims",
    "profile_id": "a payer profile's name: a practice saves its own in its own scope (the "
    "shipped ones are every practice's; the pages' /payer-profiles/{profile_id} is swept)",
    "keep_session": "the caller's own login session, kept when their others are ended",
}
# Services that take an id but are not a user's action on a practice's record, and why.
# (The logins' own services, api_tokens.*, mfa.* and users.set_password and kin, are swept:
# each takes only a login of the work's practice; test_practice_logins.py tries their edges.)
NOT_SERVICES = {
    "users.load_account": "the installation's logins, read at sign-in, before any practice",
    "users.join": "adds a login to a practice: the installation's admin (therabill user add)",
    "practices.memberships": "the installation's table: which practices a login is in",
    "login_sessions.second_factor": "a login session, not a practice's record",
    "job_queue.hand_over": "hands a queued job's id to procrastinate (the worker runs it "
    "in the practice that queued it)",
    "job_queue.abort": "procrastinate's id of a queue job (the installation's queue, outside "
    "the practices' tables), read by jobs.cancel from a job row of the work's practice",
    "job_queue.cancel_queued": "procrastinate's id of a queue job, as job_queue.abort",
    "users.account_from_rows": "load_account's second half: the rows it read for the login",
    "users.in_practice": "the check itself",
    "users.practice_user": "the check itself",
}


def _services() -> list[tuple[str, Any]]:
    """Every public service function with a parameter that takes an id (an int or a name),
    but those that work on a row their caller found (a parameter of a model's type)."""

    rows = {n for n, c in vars(models).items() if hasattr(c, "__tablename__")}
    a_row = re.compile(r"\b(" + "|".join(sorted(rows)) + r")\b")

    found = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__ or name.startswith("_"):
                continue
            parameters = inspect.signature(function).parameters
            if not {"work", "store", "conn"} & set(parameters):
                continue
            takes_id = [
                p
                for p in parameters.values()
                if _id_kind(f"{info.name}.{name}", p.name)
                and re.search(r"\bint\b|\bstr\b", str(p.annotation))
            ]
            found_row = any(
                a_row.search(str(p.annotation))
                for p in parameters.values()
                if p.default is inspect.Parameter.empty
            )
            if takes_id and not found_row:
                found.append((f"{info.name}.{name}", function))
    return found


def _id_kind(service: str, parameter: str) -> str | None:
    """The kind of B's id ``parameter`` of ``service`` gets (None: it takes no id)."""
    return SERVICE_ID_KINDS.get(service, {}).get(parameter) or SERVICE_IDS.get(parameter)


def _unnamed_id_parameters() -> list[str]:
    """Parameters of the services the sweep calls whose names name a record but that it
    gives no B's id: a new kind of id cannot slip past."""
    rows = {n for n, c in vars(models).items() if hasattr(c, "__tablename__")}
    a_row = re.compile(r"\b(" + "|".join(sorted(rows)) + r")\b")
    found = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            service = f"{info.name}.{name}"
            if function.__module__ != module.__name__ or name.startswith("_"):
                continue
            parameters = inspect.signature(function).parameters
            if not {"work", "store", "conn"} & set(parameters) or service in NOT_SERVICES:
                continue
            if any(
                a_row.search(str(p.annotation))
                for p in parameters.values()
                if p.default is inspect.Parameter.empty
            ):
                continue  # takes a loaded row: watched (practice_rows.py)
            for p in parameters.values():
                annotation = str(p.annotation)
                if (
                    RECORD_PARAMETER.search(p.name)
                    and re.search(r"\bint\b|\bstr\b", annotation)
                    and not _id_kind(service, p.name)
                    and p.name not in NOT_ID_PARAMETERS
                ):
                    found.append(f"{service}({p.name}: {annotation})")
    return sorted(found)


def _values(two: TwoPractices, account: Any, outbox: Path, secret: str) -> dict[str, Any]:
    """What the sweep passes a service's other required parameters, by name (``secret``:
    A's admin's login session)."""

    sweep = "cross-practice sweep"
    return {
        "account": account,
        "actor": "alma",
        "reason": sweep,
        "why": sweep,
        "note": sweep,
        "detail": sweep,
        "text": "97110,40.00",
        "name": "sweep",
        "day": TODAY,
        "on": TODAY,
        "today": TODAY,
        "start": TODAY - dt.timedelta(days=30),
        "end": TODAY,
        "sent_on": TODAY,
        "first_due": TODAY + dt.timedelta(days=7),
        "discipline": "pt",
        "amount_cents": 1000,
        "after": 0,
        "flagged": 1,
        "instalment_cents": 1000,
        "codes": ["97110"],
        "code": "97110",
        "edit": ClaimEdit(),
        "new": ClaimStatus.SUBMITTED,
        "services": [ServiceMinutes("97110", 30)],
        "method": "cash",
        "hold": True,
        "active": False,
        "disabled": True,
        "how": "corrected",
        "approved_by": "alma",
        "action": "appeal",
        "status": "disputed",
        "member_id": "SW1",
        "profile": "COMMERCIAL",
        "outbox": outbox,
        "file_name": "sweep.csv",
        "sha256": "0" * 64,
        "contents": b"not the quarantined file",
        "values": {"first_name": "Sweep"},
        "changes": {"first_name": "Sweep"},
        "through": TODAY,
        "entered": Entered(TODAY, [ServiceEntry("97110", 30)]),  # a session form's values
        "worker": "sweep",
        "profiles_now": payer_profiles(),
        "secret": secret,
        "data": factories.client("SW-1", "Sweep", "Tester"),
        "kind": EntryKind.WRITE_OFF,
        "referring_npi": "1679576722",
        "referring_first_name": "Rosa",
        "referring_last_name": "Diaz",
        # The logins' services: B's login's real password, a strong new one, a role.
        "username": "sweeper",
        "role": users.Role.BILLER,
        "password": STRONG,
        "current": PASSWORD,
    }


STRONG = "quartz lantern orbit melody 47"
# A parameter whose value differs for one service (``new`` is a claim status elsewhere).
SERVICE_VALUES = {"users.change_password": {"new": STRONG}}


def _b_value(two: TwoPractices, service: str, name: str, annotation: str) -> Any:
    kind = _id_kind(service, name)
    assert kind is not None
    if kind == "practice":
        value: Any = two.b
    elif kind == "receipt":
        value = next(n for n in two.ids["number"] if str(n).startswith("R-"))
    elif kind == "statement":
        value = next(n for n in two.ids["number"] if str(n).startswith("S-"))
    elif not re.search(r"\bint\b", annotation):  # by name: B's payer, client or provider
        value = {
            "payer_id": "Harbourside Health Plan (demo)",
            "client_id": "DEMO-001",
            "location_id": "Bravo Annex",
        }.get(kind, str(two.ids[kind][0]))
    else:
        value = two.ids[kind][0]
    many = name.endswith("_ids") or re.search(r"Collection|Sequence|list|Iterable", annotation)
    return [value] if many else value


def _a_value(two: TwoPractices, service: str, name: str, annotation: str) -> Any:
    """A's own id (or name) for parameter ``name``, as :func:`_b_value` gives B's; None when
    A has no row of its kind."""
    kind = _id_kind(service, name)
    found = two.a_ids.get(kind or "") or []
    if not found:
        return None
    value: Any = found[0]
    if not re.search(r"\bint\b", annotation):
        value = {"payer_id": "Alder Mutual", "client_id": "A-1"}.get(kind or "", str(value))
    many = name.endswith("_ids") or re.search(r"Collection|Sequence|list|Iterable", annotation)
    return [value] if many else value


def _call_as_a(two: TwoPractices, name: str, function: Any, given: dict[str, Any]) -> str:
    """Call ``function`` in A's practice with ``given`` (its unit of work, reader connection
    or store put in): "" when it refused or answered with nothing of B's, else what went
    wrong."""
    store = two.store
    kwargs = dict(given)
    try:
        with tenancy.practice_scope(two.a):
            if "work" in kwargs:
                with store.transaction(actor="alma", practice=two.a) as work:
                    kwargs["work"] = work
                    result = function(**kwargs)
            elif "conn" in kwargs:
                with store.reader.connect() as conn:
                    kwargs["conn"] = conn
                    result = function(**kwargs)
            else:
                kwargs["store"] = store
                result = function(**kwargs)
    except (TherabillError, NotFound):
        return ""
    except Exception as exc:  # a crash: the service did not expect a missing row
        return f"{name}: {type(exc).__name__}: {exc}"[:300]
    if _leaks(result, two.b) or any(m in repr(result) for m in two.markers):
        return f"{name}: answered with practice B's {result!r}"[:300]
    return ""


def _leaks(value: Any, b: int, depth: int = 0) -> bool:
    """Whether ``value`` holds a row of practice ``b`` (an ORM object, a dict, a list…)."""
    if depth > 3 or value is None or isinstance(value, str | int | float | bytes):
        return False
    if getattr(value, "practice_id", None) == b:
        return True
    if isinstance(value, dict):
        return any(_leaks(v, b, depth + 1) for v in value.values())
    if isinstance(value, list | tuple | set):
        return any(_leaks(v, b, depth + 1) for v in list(value)[:50])
    return False


def test_every_service_that_takes_an_id_in_as_scope_with_bs_ids(
    two: TwoPractices, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each service, called in A's scope with B's id, raises the app's error (not found,
    or a refusal naming the record as unknown) or answers with nothing of B's; B's rows are
    unchanged afterwards."""

    store = two.store
    with store.reader.connect() as conn:
        account = users.load_account(conn, two.a_user, two.a)
    secret, _ = login_sessions.start_session(store.engine, two.a_user)  # A's admin's
    values = _values(two, account, tmp_path / "outbox", secret)
    before = digest(two.admin_url, two.b, users_of=(two.b_user,))
    unknown: list[str] = []
    problems: list[str] = []
    swept = 0
    on_as_own: list[str] = []
    services = _services()
    handed = watching(monkeypatch, two.b).__enter__()  # undone by monkeypatch
    for name, function in services:
        if name in NOT_SERVICES:
            continue
        kwargs: dict[str, Any] = {}
        annotations = {
            p.name: str(p.annotation) for p in inspect.signature(function).parameters.values()
        }
        for parameter in inspect.signature(function).parameters.values():
            if _id_kind(name, parameter.name) and re.search(
                r"\bint\b|\bstr\b", str(parameter.annotation)
            ):
                kwargs[parameter.name] = _b_value(
                    two, name, parameter.name, str(parameter.annotation)
                )
            elif parameter.name in ("work", "store", "conn"):
                kwargs[parameter.name] = None
            elif parameter.name == "profile" and "PayerProfile" in str(parameter.annotation):
                kwargs["profile"] = payer_profiles()["COMMERCIAL"]
            elif parameter.name == "profile" and "Clearinghouse" in str(parameter.annotation):
                kwargs["profile"] = load_clearinghouse()
            elif parameter.default is inspect.Parameter.empty:
                given = {**values, **SERVICE_VALUES.get(name, {})}
                if parameter.name not in given:
                    unknown.append(f"{name}({parameter.name})")
                    break
                kwargs[parameter.name] = given[parameter.name]
        else:
            problem = _call_as_a(two, name, function, kwargs)
            if problem:
                problems.append(problem)
                continue
            swept += 1
            # A's own records with B's id in one parameter at a time (when A has rows of
            # the other parameters' kinds): a service checking one id and not the other
            taking = [k for k in kwargs if _id_kind(name, k)]
            for b_one in taking if len(taking) > 1 else []:
                mixed = dict(kwargs)
                for other in taking:
                    if other != b_one:
                        mixed[other] = _a_value(two, name, other, annotations[other])
                if any(mixed[o] is None for o in taking):
                    continue
                problem = _call_as_a(two, f"{name} (B's {b_one}, A's others)", function, mixed)
                if problem:
                    problems.append(problem)
                on_as_own.append(f"{name}({b_one})")
    assert unknown == [], f"give the sweep a value for these parameters: {unknown}"
    unnamed = _unnamed_id_parameters()
    assert unnamed == [], f"give these id parameters their kind in SERVICE_IDS: {unnamed}"
    assert problems == [], "\n".join(problems)
    assert swept > 80
    assert len(on_as_own) >= 5, on_as_own
    # A's session, claim and denial are among A's own (tests/practice_sweep.py makes them)
    with_as_own = {
        "denials.transfer_to_payer(denial_id)",
        "denials.transfer_to_payer(policy_id)",
        "denials.close_claim_denials(claim_id)",
    }
    assert with_as_own <= set(on_as_own), sorted(on_as_own)
    assert_no_row_of_b(handed)
    assert digest(two.admin_url, two.b, users_of=(two.b_user,)) == before
    assert cross_references(two.admin_url) == []


# --- the command line ----------------------------------------------------------------------

CLI_IDS = {  # parameters that name a record, and the kind of B's id they get
    "claim": "claim_id",
    "claim_id": "claim_id",
    "claims": "claim_id",
    "client": "client_id",
    "session": "session_id",
    "denial_id": "denial_id",
    "policy_id": "policy_id",
    "policy": "policy_id",
    "auth_id": "authorization_id",
    "plan": "plan_id",
    "provider_id": "provider_id",
    "provider": "provider_id",
    "payer": "payer_id",
    "exception_id": "exception_id",
    "job": "job_id",
    "location_id": "location_id",
    "entry_id": "entry_id",
    "username": "username",
    "quarantine_id": "quarantine_id",
}
# A file that goes with B's id: ``era release B's-quarantine FILE`` gets B's quarantined 835.
CLI_FILES = {"era release": quarantined_835}
NUMBERS = {"payment receipt": "R-", "statements print": "S-"}  # ``number`` names one of these
NOT_CLI = {
    "user add": "adds a login, or lets one join the practice: the installation's admin",
    "jobs run": "queues a job (its --client names are looked up as the job runs, and a kind "
    "is required: the sweep's would be refused for that alone): test_practice_jobs.py queues "
    "and runs every job kind with B's ids",
}
CLI_VALUES = {  # the other required parameters
    "reason": "cross-practice sweep",
    "note": "cross-practice sweep",
    "new": "void",
    "sent": TODAY.isoformat(),
    "start": (TODAY - dt.timedelta(days=30)).isoformat(),
    "end": TODAY.isoformat(),
    "first": (TODAY + dt.timedelta(days=7)).isoformat(),
    "amount": "10.00",
    "instalment": "10.00",
    "kind": "write_off",
    "number": "SW-AUTH-1",
    "member_id": "SW1",
    "discipline": "pt",
    "referring_npi": "1679576722",
    "referring_name": "Rosa Diaz",
    "services": "97110:30",
    "text": "therapeutic exercise",
    "first_name": "Sweep",
    "last_name": "Tester",
    "birth_date": "1990-06-15",
}


def _a_number(command: str, parameter: str | None) -> bool:
    """Whether ``parameter`` of ``command`` is a receipt's or statement's number."""
    return parameter == "number" and command in NUMBERS


def _commands() -> Iterator[tuple[str, Any]]:

    def walk(command: Any, path: list[str]) -> Iterator[tuple[str, Any]]:
        if hasattr(command, "list_commands"):
            for name in command.list_commands(None):
                yield from walk(command.get_command(None, name), [*path, name])
        else:
            yield " ".join(path), command

    yield from walk(typer.main.get_command(cli_app), [])


# Options that name a record besides a command's main id, by command, and the kind of B's id
# each gets ("line_id=10.00": the value written around the id). Each command here is run a
# second time on A's own record (A's client, provider…) with B's ids in these options.
CLI_OPTION_IDS = {
    "session add": {"location": "location_id"},
    "session edit": {"location": "location_id"},  # A has no session: B's session only
    "payment take": {"line": "line_id", "copay_session": "session_id", "apply": "line_id=10.00"},
    "entry pay": {"lines": "line_id"},
    "user token": {"revoke": "token_id"},
}
# Parameters whose names are like a record's but that name none, and what they are: any
# other such parameter of a command fails the sweep (a new id option cannot slip past).
CLI_RECORD = re.compile(
    r"(^|_)(ids?|clients?|providers?|polic(y|ies)|payers?|claims?|sessions?|denials?|plans?|"
    r"auth|authorizations?|locations?|jobs?|users?|tokens?|entry|entries|underpayments?|"
    r"exceptions?|quarantine|practices?|receipts?|statements?|lines?|number|revoke)$"
)
NOT_CLI_IDS = {
    "all_clients": "a flag: every client with a policy on file",
    "payers": "a directory of payer profiles (*.toml), a file path",
    "tax_id": "the practice's tax id (EIN), as typed",
    "chart_number": "a new client's chart number, as typed",
    "member_id": "the insurer's member number, as typed",
    "group_number": "the insurer's group number, as typed",
    "payer_claim_number": "the payer's number of the claim, as the payer gave it",
    "payer_id": "the payer's EDI id, as typed (payer add/edit)",
    "number": "an authorization's number, as the payer gave it (auth add/edit); a receipt or "
    "statement number where NUMBERS says so",
    "line": "a line number on the claim (claims edit/correct, entry post); a claim line id "
    "where CLI_OPTION_IDS says so",
    "clients": "how many clients the demo practice has",
    "practice": "the practice a login joins (user add: NOT_CLI)",
}


def _cli_value(two: TwoPractices, kind: str, ids: dict[str, Any]) -> str | None:
    """The value of ``kind`` from ``ids`` (B's or A's), as the command line takes it."""
    if kind == "username":
        return "bruno" if ids is two.ids else "alma"
    kind, _, tail = kind.partition("=")
    found = ids.get(kind) or []
    if not found:
        return None
    return f"{found[0]}={tail}" if tail else str(found[0])


def _unnamed_cli_ids() -> list[str]:
    """Command parameters whose names name a record but that the sweep gives no B's id."""
    return sorted(
        f"{name} ({p.name})"
        for name, command in _commands()
        for p in command.params
        if p.name
        and CLI_RECORD.search(p.name)
        and p.name not in CLI_IDS
        and p.name not in CLI_OPTION_IDS.get(name, {})
        and not _a_number(name, p.name)
        and p.name not in NOT_CLI_IDS
    )


def test_every_command_that_takes_an_id_with_practice_a_and_bs_ids(
    two: TwoPractices, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``therabill --practice A <command> <B's id>``, run in this process: an error, never
    a traceback, nothing of B's printed, B's rows unchanged. A command with options that
    name a record (CLI_OPTION_IDS) is also run on A's own record with B's ids in them."""

    monkeypatch.setenv("THERABILL_DATABASE_URL", two.app_url)
    monkeypatch.setenv("THERABILL_USER", "alma")
    runner = CliRunner()
    before = digest(two.admin_url, two.b, users_of=(two.b_user,))
    unknown: list[str] = []
    problems: list[str] = []
    swept = 0
    on_as_own: list[str] = []
    handed = watching(monkeypatch, two.b).__enter__()  # undone by monkeypatch
    for name, command in _commands():
        ids = [p for p in command.params if p.name in CLI_IDS or _a_number(name, p.name)]
        if not ids or name in NOT_CLI:
            continue
        optional = CLI_OPTION_IDS.get(name, {})
        # B's ids everywhere; then A's record with B's id in one option at a time
        runs = [(two.ids, optional)] + [(two.a_ids, {o: k}) for o, k in optional.items()]
        for main, options_b in runs:
            arguments: list[str] = []
            options: list[str] = []
            for parameter in command.params:
                value: str | None
                if parameter.name in options_b:
                    value = _cli_value(two, options_b[parameter.name], two.ids)
                elif parameter.name in CLI_IDS:
                    value = _cli_value(two, CLI_IDS[parameter.name], main)
                    if value is None:  # A has no row of the kind: no own record to try
                        break
                elif parameter.name == "number" and name in NUMBERS:
                    value = next(
                        str(n) for n in two.ids["number"] if str(n).startswith(NUMBERS[name])
                    )
                elif parameter.name == "output":
                    value = str(tmp_path / f"{name.replace(' ', '-')}.out")
                elif parameter.name == "file" and name in CLI_FILES:
                    value = str(tmp_path / f"{name.replace(' ', '-')}.in")
                    Path(value).write_bytes(CLI_FILES[name]())
                elif parameter.name == "file" and parameter.required:
                    value = str(tmp_path / "rates.csv")
                    Path(value).write_text("code,allowed\n97110,40.00\n")
                elif not parameter.required:
                    continue
                elif parameter.name in CLI_VALUES:
                    value = CLI_VALUES[parameter.name]
                else:
                    unknown.append(f"{name} ({parameter.name})")
                    continue
                assert value is not None, (name, parameter.name)
                if type(parameter).__name__.endswith("Argument"):
                    arguments.append(value)
                else:
                    options += [parameter.opts[0], value]
            else:
                argv = ["--practice", str(two.a), *name.split(), *arguments, *options]
                result = runner.invoke(cli_app, argv)
                shown = " ".join(argv)
                if result.exception is not None and not isinstance(result.exception, SystemExit):
                    problems.append(
                        f"{shown}: {type(result.exception).__name__}: {result.exception}"
                    )
                elif result.exit_code == 0:
                    problems.append(f"{shown}: exit 0 for B's record: {result.output[:200]}")
                seen = [m for m in two.markers if m in result.output and m not in shown]
                if seen:
                    problems.append(f"{shown}: printed practice B's {seen}")
                swept += 1
                if main is two.a_ids:
                    on_as_own.append(shown)
    assert unknown == [], f"give the sweep a value for these parameters: {unknown}"
    unnamed = _unnamed_cli_ids()
    assert unnamed == [], f"give these their kind in CLI_IDS or CLI_OPTION_IDS: {unnamed}"
    assert problems == [], "\n".join(problems)
    assert swept > 60
    assert len(on_as_own) >= 5, on_as_own
    assert_no_row_of_b(handed)
    assert digest(two.admin_url, two.b, users_of=(two.b_user,)) == before
    assert cross_references(two.admin_url) == []


def test_an_unscoped_query_of_every_table_sees_only_as_rows(two: TwoPractices) -> None:
    """A query that forgets its practice, on every practice-owned table, as A: none of B's
    rows, although the superuser sees them there (row-level security, not the query)."""

    admin = create_engine(two.admin_url)
    with admin.connect() as conn:
        tables = tenancy.owned_tables(inspect_db(conn).get_table_names())
        held = {
            t: conn.execute(
                sql(f"SELECT count(*) FROM {t} WHERE practice_id = :b"), {"b": two.b}
            ).scalar_one()
            for t in tables
        }
    admin.dispose()
    assert sum(1 for n in held.values() if n) > 40  # B has rows in most tables
    with two.store.reading(practice=two.a) as work:
        for table in tables:
            others = work.db.execute(
                sql(f"SELECT count(*) FROM {table} WHERE practice_id <> :a"), {"a": two.a}
            ).scalar_one()
            assert others == 0, f"{table}: {others} rows of another practice seen as A"


# --- the services that take a loaded row ---------------------------------------------------

# Commands that reach a service taking a loaded row but take no id the sweep could give B's
# (so the CLI sweep does not run them), and what they find their rows by.
NOT_CLI_ROWS = {
    "serve": "starts the web app, whose routes the page and API sweeps try",
    "demo": "makes the demo practice, in a practice of its own",
    "fee set": "a fee is the practice's own, by code (no id): re-pricing finds the claims in "
    "the practice; its twin PUT /api/v1/fees/{code} is swept",
    "era post": "an 835 file, not an id: test_an_835_naming_bs_claims_posted_as_a posts one "
    "naming B's claims, by the command and the API",
    "claims status-read": "a 277 file, not an id: test_practice_jobs.py reads one naming B's "
    "claims as A, by the command and by the clearinghouse fetch job",
    "x12 ack": "a 277CA, 999 or TA1 file, not an id: test_practice_jobs.py reads ones naming "
    "B's claims, group and interchange as A, by the command and by the clearinghouse fetch job",
}


def rows_and_edges(app: FastAPI) -> dict[str, list[str]]:
    """Each service that takes a loaded row, with the routes ("POST /claims/{claim_id}/
    {action}") and commands ("therabill claims void") that reach it in the static call graph
    (practice_rows.call_graph), walked backwards from the service."""
    callers: dict[str, set[str]] = {}
    for caller, called in call_graph().items():
        for name in called:
            callers.setdefault(name, set()).add(caller)
    starts: dict[str, list[str]] = {}
    for method, template, route in routes_of(app):
        endpoint = getattr(route, "endpoint", None)
        if endpoint is not None:
            starts.setdefault(qualified(endpoint), []).append(f"{method} {template}")
    for name, command in _commands():
        starts.setdefault(qualified(command.callback), []).append(f"therabill {name}")
    found: dict[str, list[str]] = {}
    for name, function in row_services().items():
        above = reaching(callers, qualified(function))
        found[name] = sorted(edge for start in above for edge in starts.get(start, []))
    return found


def test_services_given_a_loaded_row_are_reached_only_through_swept_routes_and_commands(
    two: TwoPractices, home: Path
) -> None:
    """The services that take a row their caller loaded (``claim: ClaimRecord``…) cannot be
    called with B's id. Each is reached from routes and commands (a static call graph); every
    one of those is in the page, API or CLI sweep with B's ids, where a watch on these
    services (practice_rows.watching) fails the sweep if any is handed a row of B's. So a
    caller that loaded a row without its practice would show there."""
    app = create_app(two.app_url)
    found = rows_and_edges(app)
    app.state.ctx.store.dispose()
    swept_commands = {
        f"therabill {name}"
        for name, command in _commands()
        if any(p.name in CLI_IDS or _a_number(name, p.name) for p in command.params)
        and name not in NOT_CLI
    }
    unswept: list[str] = []
    for service, edges in found.items():
        for edge in edges:
            method, _, target = edge.partition(" ")
            if method == "therabill":
                if edge not in swept_commands and target not in NOT_CLI_ROWS:
                    unswept.append(f"{service} <- {edge}")
            elif target in NOT_SWEPT:
                unswept.append(f"{service} <- {edge}")
    assert len(found) > 25
    assert not unswept, "\n".join(sorted(unswept))
    unreached = sorted(s for s, edges in found.items() if not edges)
    assert unreached == [], f"services taking a row that no route or command reaches: {unreached}"


def test_an_835_naming_bs_claims_posted_as_a_touches_nothing_of_bs(
    two: TwoPractices, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """B's claims, paid in an 835 whose payee is A (so the payee check lets it in): posted
    as A by ``therabill era post`` and by the API's upload, it finds none of B's claims (an
    exception for each, in A), and no service is handed a row of B's."""
    admin = create_engine(two.admin_url)
    with admin.connect() as conn:
        rows = conn.execute(
            sql(
                "SELECT id, payer_id FROM claims WHERE practice_id = :b AND status IN "
                "('submitted', 'accepted', 'paid', 'partly_paid', 'denied') ORDER BY id"
            ),
            {"b": two.b},
        ).all()
        a_npi, b_npi = (
            conn.execute(sql("SELECT npi FROM practice WHERE id = :p"), {"p": p}).scalar_one()
            for p in (two.a, two.b)
        )
    admin.dispose()
    payer = rows[0][1]
    claims = [int(i) for i, p in rows if p == payer][:3]
    with tenancy.practice_scope(two.b), two.store.transaction(actor="setup") as work:
        data = factories.remittance_for(work, claims, trace="SWEEPCROSS1")
    assert b_npi in data and a_npi
    file = tmp_path / "cross.835"
    file.write_text(data.replace(b_npi, a_npi))
    monkeypatch.setenv("THERABILL_DATABASE_URL", two.app_url)
    monkeypatch.setenv("THERABILL_USER", "alma")
    before = digest(two.admin_url, two.b, users_of=(two.b_user,))
    app = create_app(two.app_url)
    with watching(monkeypatch, two.b) as handed:
        posted = CliRunner().invoke(cli_app, ["--practice", str(two.a), "era", "post", str(file)])
        with TestClient(app, base_url="https://testserver") as web:
            uploaded = web.post(
                "/api/v1/remittances",
                content=file.read_bytes().replace(b"SWEEPCROSS1", b"SWEEPCROSS2"),
                headers={"authorization": f"Bearer {two.a_token}"},
            )
    app.state.ctx.store.dispose()
    assert posted.exception is None or isinstance(posted.exception, SystemExit), posted.output
    assert uploaded.status_code < 500, uploaded.text
    for what, text in (("era post", posted.output), ("upload", uploaded.text)):
        _no_b_in(two, f"{what} {data}", text)  # but what the file itself says (its numbers)
    assert "TB" in posted.output  # the file's claims, not found in A: its exceptions
    assert_no_row_of_b(handed)
    assert digest(two.admin_url, two.b, users_of=(two.b_user,)) == before
    assert cross_references(two.admin_url) == []
