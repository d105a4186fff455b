"""Port of test-cluster-listening-port.js: a worker's server listening on port 0 makes
the primary's 'listening' event carry the real port, a positive int; the primary then
kills the worker."""

import socket

import cluster
from must import must_call

if cluster.is_primary:
    cluster.fork()

    def on_listening(worker, address):
        port = address.port
        assert isinstance(port, int) and not isinstance(port, bool), repr(port)
        assert port > 0, port
        print(f"listening on port {port}")
        worker.kill()

    def on_exit(worker, code, signal):
        assert (code, signal) == (None, "SIGTERM"), (code, signal)

    cluster.on("listening", must_call(on_listening))
    cluster.on("exit", must_call(on_exit))
else:
    server = socket.create_server(("", 0))
