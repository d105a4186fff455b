"""Node's cluster docs, ``worker.send()``: the worker echoes back every message
from the primary. Here the primary prints the echo and disconnects the worker,
so that the program ends.
"""

import cluster

process = cluster.process

if cluster.is_primary:
    worker = cluster.fork()
    worker.send("hi there")

    @worker.on("message")
    def on_message(msg, handle):
        print(f"the worker sent back: {msg}")
        worker.disconnect()

elif cluster.is_worker:

    @process.on("message")
    def on_message(msg, handle):
        process.send(msg)
