"""Port of test-cluster-http-pipe.js: a worker's HTTP server listening on a Unix socket
path (routed through the primary) serves a request made over that path by the worker
itself; the request's connection has no peer address. The worker tells the primary
and exits 0."""

import http.client
import os
import shutil
import socket
import socketserver
import tempfile
import threading
from http.server import BaseHTTPRequestHandler

import cluster
from must import must_call

if cluster.is_primary:
    directory = tempfile.mkdtemp(prefix="cluster-")
    worker = cluster.fork({"SOCKET_PATH": os.path.join(directory, "http.sock")})

    def on_message(message, handle):
        assert message == "DONE", message

    def on_exit(code, signal):
        shutil.rmtree(directory)
        assert (code, signal) == (0, None), (code, signal)

    worker.on("message", must_call(on_message))
    worker.on("exit", must_call(on_exit))
else:
    path = os.environ["SOCKET_PATH"]
    peers = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            peers.append(self.client_address)
            body = b"OK"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def address_string(self):
            return "unix"

        def log_message(self, *args):
            pass

    class UnixHTTPConnection(http.client.HTTPConnection):
        def connect(self):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(10)
            self.sock.connect(path)

    server = socketserver.ThreadingUnixStreamServer(path, Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    connection = UnixHTTPConnection("localhost")
    connection.request("GET", "/")
    response = connection.getresponse()
    assert (response.status, response.read()) == (200, b"OK")
    connection.close()
    assert peers in ([""], [b""]), f"a Unix socket peer has no address, got {peers}"
    cluster.process.send("DONE")
    cluster.process.exit(0)
