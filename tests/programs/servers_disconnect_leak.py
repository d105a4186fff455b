"""Port of test-cluster-disconnect-leak.js: cluster.disconnect() called right after
fork(), before the worker is even online, still gives the worker's 'disconnect' and
'exit' and the module's 'exit' (the worker exits 0).

As in Node, the worker listens on port 0 under SCHED_NONE; with the argument
``no-server`` it starts no server (the life tests' variant: the same events without
a handle to close)."""

import socket
import sys

import cluster
from must import must_call

WITH_SERVER = sys.argv[1:] != ["no-server"]
cluster.scheduling_policy = cluster.SCHED_NONE

if cluster.is_primary:
    worker = cluster.fork()
    worker.on("disconnect", must_call())
    worker.on("exit", must_call(lambda code, signal: print(f"exit {code} {signal}")))
    cluster.on("exit", must_call())
    cluster.disconnect()
elif WITH_SERVER:
    server = socket.create_server(("127.0.0.1", 0))
