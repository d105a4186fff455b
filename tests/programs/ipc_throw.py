"""Port of test-cluster-ipc-throw.js, in part: a worker's listener calls
``cluster.worker.disconnect()`` and then raises. The exception reaches the worker's
``sys.excepthook`` (Python's nearest thing to 'uncaughtException'), the worker ends
with status 1 as an uncaught error ends a process, and the primary still hears
'disconnect' and 'exit' for it.

Node's trigger (a listen that collides with the primary's own server) and its
``process.on('uncaughtException')`` recovery are not part of this port.
"""

import sys

import cluster
from must import must_call

if cluster.is_worker:

    def hook(kind, exc, tb):
        print(f"worker excepthook: {kind.__name__}: {exc}", file=sys.stderr, flush=True)

    sys.excepthook = hook

    def on_message(message, handle):
        assert message == "throw"
        cluster.worker.disconnect()
        raise RuntimeError("thrown after disconnect")

    cluster.process.on("message", on_message)
else:
    worker = cluster.fork()
    worker.on("online", must_call(lambda: worker.send("throw")))
    worker.on("disconnect", must_call())

    def on_exit(code, signal):
        assert (code, signal) == (1, None), (code, signal)
        print("worker exit", code, signal)

    worker.on("exit", must_call(on_exit))
