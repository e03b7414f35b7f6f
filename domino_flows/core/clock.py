"""Time stamps and run ids, in the one form every record uses."""

from __future__ import annotations

import datetime as _dt
import secrets


def now() -> str:
    """UTC time as RFC 3339 with ``Z``."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat().replace("+00:00", "Z")


def new_run_id() -> str:
    """Sortable and unique enough for one machine: UTC time and a random suffix."""
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{secrets.token_hex(3)}"
