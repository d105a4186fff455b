"""Port of test-cluster-worker-forced-exit.js: worker.disconnect() lets the worker run
its own 'disconnect' logic (here: exit with 42 a moment later), but closing the raw
channel with worker.process.disconnect() makes the worker exit at once with 0."""

import threading

import cluster
from must import must_call

SENTINEL = 42

if cluster.is_primary:

    def check(how, expected):
        worker = cluster.fork({"HOW": how})

        def on_online():
            if how == "unforced":
                worker.disconnect()
            else:
                worker.process.disconnect()

        def on_exit(code, signal):
            assert (code, signal) == (expected, None), (how, code, signal)

        worker.on("online", must_call(on_online))
        worker.on("exit", must_call(on_exit))

    check("unforced", SENTINEL)
    check("forced", 0)
else:

    def on_disconnect():
        # Like Node's setTimeout, the timer keeps the process alive: not a daemon.
        timer = threading.Timer(0.01, lambda: cluster.process.exit(SENTINEL))
        timer.daemon = False
        timer.start()

    cluster.process.on("disconnect", on_disconnect)
