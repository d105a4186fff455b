"""Port of test-cluster-worker-isconnected.js: is_connected() is True right after fork()
on both sides, and False inside both sides' 'disconnect' listeners."""

import cluster
from must import must_call

if cluster.is_primary:
    worker = cluster.fork()
    assert worker.is_connected(), "is_connected() must be True as soon as fork() returns"
    assert worker.isConnected()

    def on_disconnect():
        assert not worker.is_connected(), "is_connected() must be False at 'disconnect'"

    def on_message(message, handle):
        if message == "readyToDisconnect":
            worker.disconnect()

    def on_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)

    worker.on("disconnect", must_call(on_disconnect))
    worker.on("message", must_call(on_message))
    worker.on("exit", must_call(on_exit))
else:
    assert cluster.worker.is_connected(), "is_connected() must be True in a worker"

    def on_disconnect():
        assert not cluster.worker.is_connected(), "still connected at 'disconnect'"

    cluster.worker.process.on("disconnect", must_call(on_disconnect))
    cluster.process.send("readyToDisconnect")
