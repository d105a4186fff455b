"""Port of test-cluster-rr-handle-ref-unref.js, in part: under round-robin, a worker may
end while its server still listens (Node's unref'd server and channel let it end by
itself; a Python worker ends itself with ``sys.exit``); it exits 0, and the handle the
primary held for it goes with it, so nothing keeps the primary alive: it ends by itself."""

import socket
import sys

import cluster
from must import must_call

if cluster.is_primary:
    cluster.scheduling_policy = cluster.SCHED_RR

    def on_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)
        print("worker exited")

    worker = cluster.fork()
    worker.on("listening", must_call())
    worker.on("exit", must_call(on_exit))
else:
    server = socket.create_server(("127.0.0.1", 0))
    sys.exit(0)
