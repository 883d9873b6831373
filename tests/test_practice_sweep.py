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
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount, Route

from clock import TODAY
from db_backends import POSTGRES_ENV
from practice_sweep import PASSWORD, TwoPractices, build, digest
from therabill.web.app import create_app

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoPractices]:
    if not os.environ.get(POSTGRES_ENV):
        pytest.skip(f"{POSTGRES_ENV} not set")
    yield from build(tmp_path_factory.mktemp("sweep-home"))


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
    "/practice",
    "/account/mfa",
    "/account/mfa/recovery-codes",
    "/api/v1/openapi.json",
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
    "id": "denial_id",
    "session_id": "session_id",
    "practice_id": "practice",
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
            values = [str(two.ids[name][0]), str(two.ids[name][-1])]
            values = sorted(set(values))
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
    }
    for field, kind in ID_NAMES.items():
        if kind in b:
            form[field] = b[kind]
        elif kind == "practice":
            form[field] = str(two.b)
    return form


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


def _openapi_operation(spec: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    return dict(spec.get("paths", {}).get(path, {}).get(method.lower(), {}))


def test_every_page_as_a_user_of_a_with_bs_ids(two: TwoPractices, home: Path) -> None:
    app = create_app(two.app_url)
    before = digest(two.admin_url, two.b, users_of=(two.b_user,))
    swept = 0
    with TestClient(app, base_url="https://testserver") as web:
        page = web.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        answer = web.post(
            "/login",
            data={"username": "alma", "password": PASSWORD, "csrf_token": token.group(1)},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        found = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/account").text)
        assert found
        csrf = found.group(1)
        form = form_for(two, csrf)
        for method, template, _route in routes_of(app):
            if template.startswith("/api/") or template in NOT_SWEPT:
                continue
            for path in paths_for(template, two):
                answer = web.request(
                    method,
                    path,
                    data=form if method != "GET" else None,
                    headers={"x-csrf-token": csrf},
                    follow_redirects=False,
                )
                what = f"{method} {path}"
                assert answer.status_code < 500, (what, answer.text[-2000:])
                _no_b_in(two, what, answer.text)
                swept += 1
    app.state.ctx.store.dispose()
    assert swept > 100
    assert digest(two.admin_url, two.b, users_of=(two.b_user,)) == before


def test_every_api_call_with_as_token_and_bs_ids(two: TwoPractices, home: Path) -> None:
    app = create_app(two.app_url)
    api = next(r.app for r in app.routes if isinstance(r, Mount) and r.path == "/api/v1")
    spec = api.openapi()
    before = digest(two.admin_url, two.b, users_of=(two.b_user,))
    swept = 0
    with TestClient(app, base_url="https://testserver") as web:
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
                body = json_for(content["application/json"]["schema"], spec, two)
            elif content:
                raw = b"ISA*00*"  # an upload: a file that is not one
            for path in paths_for(template, two):
                answer = web.request(method, path, json=body, content=raw, headers=headers)
                what = f"{method} {path}"
                assert answer.status_code < 500, (what, answer.text[-2000:])
                _no_b_in(two, what, answer.text)
                swept += 1
    app.state.ctx.store.dispose()
    assert swept > 40
    assert digest(two.admin_url, two.b, users_of=(two.b_user,)) == before


def test_the_markers_are_what_b_sees(two: TwoPractices, home: Path) -> None:
    """The sweep's check can fail: B's own token reads B's clients and claims, markers and
    all, through the same app and role."""
    app = create_app(two.app_url)
    with TestClient(app, base_url="https://testserver") as web:
        headers = {"authorization": f"Bearer {two.b_token}"}
        claim = two.ids["claim_id"][0]
        seen = "".join(
            web.get(f"/api/v1/{what}", headers=headers).text
            for what in ("clients", f"claims/{claim}")
        )
    app.state.ctx.store.dispose()
    assert "DEMO-001" in seen
    assert f"TB{claim:08d}" in seen and f"TB{claim:08d}" in two.markers
