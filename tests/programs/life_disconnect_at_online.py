"""A primary that disconnects its worker at 'online' (as test-cluster-worker-forced-exit.js
does) must still let the worker's script run to its end: in Node a worker handles no
message before its script's first run is over, so listeners added anywhere in the script
hear the 'disconnect'."""

import time

import cluster
from must import must_call

if cluster.is_primary:
    worker = cluster.fork()
    worker.on("online", must_call(lambda: worker.disconnect()))
    worker.on("exit", must_call(lambda code, signal: print(f"exit {code} {signal}")))
else:
    time.sleep(0.2)  # stands for a slow set-up (imports, configuration) at the top level
    cluster.worker.on("disconnect", must_call(lambda: print("worker disconnect")))
    print("worker script done")
