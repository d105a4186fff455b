"""Port of test-cluster-rr-handle-close.js, in part: under round-robin, a worker closes
its only server; the primary closes the listening socket it held for it (a client is
now refused), and the worker leaves by itself and exits 0. (Node's worker leaves by
unref'ing its channel; a Python worker lives while connected, so it disconnects.)"""

import socket

import cluster
from must import in_thread, must_call

if cluster.is_primary:
    cluster.scheduling_policy = cluster.SCHED_RR
    worker = cluster.fork()
    ports = []

    def check_refused():
        try:
            socket.create_connection(("127.0.0.1", ports[0]), timeout=10).close()
        except ConnectionRefusedError:
            worker.send("checked")
        else:
            raise AssertionError(f"port {ports[0]} still accepts after the worker closed it")

    def on_message(message, handle):
        assert message == "closed", message
        in_thread(check_refused)

    def on_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)

    worker.on("listening", must_call(lambda address: ports.append(address.port)))
    worker.on("message", must_call(on_message))
    worker.on("exit", must_call(on_exit))
else:
    server = socket.create_server(("127.0.0.1", 0))
    server.close()
    cluster.process.send("closed")
    cluster.process.once("message", must_call(lambda message, handle: cluster.process.disconnect()))
