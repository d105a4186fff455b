"""Node's cluster docs, ``Event: 'disconnect'`` (on the cluster module).

Each worker leaves at once (``cluster.worker.disconnect()``), so that the
program ends.
"""

import cluster

if cluster.is_primary:

    @cluster.on("disconnect")
    def on_disconnect(worker):
        print(f"The worker #{worker.id} has disconnected")

    for _ in range(2):
        cluster.fork()

else:
    cluster.worker.disconnect()
