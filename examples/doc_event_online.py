"""Node's cluster docs, ``Event: 'online'`` (on the cluster module).

Each worker leaves at once (``cluster.worker.disconnect()``), so that the
program ends.
"""

import cluster

if cluster.is_primary:

    @cluster.on("online")
    def on_online(worker):
        print("Yay, the worker responded after it was forked")

    for _ in range(2):
        cluster.fork()

else:
    cluster.worker.disconnect()
