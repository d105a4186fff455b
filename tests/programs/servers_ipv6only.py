"""Ports of sequential/test-cluster-net-listen-ipv6only-none.js (``none``) and
sequential/test-cluster-net-listen-ipv6only-rr.js (``rr``): three workers listen on ::
with IPV6_V6ONLY on a given port; each reports the same address (::, that port, type 6),
and the IPv4 side of the port stays free: the primary binds 0.0.0.0 on it itself. Then
the workers are disconnected and exit 0.

A fixed port (found free by the test), as in Node: with port 0 the system could pick a
port free for IPv6 but taken for IPv4.
"""

import socket
import sys
import threading

import cluster
from must import in_thread, must_call

POLICY, PORT = sys.argv[1], int(sys.argv[2])
WORKERS = 3
cluster.scheduling_policy = cluster.SCHED_NONE if POLICY == "none" else cluster.SCHED_RR

if cluster.is_primary:
    workers = []
    listening = threading.Semaphore(0)

    def on_listening(address):
        assert address == cluster.Address("::", PORT, 6), address
        listening.release()

    def on_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)

    def bind_ipv4_side():
        for _ in range(WORKERS):
            assert listening.acquire(timeout=20), "a worker never listened"
        ipv4 = socket.create_server(("0.0.0.0", PORT))  # EADDRINUSE unless :: is v6-only
        ipv4.close()
        for worker in workers:
            worker.disconnect()

    for _ in range(WORKERS):
        worker = cluster.fork()
        worker.on("listening", must_call(on_listening))
        worker.on("exit", must_call(on_exit))
        workers.append(worker)
    in_thread(bind_ipv4_side)
else:
    # Without dualstack_ipv6, create_server sets IPV6_V6ONLY (Node's ipv6Only: true).
    server = socket.create_server(("::", PORT), family=socket.AF_INET6)
