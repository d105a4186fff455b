"""Port of test-cluster-shared-leak.js: under SCHED_NONE, with a client connected to the
port worker 1 listens on, worker 1 and a later-forked worker 2 are both disconnected
(worker 2 maybe before its own listen has been answered); both exit 0 with no signal,
and the primary's bookkeeping of the shared handle lets it end cleanly."""

import socket
import socketserver
import threading

import cluster
from must import in_thread, must_call

cluster.scheduling_policy = cluster.SCHED_NONE

if cluster.is_primary:
    worker1 = cluster.fork()
    client = []
    connected = threading.Event()

    def connect_and_disconnect(port):
        client.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        connected.set()
        worker1.disconnect()
        worker2.disconnect()

    def on_listening(address):
        global worker2
        worker2 = cluster.fork()
        worker2.on("online", must_call(lambda: in_thread(connect_and_disconnect, address.port)))

    def on_exit(worker, code, signal):
        assert worker in (worker1, worker2), worker
        assert (code, signal) == (0, None), (worker.id, code, signal)
        if not cluster.workers:
            assert connected.is_set()
            client[0].close()

    worker1.on("listening", must_call(on_listening))
    cluster.on("exit", must_call(on_exit, 2))
else:

    class Bye(socketserver.BaseRequestHandler):
        def handle(self):
            try:
                self.request.sendall(b"bye")
            except ConnectionResetError:
                pass  # as Node's test allows

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Bye)
    in_thread(server.serve_forever)
