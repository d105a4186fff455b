"""Restart on exit: when a worker dies, the primary forks a new one (Node's docs,
``Event: 'exit'``). Here each worker crashes after a moment; after three restarts the
primary stops replacing them, so that the example ends by itself.
"""

import random
import threading

import cluster

process = cluster.process
restarts = 0

if cluster.is_primary:
    print(f"Primary {process.pid} is running")

    for _ in range(2):
        cluster.fork()

    @cluster.on("exit")
    def on_exit(worker, code, signal):
        global restarts
        print(f"worker {worker.process.pid} died ({signal or code}). ", end="")
        if restarts < 3:
            restarts += 1
            print("restarting...")
            cluster.fork()
        else:
            print("not restarting.")

else:
    print(f"Worker {process.pid} started")

    def crash():
        print(f"Worker {process.pid} crashing")
        process.exit(1)

    threading.Timer(random.uniform(0.1, 0.5), crash).start()
