"""Port of test-cluster-net-listen-backlog.js: under round-robin, the backlog a worker
passes to listen() is the one the primary uses for the real listening socket. As in
Node's test, the primary watches its own listen() calls (here ``socket.socket.listen``);
the last listen() on the socket behind the worker's port must get the worker's 127."""

import socket

import cluster
from must import must_call

EXPECTED_BACKLOG = 127

if cluster.is_primary:
    calls = []
    original_listen = socket.socket.listen

    def recording_listen(self, *backlog):
        calls.append((self.getsockname(), backlog))
        return original_listen(self, *backlog)

    socket.socket.listen = recording_listen
    cluster.scheduling_policy = cluster.SCHED_RR
    worker = cluster.fork()

    def on_listening(address):
        backlogs = [backlog for name, backlog in calls if name[1] == address.port]
        assert backlogs, f"the primary never listened on port {address.port}: {calls}"
        assert backlogs[-1] == (EXPECTED_BACKLOG,), f"listen() calls: {backlogs}"
        worker.disconnect()

    def on_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)

    worker.on("listening", must_call(on_listening))
    worker.on("exit", must_call(on_exit))
else:
    server = socket.create_server(("127.0.0.1", 0), backlog=EXPECTED_BACKLOG)
