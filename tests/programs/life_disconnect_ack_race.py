"""Port of test-cluster-disconnect-exitedAfterDisconnect-race.js: a worker that
disconnects itself waits for the primary to acknowledge before its channel closes, so
the primary already knows the exit is deliberate at 'disconnect', and the worker exits 0.
"""

import cluster
from must import must_call

if cluster.is_primary:
    worker = cluster.fork()

    def on_disconnect():
        assert worker.exited_after_disconnect is True, worker.exited_after_disconnect

    def on_exit(who, code, signal):
        assert code == 0, f"worker exited with code: {code}, expected 0"

    worker.on("disconnect", must_call(on_disconnect))
    cluster.on("exit", must_call(on_exit))
else:
    me = cluster.worker
    me.disconnect()
    assert me.state == "disconnecting"

    def on_disconnect():
        # The acknowledged disconnect: this worker asked for it, and its channel is shut.
        assert me.exited_after_disconnect is True
        assert not me.is_connected()

    me.on("disconnect", must_call(on_disconnect))
