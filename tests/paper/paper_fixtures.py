"""Shared values of the paper tests."""

from __future__ import annotations

import datetime as dt

from clock import TODAY

DAY = TODAY - dt.timedelta(days=3)
