"""Port of test-cluster-worker-destroy.js: a worker may destroy() itself while still
connected (worker 2), or from its 'disconnect' listener after disconnect() (worker 1);
disconnect() returns the worker, and the primary sees 'disconnect' and 'exit' for both.
"""

import cluster
from must import must_call

if cluster.is_primary:
    for worker in (cluster.fork(), cluster.fork()):
        worker.on("disconnect", must_call())
        worker.on("exit", must_call(lambda code, signal: print(f"exit {code} {signal}")))
else:
    me = cluster.worker
    if me.id == 1:
        # destroy() once the channel is closed
        me.process.on("disconnect", must_call(lambda: me.destroy()))
        assert me.disconnect() is me
    else:
        # destroy() while still connected
        me.destroy()
