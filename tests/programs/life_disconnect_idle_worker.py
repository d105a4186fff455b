"""Port of test-cluster-disconnect-idle-worker.js: fork() works when called unbound, and
cluster.disconnect(callback) with idle workers calls back once cluster.workers is empty.
"""

import cluster
from must import must_call

if cluster.is_primary:
    fork = cluster.fork
    fork()  # called through a plain name on purpose: fork must not rely on its module
    fork()
    cluster.disconnect(must_call(lambda: print(f"workers at callback: {cluster.workers}")))
    cluster.on("exit", must_call(lambda worker, code, signal: None, 2))
