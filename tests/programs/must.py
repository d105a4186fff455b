"""``must_call``: Node's ``common.mustCall`` for the test programs.

Wrap a listener with ``must_call(fn, times)``; when the process exits, every wrapped
function must have run exactly that many times, or the process exits 1 and says which.
``in_thread`` runs a function on a thread whose failure fails the process.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any

_expected: list[tuple[str, int, list[int]]] = []


def must_call(fn: Callable[..., Any] | None = None, times: int = 1) -> Callable[..., Any]:
    """``fn`` wrapped so that the process fails unless it runs exactly ``times`` times."""
    fn = fn or (lambda *args: None)
    where = "".join(traceback.format_stack(limit=2)[:1]).strip().splitlines()[0]
    count = [0]
    _expected.append((where, times, count))

    def wrapper(*args: Any) -> Any:
        count[0] += 1
        return fn(*args)

    return wrapper


def must_not_call(what: str = "this") -> Callable[..., Any]:
    def wrapper(*args: Any) -> None:
        print(f"must_not_call: {what} was called with {args!r}", file=sys.stderr, flush=True)
        os._exit(1)

    return wrapper


def _check() -> None:
    wrong = [(where, times, count[0]) for where, times, count in _expected if count[0] != times]
    for where, times, got in wrong:
        print(f"must_call: expected {times} call(s), got {got}: {where}", file=sys.stderr)
    if wrong:
        sys.stderr.flush()
        os._exit(1)


atexit.register(_check)


def in_thread(target: Callable[..., Any], *args: Any) -> threading.Thread:
    """Run ``target(*args)`` on a daemon thread; a failure there ends this process with
    status 1 (an uncaught error in a plain thread would only be printed)."""
    import cluster

    def run() -> None:
        try:
            target(*args)
        except BaseException:  # noqa: BLE001 - reported, then the process ends
            traceback.print_exc()
            sys.stderr.flush()
            cluster.process.exit(1)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread
