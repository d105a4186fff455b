"""Port of test-cluster-worker-events.js, in part: a message sent to a worker reaches
both ``process`` 'message' and ``cluster.worker`` 'message', once each, with equal
payloads; ``worker.send()`` returns True; the worker then exits with its own code.

Node's second half (a user ``process.emit('error')`` re-emitted on
``cluster.worker``) is Node plumbing and is not ported.
"""

import threading

import cluster
from must import must_call

OK = 2

if cluster.is_worker:
    messages: list = []
    lock = threading.Lock()

    def check(message) -> None:
        with lock:
            messages.append(message)
            if len(messages) == 2:
                assert messages[0] == messages[1], messages
                cluster.process.exit(OK)

    cluster.process.on("message", must_call(lambda message, handle: check(message)))
    cluster.worker.on("message", must_call(lambda message, handle: check(message)))
else:
    worker = cluster.fork()

    def on_exit(code, signal):
        assert (code, signal) == (OK, None), (code, signal)
        print("worker exit", code)

    worker.on("exit", must_call(on_exit))
    assert worker.send({"text": "SOME MESSAGE", "n": [1, 2]}) is True
