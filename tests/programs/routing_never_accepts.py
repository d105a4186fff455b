"""A worker that listens but never accepts does not stall the others: worker 1 binds
and listens (socket.create_server) and then never calls accept(); 40 requests, one
after another from one client, are all answered by worker 2, each within its timeout."""

import socket
import threading
import time

from routing_common import TIMEOUT, answered_by, ask, serve_ids, start_workers

import cluster
from must import must_call

WORKERS = 2
REQUESTS = 40

if cluster.is_primary:
    address = start_workers(WORKERS)
    started = time.monotonic()
    answers = []
    for _ in range(REQUESTS):
        try:
            answers.append(answered_by(ask(("127.0.0.1", address.port))))
        except OSError as exc:
            answers.append(f"{type(exc).__name__}")
    elapsed = time.monotonic() - started
    print("answers", " ".join(map(str, answers)))
    print(f"elapsed {elapsed:.1f}s")
    assert answers == [2] * REQUESTS, answers
    assert elapsed < 2 * TIMEOUT, elapsed
    cluster.disconnect(must_call())
elif cluster.worker.id == 1:
    server = socket.create_server(("127.0.0.1", 0))  # listens, never accepts
    threading.Event().wait()
else:
    serve_ids()
