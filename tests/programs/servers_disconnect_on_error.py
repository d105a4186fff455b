"""Port of test-cluster-worker-disconnect-on-error.js: under SCHED_NONE, the primary's own
HTTP server listens and sends its port to the worker; the worker's listen on it (from its
message listener) fails, and from the error handler the worker disconnects itself; it
exits 0 with exited_after_disconnect True, and the primary closes its server."""

import errno
from http.server import BaseHTTPRequestHandler, HTTPServer

import cluster
from must import must_call

cluster.scheduling_policy = cluster.SCHED_NONE

if cluster.is_primary:
    server = HTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)  # the primary's own
    worker = cluster.fork()
    worker.send({"port": server.server_address[1]})

    def on_exit(code, signal):
        server.server_close()
        assert (code, signal) == (0, None), (code, signal)
        assert worker.exited_after_disconnect is True, worker.exited_after_disconnect

    worker.on("exit", must_call(on_exit))
else:

    def on_message(message, handle):
        assert message["port"], message
        try:
            HTTPServer(("127.0.0.1", message["port"]), BaseHTTPRequestHandler)
        except OSError as exc:
            assert exc.errno == errno.EADDRINUSE, exc
            cluster.worker.disconnect()
        else:
            raise AssertionError("the port should have been in use")

    cluster.process.on("message", must_call(on_message))
