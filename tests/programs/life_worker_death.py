"""Port of test-cluster-worker-death.js: a worker exits with 42; both 'exit' events say so."""

import cluster
from must import must_call

if cluster.is_primary:
    worker = cluster.fork()

    def worker_exited(code, signal):
        assert code == 42, code
        assert signal is None, signal

    def cluster_exited(who, code, signal):
        assert who is worker
        assert (code, signal) == (42, None)

    worker.on("exit", must_call(worker_exited))
    cluster.on("exit", must_call(cluster_exited))
else:
    cluster.process.exit(42)
