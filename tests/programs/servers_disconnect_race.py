"""Port of test-cluster-disconnect-race.js: under SCHED_NONE, once worker 1 listens, a
second worker is forked while the first is being disconnected, and the second (which
listens on the same port 0 too) is disconnected as soon as it is online, whether or not
its listen has been answered yet; both exit 0."""

import socket

import cluster
from must import must_call

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
    server = socket.create_server(("127.0.0.1", 0))
    cluster.process.send("listening")
