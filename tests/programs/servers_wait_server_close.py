"""Port of test-cluster-worker-wait-server-close.js: when the primary disconnects a worker
that holds a connection open, the worker's server stops and the worker waits for that
connection to end: its 'disconnect' comes only after the client has closed it. The
worker exits 0."""

import socket
import socketserver
import threading

import cluster
from must import in_thread, must_call

if cluster.is_primary:
    worker = cluster.fork()

    def client(port):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            assert sock.recv(1) == b"."  # data from the worker: it has the connection
            print("got data from client")
            worker.disconnect()
            sock.shutdown(socket.SHUT_WR)  # end our side; the worker then closes
            assert sock.recv(1) == b""

    def on_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)

    worker.once("listening", must_call(lambda address: in_thread(client, address.port)))
    worker.on("exit", must_call(on_exit))
else:
    ended = threading.Event()

    class Discard(socketserver.BaseRequestHandler):
        def handle(self):
            self.request.sendall(b".")
            while self.request.recv(100):  # discard whatever comes, until the client ends
                pass
            ended.set()  # socketserver closes the connection when this returns

    def on_disconnect():
        if not ended.is_set():
            print("worker: disconnected while the connection was still open", flush=True)
            cluster.process.exit(3)

    cluster.process.once("disconnect", must_call(on_disconnect))
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Discard)
    in_thread(server.serve_forever)
