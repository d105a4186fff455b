"""Port of test-cluster-disconnect-leak.js: under SCHED_NONE, cluster.disconnect()
called right after forking a worker that listens on port 0 still gives the worker's
'disconnect' and 'exit' and the module's 'exit' (the worker exits 0)."""

import socket

import cluster
from must import must_call

cluster.scheduling_policy = cluster.SCHED_NONE

if cluster.is_primary:
    worker = cluster.fork()
    worker.on("disconnect", must_call())
    worker.on("exit", must_call(lambda code, signal: print(f"exit {code} {signal}")))
    cluster.on("exit", must_call())
    cluster.disconnect()
else:
    server = socket.create_server(("127.0.0.1", 0))
