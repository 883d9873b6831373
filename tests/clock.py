"""The tests' one frozen "today".

Every test runs on this date: ``tests/conftest.py`` moves the clock there for the whole run
(time-machine, ticking from noon), so a test that passes today cannot fail in six months
because a session aged past a payer's timely-filing limit, an authorization's range ran out or
"this year's" figures moved to a new year. Tests pass ``TODAY`` to the services that take a
``today``; the ones that read the clock themselves (the web pages, the claims build) read this
date too. Test dates are written relative to it or fixed before it.

A process the tests start (``therabill serve``, two builders at once) reads the real clock:
what those tests check must not depend on the date.
"""

from __future__ import annotations

import datetime as dt

TODAY = dt.date(2026, 11, 28)
# Noon UTC: the same calendar day in every time zone from UTC-11 to UTC+11.
NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
