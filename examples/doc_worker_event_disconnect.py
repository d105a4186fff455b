"""Node's cluster docs, ``Worker`` ``Event: 'disconnect'``.

The worker leaves at once (``cluster.worker.disconnect()``), so that there is a
disconnect to hear and the program ends by itself.
"""

import cluster

if cluster.is_primary:

    def on_disconnect():
        # Worker has disconnected
        print("Worker has disconnected")

    cluster.fork().on("disconnect", on_disconnect)

else:
    cluster.worker.disconnect()
