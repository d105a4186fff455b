"""Port of test-cluster-disconnect-before-exit.js: cluster.disconnect() called when a
worker has already disconnected (but not yet exited) skips it instead of failing."""

import cluster
from must import must_call

if cluster.is_primary:
    worker = cluster.fork()

    def disconnect():
        worker.disconnect()
        # The worker stays in the cluster's care until it has both disconnected and
        # exited; cluster.disconnect() must leave an already-disconnected worker alone.
        worker.on("disconnect", must_call(cluster.disconnect))

    def on_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)

    worker.on("online", must_call(disconnect))
    worker.on("exit", must_call(on_exit))
