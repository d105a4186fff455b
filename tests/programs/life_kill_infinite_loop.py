"""Port of test-cluster-kill-infinite-loop.js: a worker spinning in a busy loop is ended
by worker.process.kill(): 'exit' reports code None and signal 'SIGTERM'."""

import cluster
from must import must_call

if cluster.is_primary:
    worker = cluster.fork()

    def on_exit(code, signal):
        assert code is None, code
        assert signal == "SIGTERM", signal

    # worker.process.kill(), not worker.kill(): in Node the latter would wait for a
    # graceful disconnect that a spinning worker never gives.
    worker.on("online", must_call(lambda: worker.process.kill()))
    worker.on("exit", must_call(on_exit))
else:
    while True:
        pass
