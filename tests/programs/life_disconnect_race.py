"""Port of test-cluster-disconnect-race.js, without the server: forking a second worker
while disconnecting the first, then disconnecting the second as soon as it is online,
ends with both workers exiting 0.

(Node's first worker holds a SCHED_NONE server, whose handle the race was about; servers
are another area.)
"""

import cluster
from must import must_call

if cluster.is_primary:
    worker1 = cluster.fork()

    def on_message(message, handle):
        worker2 = cluster.fork()
        worker1.disconnect()
        worker2.on("online", must_call(worker2.disconnect))

    def on_exit(worker, code, signal):
        assert code == 0, f"worker exited with error code {code}"

    worker1.on("message", must_call(on_message))
    cluster.on("exit", must_call(on_exit, 2))
else:
    cluster.process.send("ready")
