"""A worker's reports of closed connections, for the primary's ``"least-connections"``.

The primary counts what it hands to each worker; only the worker sees a connection
close. One message per close would double the channel's traffic per connection, so
closes are counted here, by server, and sent as one internal message per
``BATCH`` closes or per ``INTERVAL`` seconds, from the cluster thread.
"""

from __future__ import annotations

import socket
import weakref
from collections import Counter

from . import _real
from ._loop import loop
from ._process import process

BATCH = 32
INTERVAL = 0.05

#: id() of each watched connection: its finalizer (which counts the close once).
watched: dict[int, weakref.finalize[..., socket.socket]] = {}
_counts: Counter[str] = Counter()
_lock = _real.Lock()
_flush_due = False


def watch(conn: socket.socket, key: str) -> None:
    """Count ``conn``'s close (explicit, or when it is collected) for server ``key``."""
    watched[id(conn)] = weakref.finalize(conn, _closed, id(conn), key)


def closed(conn_id: int) -> None:
    """``conn`` was closed (``_real_close``): count it now, not at collection."""
    finalizer = watched.get(conn_id)
    if finalizer is not None:
        finalizer()


def _closed(conn_id: int, key: str) -> None:
    global _flush_due
    watched.pop(conn_id, None)
    with _lock:
        _counts[key] += 1
        now = sum(_counts.values()) >= BATCH
        schedule = now or not _flush_due
        _flush_due = True
    if schedule:
        if now:
            loop.call_soon(_flush)
        else:
            loop.call_later(INTERVAL, _flush)


def _flush() -> None:
    global _flush_due
    with _lock:
        counts, _flush_due = dict(_counts), False
        _counts.clear()
    if counts and process.connected:
        process._require_link("closed").send_internal({"act": "closed", "counts": counts})
