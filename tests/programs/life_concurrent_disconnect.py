"""Port of test-cluster-concurrent-disconnect.js: one worker per CPU is told, at about the
same moment, to disconnect or destroy itself; every worker exits with code 0 and no
signal. A write that races with a closing channel may fail with EPIPE/ECONNRESET (or, in
this port, the channel-closed error); nothing else may go wrong.

(The worker count is capped at 8 so that the test stays quick on big machines.)
"""

import errno

import cluster
from must import must_call

if cluster.is_primary:
    count = max(2, min(cluster.available_parallelism(), 8))
    workers = []
    waiting = [count]

    def on_online():
        waiting[0] -= 1
        if waiting[0] == 0:
            for i, worker in enumerate(workers):
                if worker.is_connected():
                    worker.send("disconnect" if i % 2 else "destroy")

    def on_error(exc):
        # The nature of the test: a send may race with a worker that is going away.
        if isinstance(exc, cluster.ChannelClosedError):
            return
        assert isinstance(exc, OSError) and exc.errno in (errno.EPIPE, errno.ECONNRESET), exc

    def on_disconnect():
        for worker in workers:
            if worker.is_connected():
                worker.send("disconnect")

    def on_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)

    for _ in range(count):
        worker = cluster.fork()
        workers.append(worker)
        worker.once("online", must_call(on_online))
        worker.on("error", on_error)
        worker.once("disconnect", must_call(on_disconnect))
        worker.once("exit", must_call(on_exit))
else:

    def on_message(message, handle):
        if cluster.worker.is_connected():
            getattr(cluster.worker, message)()

    cluster.process.on("message", on_message)
