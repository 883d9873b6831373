"""The dashboard's "Statements due" queue reads what each client owes from the kept balances
(``client_balances``), on each backend: it counts the clients who owe and are not on hold,
and follows a charge, a payment that settles it and a hold."""

from __future__ import annotations

import datetime as dt

from clock import TODAY
from therabill.ledger import EntryKind, Responsibility
from therabill.store import factories
from therabill.store.services import Store, open_store, statements, worklists
from therabill.store.services.ledger import post_entry
from therabill.store.services.users import Account, Role


def _due(store: Store, account: Account) -> int:
    with store.reading(actor="biller") as work:
        queues = worklists.work_queues(work, account, today=TODAY)
    return next(q.count for q in queues if q.key == "statements")


def _biller() -> Account:
    return Account(
        id=1, username="biller", display_name="Biller", role=Role.BILLER, provider_id=None
    )


def test_statements_due_counts_clients_who_owe_and_are_not_held(db_url: str) -> None:
    store = open_store(db_url)
    made = factories.set_up_practice(
        store,
        factories.PracticeSpec(
            clients=[factories.client(f"C-{n}", last_name=f"Owes{n}") for n in range(3)]
        ),
    )
    first, second, third = made.clients
    account = _biller()
    assert _due(store, account) == 0
    with store.transaction(actor="biller") as work:
        for client_id in (first, second, third):
            post_entry(
                work=work,
                kind=EntryKind.CHARGE,
                amount_cents=5000,
                client_id=client_id,
                responsibility=Responsibility.PATIENT,
                effective_date=TODAY - dt.timedelta(days=30),
            )
    assert _due(store, account) == 3
    with store.transaction(actor="biller") as work:
        post_entry(
            work=work,
            kind=EntryKind.PATIENT_PAYMENT,
            amount_cents=5000,
            client_id=second,
            effective_date=TODAY,
        )
        statements.set_hold(work=work, client=third, hold=True)
    assert _due(store, account) == 1
    store.dispose()
