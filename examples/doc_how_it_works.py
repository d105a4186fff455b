"""Node's cluster docs, "How it works": ``listen(0)`` in a cluster.

Node's section has no code; this program shows what it says of port 0. A server
that asks for port 0 normally gets a random port of its own, but in a cluster
every worker that asks for port 0 on the same address gets the *same* random
port: the primary binds it once. A worker that needs a port of its own binds
inside ``cluster.exclusive()`` (Node's ``exclusive: true``), or computes a port
from ``cluster.worker.id``.

Each worker reports the ports it got; the primary prints them and disconnects
every worker, and the program ends.
"""

import socket

import cluster

process = cluster.process
num_workers = 2

if cluster.is_primary:
    reports = []

    @cluster.on("message")
    def on_message(worker, message, handle):
        reports.append(message)
        print(
            f"worker #{worker.id}: port 0 gave {message['shared']}, "
            f"exclusive port 0 gave {message['own']}"
        )
        if len(reports) == num_workers:
            print("shared:", sorted({report["shared"] for report in reports}))
            print("own:", sorted({report["own"] for report in reports}))
            cluster.disconnect()

    for _ in range(num_workers):
        cluster.fork()

else:
    # Port 0 in every worker: one random port, bound by the primary, for all.
    server = socket.create_server(("127.0.0.1", 0))

    # Inside cluster.exclusive(), the socket and its port are this worker's own.
    with cluster.exclusive():
        own_server = socket.create_server(("127.0.0.1", 0))

    shared_port = server.getsockname()[1]
    own_port = own_server.getsockname()[1]
    process.send({"shared": shared_port, "own": own_port})
