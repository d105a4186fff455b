"""Port of test-cluster-process-disconnect.js, without the server: a worker that calls
cluster.process.disconnect() exits normally (code 0, no signal)."""

import cluster
from must import must_call

if cluster.is_primary:
    worker = cluster.fork()

    def on_exit(code, signal):
        assert code == 0, "worker did not exit normally"
        assert signal is None, "worker did not exit normally"

    worker.on("exit", must_call(on_exit))
else:
    cluster.process.disconnect()
