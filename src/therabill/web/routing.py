"""Routes straight into an app's own list.

``include_router`` keeps each router as a group that FastAPI matches by asking each group in
turn, then the chosen group again: about a tenth of a live check's CPU went to matching its
address among some twenty groups. Our routers hold no prefix, dependencies or settings of
their own (each route carries its own), so their routes can go into the app's list as they
are, matched once each in order.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter, FastAPI


def add_routes(app: FastAPI, routers: Iterable[APIRouter]) -> None:
    """Every route of ``routers`` in ``app``'s own list, in their order."""
    for router in routers:
        if router.prefix or router.dependencies:
            raise ValueError("a router with a prefix or dependencies needs include_router")
        app.router.routes.extend(router.routes)
