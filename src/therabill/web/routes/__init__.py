"""The page routes, one module per area of the app."""

from fastapi import APIRouter

from therabill.web.routes import (
<<<<<<< HEAD
    account,
=======
    accounts,
>>>>>>> 748373a (Superbills, client payments with receipts, and statement runs: therabill superbill, payment take/refund/apply-credit/list/receipt, statements run/preview/print/hold/settings; client page account section and a Statements page (migrations 0015, 0016); statement and CMS-1500 images in README)
    admin,
    auth,
    claims,
    clients,
    codes,
    dashboard,
    denials,
    payers,
    plans,
    remittances,
    sessions,
    setup,
)

ROUTERS: list[APIRouter] = [
    auth.router,
    account.router,
    dashboard.router,
    codes.router,
    clients.router,
    accounts.router,
    sessions.router,
    claims.router,
    remittances.router,
    denials.router,
    payers.router,
    setup.router,
    plans.router,
    admin.router,
]
