"""Messages both ways: each worker says hello, the primary answers, the worker leaves.

Node's ``worker.send()`` / ``process.send()`` and their ``'message'`` events.
"""

import cluster

process = cluster.process

if cluster.is_primary:
    print(f"Primary {process.pid} is running")

    for _ in range(cluster.available_parallelism()):
        cluster.fork()

    @cluster.on("message")
    def on_message(worker, message, handle):
        print(f"Primary got {message!r} from worker {worker.id}")
        worker.send({"cmd": "welcome", "id": worker.id})

    @cluster.on("exit")
    def on_exit(worker, code, signal):
        print(f"worker {worker.process.pid} left with code {code}")

else:

    @process.on("message")
    def on_message(message, handle):
        print(f"Worker {process.pid} got {message!r}")
        cluster.worker.disconnect()

    process.send({"cmd": "hello", "pid": process.pid})
