"""Port of test-cluster-worker-isdead.js: is_dead() is False right after fork() and
inside the worker, and True once 'exit' fires."""

import cluster
from must import must_call

if cluster.is_primary:
    worker = cluster.fork()
    assert not worker.is_dead(), "is_dead() must be False right after fork()"
    assert not worker.isDead()

    def on_exit(code, signal):
        assert worker.is_dead(), "is_dead() must be True at 'exit'"
        assert (code, signal) == (None, "SIGTERM"), (code, signal)

    def on_message(message, handle):
        if message == "readyToDie":
            worker.kill()

    worker.on("exit", must_call(on_exit))
    worker.on("message", must_call(on_message))
else:
    assert not cluster.worker.is_dead(), "is_dead() must be False inside a worker"
    cluster.process.send("readyToDie")
