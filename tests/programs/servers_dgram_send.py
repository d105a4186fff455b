"""Port of test-cluster-dgram-2.js: workers bind UDP port 0 explicitly (so the socket is
the cluster's shared one, not an implicit per-process bind) and send 10 datagrams each to
a socket the primary owns; once the primary has all 40 it closes its socket and calls
cluster.disconnect(), and every worker exits 0. All 40 come from the one shared port."""

import os
import socket

import cluster
from must import must_call

WORKERS = 4
PACKETS_PER_WORKER = 10

if cluster.is_primary:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    for _ in range(WORKERS):
        cluster.fork({"PRIMARY_PORT": port})

    def on_exit(worker, code, signal):
        assert (code, signal) == (0, None), (worker.id, code, signal)

    cluster.on("exit", must_call(on_exit, WORKERS))
    sources = set()
    sock.settimeout(20)
    for _ in range(WORKERS * PACKETS_PER_WORKER):
        data, source = sock.recvfrom(100)
        assert data == b"hello world", data
        sources.add(source)
    print(f"primary received {WORKERS * PACKETS_PER_WORKER} packets")
    sock.close()
    assert len(sources) == 1, f"datagrams came from more than one socket: {sources}"
    cluster.disconnect(must_call())
else:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    # Said before sending: once the primary has every packet it may disconnect this
    # worker, which ends it even if its script is still running.
    print(f"worker {cluster.worker.id} sends {PACKETS_PER_WORKER} packets")
    for _ in range(PACKETS_PER_WORKER):
        sock.sendto(b"hello world", ("127.0.0.1", int(os.environ["PRIMARY_PORT"])))
