"""Port of test-cluster-accept-fail.js: under round-robin, when the primary's accept()
fails for a connection (Node's test patches the round-robin handle; here the primary's
``socket.socket._accept`` is patched to close what it accepted and fail with
ECONNABORTED, once), the client's connection is dropped and nothing reaches the
worker's server, which still closes normally; the worker then disconnects and exits 0."""

import errno
import os
import select
import socket

import cluster
from must import must_call

if cluster.is_primary:
    original_accept = socket.socket._accept

    def failing_accept(self):
        fd, address = original_accept(self)
        os.close(fd)
        raise OSError(errno.ECONNABORTED, os.strerror(errno.ECONNABORTED))

    socket.socket._accept = must_call(failing_accept)
    cluster.scheduling_policy = cluster.SCHED_RR

    def on_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)

    cluster.fork().on("exit", must_call(on_exit))
else:
    server = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(server.getsockname(), timeout=10)
    try:
        assert client.recv(1) == b"", "the connection should have been dropped"
    except ConnectionResetError:
        pass
    client.close()
    readable, _, _ = select.select([server], [], [], 0)
    assert not readable, "a connection reached the worker's server"
    server.close()
    cluster.process.disconnect()
