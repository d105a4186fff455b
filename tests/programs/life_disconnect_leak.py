"""Port of test-cluster-disconnect-leak.js, without the server: cluster.disconnect()
called right after fork(), before the worker is even online, still gives the worker's
'disconnect' and 'exit' and the module's 'exit'."""

import cluster
from must import must_call

if cluster.is_primary:
    worker = cluster.fork()
    worker.on("disconnect", must_call())
    worker.on("exit", must_call(lambda code, signal: print(f"exit {code} {signal}")))
    cluster.on("exit", must_call())
    cluster.disconnect()
