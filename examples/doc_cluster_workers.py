"""Node's cluster docs, ``cluster.workers``: a message to every worker.

Each worker prints the announcement and leaves, so that the program ends.
"""

import cluster

process = cluster.process

if cluster.is_primary:
    for _ in range(2):
        cluster.fork()

    for worker in list(cluster.workers.values()):
        worker.send("big announcement to all workers")

else:

    @process.on("message")
    def on_message(message, handle):
        print(f"worker #{cluster.worker.id} heard: {message}")
        cluster.worker.disconnect()
