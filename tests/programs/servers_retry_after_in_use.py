"""Port of test-cluster-eaddrinuse.js (Node's runs a plain child process; here the child
is a cluster worker, whose listen goes through the primary): a worker's listen on a port
the primary's own server holds fails with EADDRINUSE; once the primary has closed that
server, the worker's second try succeeds on the same port, which shows that the failure
left nothing behind. The worker then closes its server and disconnects; it exits 0."""

import errno
import os
import socket

import cluster
from must import must_call

if cluster.is_primary:
    own = socket.create_server(("127.0.0.1", 0))  # the primary's own server: not routed
    port = own.getsockname()[1]
    worker = cluster.fork({"PORT": port})

    def on_message(message, handle):
        assert message == "stop-listening", message
        own.close()
        worker.send("stopped-listening")

    def on_listening(address):
        assert address.port == port, address

    def on_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)

    worker.on("message", must_call(on_message))
    worker.on("listening", must_call(on_listening))
    worker.on("exit", must_call(on_exit))
else:
    port = int(os.environ["PORT"])
    try:
        socket.create_server(("127.0.0.1", port))
    except OSError as exc:
        assert exc.errno == errno.EADDRINUSE, exc
    else:
        raise AssertionError("the port should have been in use")

    def on_message(message, handle):
        assert message == "stopped-listening", message
        server = socket.create_server(("127.0.0.1", port))
        assert server.getsockname()[1] == port
        server.close()
        cluster.process.disconnect()

    cluster.process.once("message", must_call(on_message))
    cluster.process.send("stop-listening")
