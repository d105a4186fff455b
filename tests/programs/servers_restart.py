"""Ports of test-cluster-server-restart-none.js (``none``) and
test-cluster-server-restart-rr.js (``rr``): while worker 1 listens on port 0, worker 2
listens on port 0 too, closes its server and listens on port 0 again, closes again and
disconnects; it exits 0, then worker 1 is disconnected and exits 0. Port 0 in every
worker is one shared port, so each of worker 2's servers got worker 1's port."""

import socket
import sys

import cluster
from must import must_call

POLICY = sys.argv[1]
cluster.scheduling_policy = cluster.SCHED_NONE if POLICY == "none" else cluster.SCHED_RR

if cluster.is_primary:
    worker1 = cluster.fork()

    def on_listening(address):
        worker2 = cluster.fork()

        def on_message(ports, handle):
            assert ports == [address.port, address.port], (address.port, ports)

        def on_exit(code, signal):
            assert (code, signal) == (0, None), f"worker 2 exited with {code}, {signal}"
            worker1.disconnect()

        worker2.on("message", must_call(on_message))
        worker2.on("exit", must_call(on_exit))

    def on_exit(code, signal):
        assert (code, signal) == (0, None), f"worker 1 exited with {code}, {signal}"

    worker1.on("listening", must_call(on_listening))
    worker1.on("exit", must_call(on_exit))
else:
    server = socket.create_server(("", 0))
    if cluster.worker.id == 2:
        ports = [server.getsockname()[1]]
        server.close()
        server = socket.create_server(("", 0))
        ports.append(server.getsockname()[1])
        server.close()
        cluster.process.send(ports)
        cluster.process.disconnect()
