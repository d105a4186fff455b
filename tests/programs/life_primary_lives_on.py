"""The primary's main script ends while it has a worker: the process lives on, its
listeners still run, and it exits 0 by itself once the worker is gone."""

import cluster
from must import must_call

if cluster.is_primary:
    worker = cluster.fork()

    def on_message(message, handle):
        assert message == "pong"
        print("pong, after the end of the script")
        worker.disconnect()

    def on_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)
        print("worker exited")

    worker.on("message", must_call(on_message))
    worker.on("exit", must_call(on_exit))
    print("end of the script")
    worker.send("ping")  # the last statement: the answer comes after the script's end
else:
    cluster.process.on("message", lambda message, handle: cluster.process.send("pong"))
