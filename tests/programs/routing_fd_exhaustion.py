"""The primary out of file descriptors: its accept loop pauses instead of spinning, and
serves again once descriptors are free.

The primary lowers its RLIMIT_NOFILE before forking (the workers raise theirs back).
Once both workers listen, the primary's main thread, as a client, uses up its
descriptors on connections to the cluster's port: each one is answered (the primary
accepted it with a descriptor of its own, handed it to a worker and closed its copy)
and kept open, until no descriptor would be left for the primary to accept the next
one. Then it prints ``exhausted <port> <connections>`` and waits for lines on stdin:
the test sends requests that must wait, measures this process's CPU time over a second,
then writes ``release`` (the client's connections are closed: the waiting requests are
served) and later ``done`` (cluster.disconnect(); exit 0).
"""

import errno
import os
import resource
import socket
import sys
import threading

from routing_common import TIMEOUT, answered_by, read_all, serve_ids, start_workers

import cluster
from must import must_call

WORKERS = 2
LIMIT = 128


def free_descriptor() -> bool:
    try:
        os.close(os.dup(0))
    except OSError as exc:
        assert exc.errno == errno.EMFILE, exc
        return False
    return True


def barrier(worker: cluster.Worker) -> None:
    """Wait until the cluster's thread has finished what it was doing (an accept and
    hand-over): a send's callback runs there, after it."""
    done = threading.Event()
    worker.send("barrier", callback=lambda error: done.set())
    assert done.wait(TIMEOUT)


if cluster.is_primary:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (LIMIT, hard))
    address = start_workers(WORKERS)
    some_worker = next(iter(cluster.workers.values()))
    held = []
    while True:
        barrier(some_worker)
        try:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        except OSError as exc:
            assert exc.errno == errno.EMFILE, exc
            break
        held.append(sock)
        if not free_descriptor():
            break  # this socket took the last one: keep it, unconnected
        sock.settimeout(TIMEOUT)
        sock.connect(("127.0.0.1", address.port))
        sock.sendall(b"hi\n")
        answered_by(read_all(sock))
    assert not free_descriptor()
    print("exhausted", address.port, len(held))
    assert sys.stdin.readline() == "release\n"
    for sock in held:
        sock.close()
    print("released")
    assert sys.stdin.readline() == "done\n"
    cluster.disconnect(must_call(lambda: print("disconnected")))
else:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    cluster.process.on("message", lambda message, handle: None)  # the primary's barriers
    serve_ids()
