"""Node's cluster docs, ``Worker`` ``Event: 'online'``.

The worker leaves at once (``cluster.worker.disconnect()``), so that the program
ends.
"""

import cluster

if cluster.is_primary:

    def on_online():
        # Worker is online
        print("Worker is online")

    cluster.fork().on("online", on_online)

else:
    cluster.worker.disconnect()
