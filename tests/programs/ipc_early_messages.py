"""Messages that reach a worker before its script has added a 'message' listener are
kept and delivered, all of them and in order, once the listener is added (SPEC.md:
order preserved; no message is lost). Here the worker takes a while to start up
(a slow import, say) while the primary sends 20,000 messages straight after fork()."""

import time

import cluster
from must import must_call

COUNT = 20_000
STARTUP_SECONDS = 2.0  # the worker's slow start-up: the behaviour under test

if cluster.is_worker:
    time.sleep(STARTUP_SECONDS)
    got: list[int] = []

    def on_message(message, handle):
        got.append(message)
        if message == COUNT - 1:
            cluster.process.send({"count": len(got), "in_order": got == list(range(COUNT))})

    cluster.process.on("message", on_message)
else:
    worker = cluster.fork()
    for n in range(COUNT):
        worker.send(n)

    def on_message(report, handle):
        assert report == {"count": COUNT, "in_order": True}, report
        worker.disconnect()

    worker.on("message", must_call(on_message))

    def on_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)
        print("all early messages delivered:", COUNT)

    worker.on("exit", must_call(on_exit))
