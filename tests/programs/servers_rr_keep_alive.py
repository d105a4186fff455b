"""Port of test-cluster-rr-handle-keep-loop-alive.js, in part: under round-robin, a
worker whose main script returns once its HTTP server runs in a thread stays alive and
serving (Node's test unrefs the channel, so that only the server keeps the worker
alive; Python has no unref, and its workers live while connected); the primary gets an
answer, then kills the worker, which dies by SIGTERM, not before."""

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cluster
from must import in_thread, must_call

if cluster.is_primary:
    cluster.scheduling_policy = cluster.SCHED_RR
    worker = cluster.fork()
    exited = threading.Event()

    def ask(port):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/")
        response = connection.getresponse()
        assert (response.status, response.read()) == (200, b"alive"), response.status
        connection.close()
        assert not exited.is_set(), "the worker exited while its server listened"
        worker.kill()

    def on_exit(code, signal):
        exited.set()
        assert (code, signal) == (None, "SIGTERM"), (code, signal)

    worker.on("listening", must_call(lambda address: in_thread(ask, address.port)))
    worker.on("exit", must_call(on_exit))
else:

    class Alive(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Length", "5")
            self.end_headers()
            self.wfile.write(b"alive")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Alive)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # The script ends here; the server goes on serving from its thread.
