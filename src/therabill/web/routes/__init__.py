"""The page routes, one module per area of the app."""

from fastapi import APIRouter

from therabill.web.routes import (
    account,
    accounts,
    admin,
    auth,
    claims,
    clearinghouse,
    clients,
    codes,
    dashboard,
    denials,
    eligibility,
    insights,
    jobs,
    payers,
    remittances,
    report_pages,
    sessions,
    setup,
)

ROUTERS: list[APIRouter] = [
    auth.router,
    account.router,
    dashboard.router,
    codes.router,
    clients.router,
    eligibility.router,
    accounts.router,
    sessions.router,
    claims.router,
    remittances.router,
    jobs.router,
    clearinghouse.router,
    denials.router,
    insights.router,
    report_pages.router,
    payers.router,
    setup.router,
    admin.router,
]
