"""Port of test-cluster-disconnect-race.js: once worker 1 is ready, a second worker is
forked while the first is being disconnected, and the second is disconnected as soon
as it is online; both exit 0.

As in Node, each worker listens on port 0 under SCHED_NONE (the second may be
disconnected before its listen has been answered); with the argument ``no-server``
they start no server (the life tests' variant)."""

import socket
import sys

import cluster
from must import must_call

WITH_SERVER = sys.argv[1:] != ["no-server"]
cluster.scheduling_policy = cluster.SCHED_NONE

if cluster.is_primary:
    worker1 = cluster.fork()

    def on_message(message, handle):
        worker2 = cluster.fork()
        worker1.disconnect()
        worker2.on("online", must_call(worker2.disconnect))

    def on_exit(worker, code, signal):
        assert (code, signal) == (0, None), f"worker {worker.id} exited with {code}, {signal}"

    worker1.on("message", must_call(on_message))
    cluster.on("exit", must_call(on_exit, 2))
else:
    if WITH_SERVER:
        server = socket.create_server(("127.0.0.1", 0))
    cluster.process.send("ready")
