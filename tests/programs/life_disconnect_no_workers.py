"""Port of test-cluster-disconnect-with-no-workers.js: cluster.disconnect(callback) with
no workers still calls back, and never from inside the call.

Usage: ``life_disconnect_no_workers.py <main|nested>``. ``main``: the main script calls
cluster.disconnect(callback); the callback runs later, in the event context (not on the
main thread). ``nested``: that callback calls cluster.disconnect(inner) in turn; ``inner``
must run after the call that queued it has returned, and before the primary exits
(Node runs it on the next tick, and a process never exits with ticks pending).
"""

import sys
import threading

import cluster
from must import must_call

HOW = sys.argv[1]
state = {"returned": False}


def inner():
    assert state["returned"], "cluster.disconnect() called back synchronously"


def outer():
    assert threading.current_thread() is not threading.main_thread()
    if HOW == "nested":
        cluster.disconnect(must_call(inner))
        state["returned"] = True


assert HOW in ("main", "nested"), HOW
cluster.disconnect(must_call(outer))
assert cluster.workers == {}
