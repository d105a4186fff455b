"""``must_call``: Node's ``common.mustCall`` for the test programs.

Wrap a listener with ``must_call(fn, times)``; when the process exits, every wrapped
function must have run exactly that many times, or the process exits 1 and says which.
"""

from __future__ import annotations

import atexit
import os
import sys
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
