"""Port of test-cluster-kill-disconnect.js: whether a worker calls kill() or disconnect()
on itself, the primary sees exited_after_disconnect True at both 'disconnect' and 'exit',
whichever comes first."""

import os

import cluster
from must import must_call

if cluster.is_primary:

    def fork_worker(action):
        worker = cluster.fork({"action": action})

        def deliberate(*args):
            assert worker.exited_after_disconnect is True, (action, worker.exited_after_disconnect)

        def exited(code, signal):
            assert (code, signal) == (0, None), (action, code, signal)

        worker.on("disconnect", must_call(deliberate))
        worker.on("exit", must_call(deliberate))
        worker.on("exit", must_call(exited))

    fork_worker("disconnect")
    fork_worker("kill")
else:
    getattr(cluster.worker, os.environ["action"])()
