"""The service layer: the one way to read or change the practice's records.

Every function takes keyword arguments only, runs inside the caller's :class:`UnitOfWork` (one
transaction per user action, opened with :meth:`Store.transaction`) and records what it read
or changed in the audit log. There is no update or delete for ledger entries or audit entries.
"""

from therabill.store.services.context import Store, UnitOfWork, current_actor, open_store

__all__ = ["Store", "UnitOfWork", "current_actor", "open_store"]
