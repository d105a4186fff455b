"""Clients that connect and reset at once (SO_LINGER 0, then close) do not disturb the
primary: after 100 of them, ordinary requests are all answered (at least 20, until
both workers have answered: one may still be busy with its share of the resets), and
the cluster disconnects cleanly."""

import socket
import struct
import time

from routing_common import answered_by, ask, serve_ids, start_workers

import cluster
from must import must_call

WORKERS = 2
RESETS = 100
REQUESTS = 20

if cluster.is_primary:
    address = start_workers(WORKERS)
    for _ in range(RESETS):
        sock = socket.create_connection(("127.0.0.1", address.port))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    answers = []
    deadline = time.monotonic() + 10
    while len(answers) < REQUESTS or set(answers) != set(cluster.workers):
        assert time.monotonic() < deadline, f"not every worker answered: {answers}"
        answers.append(answered_by(ask(("127.0.0.1", address.port))))
    print("answers", " ".join(map(str, answers)))
    cluster.disconnect(must_call())
else:
    serve_ids()
