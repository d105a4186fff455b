"""Port of test-cluster-worker-disconnect.js: worker.disconnect() in the primary returns
the worker; 'disconnect' and 'exit' fire on the worker and on the module; at
'disconnect' the state is 'disconnected' and exited_after_disconnect is True; the
worker's own 'disconnect' listener runs (it exits with 42 to prove it); the process is
gone at 'exit'.

(Node disconnects once the worker's server listens; this worker is disconnected once it
is online.)
"""

import cluster
from must import must_call

if cluster.is_primary:
    worker = cluster.fork()
    seen = {}

    def on_online():
        seen["process"] = worker.process.psutil
        assert worker.disconnect() is worker

    def on_disconnect():
        seen["state"] = worker.state
        seen["exited_after_disconnect"] = worker.exited_after_disconnect

    def on_exit(code, signal):
        assert seen["state"] == "disconnected", seen
        assert seen["exited_after_disconnect"] is True, seen
        assert code == 42, f"the worker's 'disconnect' listener did not run ({code}, {signal})"
        assert not seen["process"].is_running(), "the worker did not die"

    worker.once("online", must_call(on_online))
    cluster.once("disconnect", must_call())
    cluster.once("exit", must_call())
    worker.once("disconnect", must_call(on_disconnect))
    worker.once("exit", must_call(on_exit))
else:
    cluster.worker.on("disconnect", must_call(lambda: cluster.process.exit(42)))
