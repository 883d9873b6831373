"""How the app matches an address: every route in the app's own list (matched once), the
API's mount first (an API request is not tried against every page route)."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount

from therabill.web import routes
from therabill.web.api import routes as api_routes
from therabill.web.routing import add_routes


def test_the_api_is_matched_first_and_every_page_route_is_the_apps_own(web: TestClient) -> None:
    app = web.app
    assert isinstance(app, FastAPI)
    first = app.router.routes[0]
    assert isinstance(first, Mount) and first.path == "/api/v1"
    own = {id(r) for r in app.router.routes}
    pages = [r for router in routes.ROUTERS for r in router.routes]
    assert pages and all(isinstance(r, APIRoute) and id(r) in own for r in pages)
    api = first.app
    assert isinstance(api, FastAPI)
    api_own = {id(r) for r in api.router.routes}
    assert all(id(r) in api_own for router in api_routes.ROUTERS for r in router.routes)


def test_pages_and_the_api_answer_at_the_same_addresses(web: TestClient) -> None:
    """Moving the API first changes no address: a page, the API, the API's bare prefix
    (JSON) and one no page takes (the error page)."""
    assert web.get("/login").status_code == 200
    assert web.get("/api/v1/clients").status_code == 401
    missing = web.get("/api/v1")
    assert missing.status_code == 404 and "json" in missing.headers["content-type"]
    nowhere = web.get("/no-such-page")
    assert nowhere.status_code == 404 and "text/html" in nowhere.headers["content-type"]


def test_a_router_with_a_prefix_or_dependencies_is_refused() -> None:
    """Its routes would lose the prefix or the dependencies if added as they are."""
    with pytest.raises(ValueError, match="include_router"):
        add_routes(FastAPI(), [APIRouter(prefix="/x")])


def test_no_request_asks_opentelemetry_for_its_providers(
    web: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FastAPI's telemetry is off in both apps: with it on, every request of each app asks
    OpenTelemetry for the global providers (therabill configures none)."""
    from opentelemetry import metrics, trace

    asked: list[str] = []
    tracer, meter = trace.get_tracer_provider, metrics.get_meter_provider

    def tracer_asked() -> trace.TracerProvider:
        asked.append("tracer")
        return tracer()

    def meter_asked() -> metrics.MeterProvider:
        asked.append("meter")
        return meter()

    monkeypatch.setattr(trace, "get_tracer_provider", tracer_asked)
    monkeypatch.setattr(metrics, "get_meter_provider", meter_asked)
    assert web.get("/login").status_code == 200
    assert web.get("/api/v1/clients").status_code == 401
    assert asked == []
