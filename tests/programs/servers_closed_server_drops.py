"""Port of test-cluster-worker-handle-close.js, in part: under round-robin, a connection
is handed to a worker's server, which is closed before taking it; with no other worker
to give it to, the connection is closed, so the client (in the worker) sees it end.
(Node's test closes the server from its internal 'newconn' message; here the worker
waits until its server is readable, which is when a connection has been handed to it.)
The worker then disconnects and exits 0."""

import select
import socket

import cluster
from must import must_call

if cluster.is_primary:
    cluster.scheduling_policy = cluster.SCHED_RR

    def on_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)

    cluster.fork().on("exit", must_call(on_exit))
else:
    server = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(server.getsockname(), timeout=10)
    readable, _, _ = select.select([server], [], [], 10)
    assert readable, "no connection was handed to the worker's server"
    server.close()
    try:
        assert client.recv(1) == b"", "the connection should have been closed"
    except ConnectionResetError:
        pass  # closed unread: a reset is as good as an end
    client.close()
    cluster.process.disconnect()
