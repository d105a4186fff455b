"""Port of test-cluster-dgram-reuse.js: in a worker, two UDP sockets with SO_REUSEADDR
bind the same port (the second binds the port the first got for port 0); the worker
closes both, disconnects and exits 0."""

import socket

import cluster
from must import must_call

if cluster.is_primary:

    def on_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)

    cluster.fork().on("exit", must_call(on_exit))
    cluster.on("listening", must_call(times=2))
else:

    def reusable() -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        return sock

    first = reusable()
    first.bind(("127.0.0.1", 0))
    port = first.getsockname()[1]
    second = reusable()
    second.bind(("127.0.0.1", port))
    assert second.getsockname()[1] == port
    first.close()
    second.close()
    cluster.worker.disconnect()
