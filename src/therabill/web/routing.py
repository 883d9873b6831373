"""How the page app and the API app are put together: routes straight into each app's own
list, and FastAPI's telemetry off.

``include_router`` keeps each router as a group that FastAPI matches by asking each group in
turn, then the chosen group again: about a tenth of a live check's CPU went to matching its
address among some twenty groups. Our routers hold no prefix, dependencies or settings of
their own (each route carries its own), so their routes can go into the app's list as they
are, matched once each in order.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter, FastAPI
from fastapi.telemetry import TelemetryConfig

NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}
"""FastAPI's OpenTelemetry off: therabill configures no provider, and with it on FastAPI asks
OpenTelemetry for the global providers (an environment look-up each) on every request of
each app, the API's twice. Spans would also carry addresses, which name clients."""


def add_routes(app: FastAPI, routers: Iterable[APIRouter]) -> None:
    """Every route of ``routers`` in ``app``'s own list, in their order."""
    for router in routers:
        if router.prefix or router.dependencies:
            raise ValueError("a router with a prefix or dependencies needs include_router")
        app.router.routes.extend(router.routes)
