"""Ports of test-cluster-bind-privileged-port.js (``rr``) and
test-cluster-shared-handle-bind-privileged-port.js (``none``): in a cluster that may not
bind privileged ports, a worker's listen on port 42 fails with EACCES at its own bind()
(the primary's bind is refused, under either policy); the worker then disconnects and
exits 0.

Run as root, the program first gives up CAP_NET_BIND_SERVICE (see servers_util).
"""

import sys

from servers_util import give_up_low_ports

give_up_low_ports()

import errno  # noqa: E402
import socket  # noqa: E402

import cluster  # noqa: E402
from must import must_call  # noqa: E402

POLICY = sys.argv[1]

if cluster.is_primary:
    cluster.scheduling_policy = cluster.SCHED_NONE if POLICY == "none" else cluster.SCHED_RR

    def on_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)

    worker = cluster.fork()
    worker.on("exit", must_call(on_exit))
    worker.on("listening", must_call(times=0))
else:
    try:
        socket.create_server(("127.0.0.1", 42))
    except OSError as exc:
        assert exc.errno == errno.EACCES, exc
        print(f"worker: {errno.errorcode[exc.errno]}")
        cluster.process.disconnect()
    else:
        raise AssertionError("listening on port 42 should have failed")
