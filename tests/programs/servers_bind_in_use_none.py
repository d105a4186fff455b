"""Port of test-cluster-shared-handle-bind-error.js: under SCHED_NONE, when the
primary's bind for a worker fails because the primary's own server holds the port, the
worker gets EADDRINUSE at its bind(), disconnects and exits 0; the primary then closes
its server."""

import errno
import os
import socket

import cluster
from must import must_call

if cluster.is_primary:
    cluster.scheduling_policy = cluster.SCHED_NONE
    hog = socket.create_server(("127.0.0.1", 0))  # the primary's own: not routed

    def on_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)
        hog.close()

    cluster.fork({"PORT": hog.getsockname()[1]}).on("exit", must_call(on_exit))
else:
    try:
        socket.create_server(("127.0.0.1", int(os.environ["PORT"])))
    except OSError as exc:
        assert exc.errno == errno.EADDRINUSE, exc
        cluster.process.disconnect()
    else:
        raise AssertionError("listen should have failed")
