"""Port of test-cluster-worker-init.js: ``cluster.worker`` exists and listens early
enough that a message the primary sends on 'online' reaches it; the primary's
``worker.disconnect()`` returns the worker."""

import cluster
from must import must_call

MESSAGE = "foo"

if cluster.is_worker:
    cluster.worker.on("message", lambda message, handle: cluster.process.send(message == MESSAGE))
else:
    worker = cluster.fork()

    def on_message(message, handle):
        assert message is True, message
        assert worker.disconnect() is worker

    worker.on("message", must_call(on_message))
    worker.on("online", must_call(lambda: worker.send(MESSAGE)))

    def on_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)
        print("worker exit", code, signal)

    worker.on("exit", must_call(on_exit))
