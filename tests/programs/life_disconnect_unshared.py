"""Port of test-cluster-disconnect-unshared-tcp.js, without the server: disconnecting
one worker and then, from its 'disconnect' listener, the whole cluster while a second
worker runs, lets everything finish (both workers exit 0, the primary exits 0)."""

import cluster
from must import must_call

if cluster.is_primary:
    unbound = cluster.fork()

    def bind():
        bound = cluster.fork({"BOUND": "y"})
        bound.on("online", must_call(disconnect))

    def disconnect():
        unbound.disconnect()
        unbound.on("disconnect", must_call(cluster.disconnect))

    def on_exit(worker, code, signal):
        assert (code, signal) == (0, None), (worker.id, code, signal)

    unbound.on("online", must_call(bind))
    cluster.on("exit", must_call(on_exit, 2))
